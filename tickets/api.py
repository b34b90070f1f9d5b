"""Thin DRF views over tickets.services (writes) and tickets.selectors (reads)."""

from dataclasses import dataclass

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.drf import FiltersOnListsOnly, MethodsFirst

from . import selectors, serializers, services
from .filters import CallFilter, CustomerFilter, WorkOrderFilter
from .models import Call, Department, Unit, WorkOrder

ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="Invalid input"),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Not permitted"),
    404: OpenApiResponse(serializers.ErrorSerializer, description="Not found"),
}


class ModelPermissions(permissions.DjangoModelPermissions):
    """Reads need the model's view permission too (DRF's default only guards writes)."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}

    def _queryset(self, view):
        # DRF reads only the queryset's model (for the permission names): a view that names it (permission_model)
        # is spared building its queryset — the visible rows, joins, prefetches — a second time for the check.
        model = getattr(view, "permission_model", None)
        return _ModelOnly(model) if model is not None else super()._queryset(view)


@dataclass(frozen=True)
class _ModelOnly:
    model: type


class CanViewModel(ModelPermissions):
    """For actions whose own rules decide (transitions): the user must at least see the model."""

    def get_required_permissions(self, method, model_cls):
        return super().get_required_permissions("GET", model_cls)


class TokenView(APIView):
    """POST username and password, get the token to send as ``Authorization: Token <token>``."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=serializers.TokenRequestSerializer, responses={
        200: serializers.TokenResponseSerializer, 400: ERRORS[400],
        403: OpenApiResponse(serializers.ErrorSerializer, description="Wrong username or password, or an inactive "
                             "account (code authentication_failed)"),
        429: OpenApiResponse(serializers.ErrorSerializer, description="Locked out after too many wrong passwords "
                             "for this username from this address (code locked_out; see Retry-After)"),
    }, auth=[])
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Django's HttpRequest, not DRF's wrapper: login throttling (django-axes) marks a locked-out attempt on it,
        # and its middleware answers 429.
        user = authenticate(request._request, **data.validated_data)
        if user is None or not user.is_active:
            raise AuthenticationFailed("Wrong username or password")
        # A login like the page's: clears the failed-login count (django-axes) and sets last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class UnitViewSet(MethodsFirst, viewsets.ReadOnlyModelViewSet):
    queryset = Unit.objects.all()
    serializer_class = serializers.UnitSerializer
    permission_classes = [ModelPermissions]


class DepartmentViewSet(MethodsFirst, viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.select_related("unit")
    serializer_class = serializers.DepartmentSerializer
    permission_classes = [ModelPermissions]
    filterset_fields = ["kind", "unit"]


class CustomerViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CustomerSerializer
    permission_classes = [ModelPermissions]
    filterset_class = CustomerFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.visible_customers(self.request.user).order_by("-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        data["phone"] = services.normalize_phone(data["phone"], field="phone")
        serializer.save()

    def perform_update(self, serializer):
        if "phone" in serializer.validated_data:
            serializer.validated_data["phone"] = services.normalize_phone(serializer.validated_data["phone"],
                                                                           field="phone")
        serializer.save()


@extend_schema_view(create=extend_schema(request=serializers.CallCreateSerializer,
                                         responses={201: serializers.CallSerializer, **ERRORS}))
class CallViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CallSerializer
    permission_classes = [ModelPermissions]
    permission_model = Call
    filterset_class = CallFilter

    def get_queryset(self):
        return selectors.visible_calls(self.request.user).prefetch_related("orders").order_by("-ring_started_at", "-id")

    def create(self, request, *args, **kwargs):
        data = serializers.CallCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.call_log(**data.validated_data, logged_by=request.user)
        return Response(self.get_serializer(call).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(request=serializers.WorkOrderCreateSerializer,
                         responses={201: serializers.WorkOrderDetailSerializer, **ERRORS}),
    retrieve=extend_schema(responses={200: serializers.WorkOrderDetailSerializer, 404: ERRORS[404]}),
)
class WorkOrderViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Work orders. States change only through ``transitions/{name}/``."""

    permission_classes = [ModelPermissions]
    permission_model = WorkOrder
    filterset_class = WorkOrderFilter
    ordering_fields = ["accepted_at", "reply_due_at", "arrival_due_at", "callback_due_at", "id"]

    def get_permissions(self):
        if self.action == "transition":
            return [CanViewModel()]  # the machine's own permission= decides, in the service
        return super().get_permissions()

    def get_queryset(self):
        orders = selectors.visible_work_orders(self.request.user)
        if self.action == "retrieve":
            orders = orders.prefetch_related(*selectors.detail_prefetches())
        return orders

    def get_serializer_class(self):
        if self.action in ("retrieve", "transition", "create"):
            return serializers.WorkOrderDetailSerializer
        return serializers.WorkOrderSerializer

    def create(self, request, *args, **kwargs):
        data = serializers.WorkOrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.work_order_create(**data.validated_data, actor=request.user)
        return Response(self._detail(selectors.with_detail(order, new=True)), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.TransitionRequestSerializer,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH,
                                     description="A transition of the order's kind, see available_transitions")],
        responses={200: serializers.WorkOrderDetailSerializer, **ERRORS,
                   409: OpenApiResponse(serializers.ErrorSerializer,
                                        description="Not allowed from the current state, or changed concurrently")},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[A-Za-z_]{1,40})")
    def transition(self, request, pk=None, name=None):
        order = self.get_object()
        services.work_order_transition_check(order=order, name=name, actor=request.user)
        inputs = serializers.transition_input_serializer(order, name)(data=request.data)
        inputs.is_valid(raise_exception=True)
        params = dict(inputs.validated_data)
        note = params.pop("note", "")
        call = params.pop("call", None)
        order = services.work_order_transition(order=order, name=name, actor=request.user, params=params, note=note,
                                               call=call)
        return Response(self._detail(selectors.with_detail(order)))

    def _detail(self, order: WorkOrder) -> dict:
        """The order as the service left it (saved, the values the database computed read back), not read again:
        only its history and callbacks are (re)loaded (``selectors.with_detail``)."""
        return serializers.WorkOrderDetailSerializer(order, context=self.get_serializer_context()).data
