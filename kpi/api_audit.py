"""The audit trail over HTTP: ``GET /api/v1/kpi/audit/`` (read-only; supervisors and managers, kpi.view_audit)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from contactcenter.drf import ERRORS
from contactcenter.pagination import Pagination
from tickets.models import User

from . import audit
from .views_audit import FIRST_DAY, LAST_DAY


class CanViewAudit(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("kpi.view_audit"))


class AuditQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=audit.AuditKind.choices, required=False,
                                   help_text="Only this kind of object")
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), required=False,
                                        help_text="Only what this user (username) changed")
    date_from = serializers.DateField(required=False, help_text="From this day (Asia/Shanghai)")
    date_to = serializers.DateField(required=False, help_text="Up to and including this day (Asia/Shanghai)")

    def validate(self, data):
        for name in ("date_from", "date_to"):
            if name in data and not FIRST_DAY <= data[name] <= LAST_DAY:
                raise serializers.ValidationError({name: "Choose a date between 2000 and 2099."})
        if "date_from" in data and "date_to" in data and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": "The end date is before the start date."})
        return data


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    added = serializers.ListField(child=serializers.CharField(), help_text="For a set (roles, permissions)")
    removed = serializers.ListField(child=serializers.CharField(), help_text="For a set (roles, permissions)")


class AuditEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_name", allow_null=True, help_text="Username; null: the system")
    kind = serializers.ChoiceField(choices=audit.AuditKind.choices)
    action = serializers.ChoiceField(choices=audit.AuditAction.choices)
    object_type = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)
    object = serializers.CharField(source="object_label")
    changes = FieldChangeSerializer(many=True)
    reason = serializers.CharField()


class AuditView(generics.GenericAPIView):
    """审计日志: changes of rules, SLA policies, phrases, the calendar, lead times, users' roles and the roles'
    permissions, and reversals, newest first. Nothing here can be changed (GET only)."""

    serializer_class = AuditEventSerializer
    permission_classes = [CanViewAudit]
    pagination_class = Pagination
    filter_backends = []
    http_method_names = ["get", "head", "options"]

    @extend_schema(parameters=[AuditQuerySerializer],
                   responses={200: AuditEventSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]})
    def get(self, request):
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        since, until = audit.day_bounds(data.get("date_from"), data.get("date_to"))
        index = audit.audit_index(kinds=[data["kind"]] if "kind" in data else None, actor=data.get("user"),
                                  since=since, until=until)
        page = self.paginate_queryset(index)
        return self.get_paginated_response(self.get_serializer(audit.audit_events(page), many=True).data)
