"""Work orders over the API. States change only through ``transitions/{name}/``: the machine decides whether the
transition is allowed now (409) and for this user (403) before the input is read (400), then its input serializer
calls the typed service."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contactcenter.drf import CONFLICT, ERRORS, CanViewModel, FiltersOnListsOnly, MethodsFirst, ModelPermissions

from .. import selectors, services
from ..filters import WorkOrderFilter
from ..models import WorkOrder
from ..serializers import (
    BulkRequestSerializer,
    BulkResultSerializer,
    PossibleDuplicateSerializer,
    TransitionRequestSerializer,
    WorkOrderCreatedSerializer,
    WorkOrderCreateSerializer,
    WorkOrderDetailSerializer,
    WorkOrderSerializer,
    transition_input,
)

SEARCH = OpenApiParameter(
    "q", str, description="Search 工单查询: orders matching every word (2 characters or more; at most 200 characters) "
    "in any part of the number, a phone number (whole only for the roles that see numbers whole), the customer's name, "
    "account or address, the description or the replies; in any state. Ranked: exact number / phone / account first, "
    "then newest first (``ordering`` is ignored). The count stops at 1,000.")


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH], responses={200: WorkOrderSerializer(many=True), 400: ERRORS[400]}),
    create=extend_schema(request=WorkOrderCreateSerializer, responses={201: WorkOrderCreatedSerializer, **ERRORS}),
    retrieve=extend_schema(responses={200: WorkOrderDetailSerializer, 404: ERRORS[404]}),
)
class WorkOrderViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Work orders. States change only through ``transitions/{name}/``."""

    permission_classes = [ModelPermissions]
    permission_model = WorkOrder
    filterset_class = WorkOrderFilter
    ordering_fields = ["accepted_at", "reply_due_at", "arrival_due_at", "callback_due_at", "id"]

    def get_permissions(self):
        if self.action in ("transition", "bulk"):
            return [CanViewModel()]  # the machine's own permission= decides, in the service
        return super().get_permissions()

    def get_queryset(self):
        orders = selectors.visible_work_orders(self.request.user)
        if self.action == "retrieve":
            orders = orders.prefetch_related(*selectors.detail_prefetches())
        return orders

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        query = self.request.query_params.get("q")
        if self.action == "list" and query is not None:
            return selectors.search_work_orders(self.request.user, queryset, query)
        return queryset

    def get_serializer_class(self):
        if self.action in ("retrieve", "transition", "create"):
            return WorkOrderDetailSerializer
        return WorkOrderSerializer

    def create(self, request, *args, **kwargs):
        data = WorkOrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.work_order_create(**data.validated_data, actor=request.user)
        body = self._detail(selectors.with_detail(order, new=True))
        body["possible_duplicates"] = PossibleDuplicateSerializer(selectors.repeat_candidates(
            customer=order.customer, phone=order.caller_number, address=order.address, kind=order.kind,
            exclude=order.pk), many=True).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TransitionRequestSerializer,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH,
                                     description="A transition of the order's kind, see available_transitions")],
        responses={200: WorkOrderDetailSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[A-Za-z_]{1,40})")
    def transition(self, request, pk=None, name=None):
        order = self.get_object()
        services.work_order_transition_check(order=order, name=name, actor=request.user)
        inputs = transition_input(order, name, request.data)
        inputs.is_valid(raise_exception=True)
        order = inputs.perform(order=order, actor=request.user)
        return Response(self._detail(selectors.with_detail(order)))

    @extend_schema(request=BulkRequestSerializer, responses={200: BulkResultSerializer, 400: ERRORS[400]})
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        """批量操作: one action on many orders, each through its own service and permission check, in its own
        transaction (an order is changed entirely or not at all); each order's outcome is reported."""
        data = BulkRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inputs = dict(data.validated_data)
        ids = list(dict.fromkeys(inputs.pop("orders")))
        found = {order.pk: order for order in selectors.visible_work_orders(request.user).filter(pk__in=ids)}
        outcomes = services.work_orders_bulk(orders=[found[pk] for pk in ids if pk in found], actor=request.user,
                                             **inputs)
        outcomes += [services.BulkOutcome(pk, "", False, "not_found", "No such work order", 404)
                     for pk in ids if pk not in found]
        done = sum(outcome.done for outcome in outcomes)
        return Response(BulkResultSerializer({"done": done, "refused": len(outcomes) - done,
                                              "results": outcomes}).data)

    def _detail(self, order: WorkOrder) -> dict:
        """The order as the service left it (saved, the values the database computed read back), not read again:
        only its history and callbacks are (re)loaded (``selectors.with_detail``)."""
        return WorkOrderDetailSerializer(order, context=self.get_serializer_context()).data
