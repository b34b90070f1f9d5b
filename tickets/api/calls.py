"""Customers 一户一档 and calls over the API."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contactcenter.drf import ERRORS, FiltersOnListsOnly, MethodsFirst, ModelPermissions

from .. import selectors, services
from ..filters import CallFilter, CustomerFilter
from ..models import Call
from ..serializers import (
    CallCreateSerializer,
    CallEventSerializer,
    CallSerializer,
    CustomerSerializer,
    SwitchCallSerializer,
)


class CustomerViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    serializer_class = CustomerSerializer
    permission_classes = [ModelPermissions]
    filterset_class = CustomerFilter
    ordering_fields = ["id", "account_number", "name"]  # never the phone: its masked digits would show in the order
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.visible_customers(self.request.user).order_by("-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        data["phone"] = services.normalize_phone(data["phone"], field="phone")
        serializer.save()

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(customer=serializer.instance,
                                                       changes=dict(serializer.validated_data))


@extend_schema_view(create=extend_schema(request=CallCreateSerializer, responses={201: CallSerializer, **ERRORS}))
class CallViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Calls: the telephony system logs every seat's; an agent types in the calls at their own seat."""

    serializer_class = CallSerializer
    permission_classes = [ModelPermissions]
    permission_model = Call
    filterset_class = CallFilter
    ordering_fields = ["ring_started_at", "answered_at", "ended_at", "id"]  # never the caller's masked number

    def get_queryset(self):
        return selectors.visible_calls(self.request.user).prefetch_related("orders").order_by("-ring_started_at", "-id")

    @extend_schema(request=CallEventSerializer, responses={200: SwitchCallSerializer, **ERRORS})
    @action(detail=False, methods=["post"], url_path="events")
    def events(self, request):
        """The switch reports a call event by event — ``ring`` (at a seat: the agent's console pops the caller up),
        ``answer``, ``end`` — with its own call id; repeated and out-of-order events are harmless. Once it has rung
        and ended the call is logged (``call`` in the answer) as a whole call sent to ``POST calls/`` would be."""
        data = CallEventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        switch_call = services.call_event(switch_call_id=fields.pop("call_id"), **fields, reported_by=request.user)
        return Response(SwitchCallSerializer(switch_call).data)

    def create(self, request, *args, **kwargs):
        data = CallCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.call_log(**data.validated_data, logged_by=request.user)
        return Response(self.get_serializer(call).data, status=status.HTTP_201_CREATED)
