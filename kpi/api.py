"""The ledger over HTTP. Entries are never updated or deleted: only GET and POST exist here."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contactcenter.drf import ERRORS, ErrorSerializer, FiltersOnListsOnly, MethodsFirst, ModelPermissions

from . import selectors, serializers, services
from .filters import LedgerEntryFilter
from .models import LedgerEntry, PenaltyRule


class LedgerPermissions(permissions.IsAuthenticated):
    """Everyone logged in reads the ledger (``selectors.visible_entries`` scopes it); posting a manual entry and
    reversing one need their permission, asked before the body is read: 403 whatever is sent."""

    required = {"create": "kpi.post_manual_entry", "reverse": "kpi.reverse_ledgerentry"}

    def has_permission(self, request, view) -> bool:
        needed = self.required.get(view.action)
        return super().has_permission(request, view) and (needed is None or request.user.has_perm(needed))


@extend_schema_view(
    create=extend_schema(request=serializers.ManualEntrySerializer,
                         responses={201: serializers.LedgerEntrySerializer, **ERRORS}),
)
class LedgerEntryViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """考核台账: append-only. POST posts a manual entry (lead or supervisor); ``reverse/`` appeals."""

    queryset = LedgerEntry.objects.none()  # for the schema; get_queryset scopes by user
    serializer_class = serializers.LedgerEntrySerializer
    permission_classes = [LedgerPermissions]
    filterset_class = LedgerEntryFilter
    ordering_fields = ["occurred_at", "amount", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.visible_entries(self.request.user).prefetch_related("reversed_by")

    def create(self, request, *args, **kwargs):
        data = serializers.ManualEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.entry_post_manual(**data.validated_data, actor=request.user)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ReverseSerializer,
                   responses={201: serializers.LedgerEntrySerializer, **ERRORS,
                              409: OpenApiResponse(ErrorSerializer, description="Already reversed")})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        entry = self.get_object()
        data = serializers.ReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = services.entry_reverse(entry=entry, actor=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(reversal).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.LedgerTotalsSerializer})
    @action(detail=False, methods=["get"])
    def totals(self, request):
        """Sums by rule (penalties, reversals, net) for the same filters as the list."""
        entries = self.filter_queryset(self.get_queryset())
        return Response(serializers.LedgerTotalsSerializer(selectors.ledger_totals(entries)).data)


class PenaltyRuleViewSet(MethodsFirst, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Penalty rules; a supervisor changes amounts, limits and on/off."""

    queryset = PenaltyRule.objects.all()
    serializer_class = serializers.PenaltyRuleSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]
