"""Thin DRF views over shifts.services (writes) and shifts.selectors (reads)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contactcenter.drf import CONFLICT, ERRORS, CanViewModel, FiltersOnListsOnly, MethodsFirst, ModelPermissions

from . import selectors, serializers, services
from .filters import HandoverFilter, ShiftFilter
from .models import Handover, Shift, ShiftTemplate


class OpensHandover(permissions.BasePermission):
    """The shift's own lead (or a supervisor) opens its handover."""

    def has_object_permission(self, request, view, obj):
        return selectors.may_open_handover(obj, request.user)


class ShiftTemplateViewSet(MethodsFirst, viewsets.ReadOnlyModelViewSet):
    queryset = ShiftTemplate.objects.all()
    serializer_class = serializers.ShiftTemplateSerializer
    permission_classes = [ModelPermissions]
    filterset_fields = ["pattern", "active"]


@extend_schema_view(
    create=extend_schema(request=serializers.ShiftCreateSerializer,
                         responses={201: serializers.ShiftDetailSerializer, **ERRORS, 409: CONFLICT}),
    retrieve=extend_schema(responses={200: serializers.ShiftDetailSerializer, 404: ERRORS[404]}),
)
class ShiftViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The roster 排班: shifts of a unit per date with a lead and members. Members check in and out."""

    queryset = Shift.objects.none()  # for the schema; get_queryset scopes by user
    permission_classes = [ModelPermissions]
    filterset_class = ShiftFilter
    ordering_fields = ["starts_at", "date", "id"]

    def get_permissions(self):
        if self.action in ("check_in", "check_out"):
            return [CanViewModel()]  # the service decides: only a member of the shift
        if self.action == "handover":
            return [CanViewModel(), OpensHandover()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.visible_shifts(self.request.user).order_by("starts_at", "id")

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ShiftSerializer
        return serializers.ShiftDetailSerializer

    def create(self, request, *args, **kwargs):
        data = serializers.ShiftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shift = services.shift_create(**data.validated_data, actor=request.user)
        return Response(self._detail(shift.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: serializers.ShiftDetailSerializer, **ERRORS, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """签到, for the requesting user (a member of the shift)."""
        services.shift_check_in(shift=self.get_object(), user=request.user)
        return Response(self._detail(pk))

    @extend_schema(request=None, responses={200: serializers.ShiftDetailSerializer, **ERRORS, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        """签退, for the requesting user (checked in before)."""
        services.shift_check_out(shift=self.get_object(), user=request.user)
        return Response(self._detail(pk))

    @extend_schema(request=None, responses={200: serializers.HandoverDetailSerializer,
                                            201: serializers.HandoverDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        """Open the shift's draft handover (201), or return it when it is open already (200)."""
        shift = self.get_object()
        existed = Handover.objects.filter(outgoing=shift).exists()
        handover = services.handover_open(shift=shift, actor=request.user)
        detail = selectors.handover_detail_queryset(request.user).get(pk=handover.pk)
        data = serializers.HandoverDetailSerializer(detail, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def _detail(self, pk) -> dict:
        shift = self.get_queryset().get(pk=pk)
        return serializers.ShiftDetailSerializer(shift, context=self.get_serializer_context()).data


@extend_schema_view(retrieve=extend_schema(responses={200: serializers.HandoverDetailSerializer, 404: ERRORS[404]}))
class HandoverViewSet(MethodsFirst, FiltersOnListsOnly, viewsets.ReadOnlyModelViewSet):
    """交接班. Drafts are opened by beat or ``POST shifts/{id}/handover/``; states change only through
    ``transitions/{name}/`` (submit, refuse, accept)."""

    queryset = Handover.objects.none()  # for the schema; get_queryset scopes by user
    permission_classes = [ModelPermissions]
    filterset_class = HandoverFilter
    ordering_fields = ["created_at", "submitted_at", "accepted_at", "id"]

    def get_permissions(self):
        if self.action in ("transition", "items"):
            return [CanViewModel()]  # the machine's own permission= decides, in the service
        return super().get_permissions()

    def get_queryset(self):
        if self.action == "list":
            return selectors.visible_handovers(self.request.user)
        return selectors.handover_detail_queryset(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.HandoverSerializer
        return serializers.HandoverDetailSerializer

    @extend_schema(
        request=serializers.HandoverTransitionRequestSerializer,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(services.HANDOVER_TRANSITIONS),
                                     description="submit, refuse or accept; see available_transitions")],
        responses={200: serializers.HandoverDetailSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[A-Za-z_]{1,40})")
    def transition(self, request, pk=None, name=None):
        handover = self.get_object()
        services.handover_transition_check(handover=handover, name=name, actor=request.user)
        inputs = serializers.TRANSITION_INPUTS[name](data=request.data)
        inputs.is_valid(raise_exception=True)
        inputs.perform(handover=handover, actor=request.user)
        return Response(self._detail(pk))

    @extend_schema(request=serializers.HandoverItemCreateSerializer,
                   responses={201: serializers.HandoverItemSerializer, **ERRORS, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        """Add a pending item (a reply owed to the upper company, or a note): the outgoing lead, before signing."""
        handover = self.get_object()
        services.handover_outgoing_check(handover=handover, actor=request.user)  # 403 before the body is read
        data = serializers.HandoverItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.handover_add_item(handover=handover, actor=request.user, **data.validated_data)
        return Response(serializers.HandoverItemSerializer(item).data, status=status.HTTP_201_CREATED)

    def _detail(self, pk) -> dict:
        handover = self.get_queryset().get(pk=pk)
        return serializers.HandoverDetailSerializer(handover, context=self.get_serializer_context()).data
