"""Outage notices 停电信息 over the API: thin views over ``services.outages`` (writes) and ``selectors`` (reads).
States change only through ``transitions/{name}/``, like work orders."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contactcenter.drf import CONFLICT, ERRORS, CanViewModel, FiltersOnListsOnly, MethodsFirst, ModelPermissions

from .. import selectors, services
from ..filters import OutageFilter
from ..models import OutageNotice
from ..serializers import outages as serializers
from ..services.outages import OUTAGE_TRANSITIONS


class TakesCalls(permissions.BasePermission):
    """The console's questions are for the front office (agents, leads, supervisors)."""

    def has_permission(self, request, view):
        return request.user.has_perm("tickets.take_calls")


@extend_schema_view(
    create=extend_schema(request=serializers.OutageCreateSerializer,
                         responses={201: serializers.OutageNoticeDetailSerializer, **ERRORS}),
    retrieve=extend_schema(responses={200: serializers.OutageNoticeDetailSerializer, 404: ERRORS[404]}),
)
class OutageNoticeViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Outage notices received from other departments: received → published → (updated) → restored → closed."""

    queryset = OutageNotice.objects.none()  # for the schema; get_queryset adds the linked-order count
    permission_classes = [ModelPermissions]
    filterset_class = OutageFilter
    ordering_fields = ["starts_at", "expected_restore_at", "received_at", "id"]

    def get_permissions(self):
        if self.action == "transition":
            return [CanViewModel()]  # the machine's own permission= decides, in the service
        if self.action == "for_caller":
            return [TakesCalls()]
        return super().get_permissions()

    def get_queryset(self):
        notices = selectors.outage_notices().order_by("-starts_at", "-id")
        if self.action in ("retrieve", "transition"):
            notices = notices.prefetch_related("history__actor")
        return notices

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.OutageNoticeSerializer
        return serializers.OutageNoticeDetailSerializer

    def create(self, request, *args, **kwargs):
        data = serializers.OutageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.outage_receive(**data.validated_data, actor=request.user)
        return Response(self._detail(notice.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.OutageTransitionRequestSerializer,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(OUTAGE_TRANSITIONS),
                                     description="publish, update, restore or close; see available_transitions")],
        responses={200: serializers.OutageNoticeDetailSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[A-Za-z_]{1,40})")
    def transition(self, request, pk=None, name=None):
        notice = self.get_object()
        services.outage_transition_check(notice=notice, name=name, actor=request.user)
        inputs = serializers.TRANSITION_INPUTS[name](data=request.data)
        inputs.is_valid(raise_exception=True)
        inputs.perform(notice=notice, actor=request.user)
        return Response(self._detail(notice.pk))

    @extend_schema(
        parameters=[serializers.ForCallerQuerySerializer],
        responses={200: serializers.ForCallerSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    @action(detail=False, methods=["get"], url_path="for-caller", filterset_class=None, pagination_class=None)
    def for_caller(self, request):
        """For the console: the caller's customer (by phone, customer id or a typed address) and the active
        notices covering the address, each with its cause, expected restoration and the apology phrase."""
        query = serializers.ForCallerQuerySerializer(data=request.query_params,
                                                     customers=selectors.visible_customers(request.user))
        query.is_valid(raise_exception=True)
        found = selectors.caller_outages(**query.validated_data)
        return Response(serializers.ForCallerSerializer(found, context=self.get_serializer_context()).data)

    def _detail(self, pk: int) -> dict:
        notice = self.get_queryset().prefetch_related("history__actor").get(pk=pk)
        return serializers.OutageNoticeDetailSerializer(notice, context=self.get_serializer_context()).data
