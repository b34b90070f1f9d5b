"""Shapes of the outage notice API 停电信息. No rules here: ``services.outages`` decides."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.drf import AwareDateTimeField, ModelSerializer, PrimaryKeyField
from contactcenter.errors import InvalidInput

from .. import services
from ..models import AreaType, Customer, Department, OutageKind, OutageNotice, OutageTransition
from ..services.customers import NOT_A_PHONE, normalize_phone
from ..services.outages import outage_available_transitions

AREA_MAX = 2000
CAUSE_MAX = 300  # OutageNotice.cause


class OutageHistorySerializer(ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = OutageTransition
        fields = ["name", "source", "target", "actor", "at", "data"]
        read_only_fields = fields


class OutageNoticeSerializer(ModelSerializer):
    received_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    source_department_name = serializers.CharField(source="source_department.name", read_only=True, default=None)
    terms = serializers.ListField(child=serializers.CharField(), read_only=True,
                                  help_text="The communities, streets or feeders matched against addresses")
    linked_orders = serializers.IntegerField(source="linked_count", read_only=True,
                                             help_text="Repair calls linked to the notice instead of dispatched")
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = OutageNotice
        fields = [
            "id", "kind", "state", "area", "terms", "cause", "starts_at", "expected_restore_at", "restored_at",
            "unit", "source_department", "source_department_name", "received_at", "received_by", "published_at",
            "published_by", "announced_late", "updated_count", "closed_at", "linked_orders",
            "available_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, notice: OutageNotice) -> list[str]:
        request = self.context.get("request")
        return outage_available_transitions(notice, request.user) if request else []


class OutageNoticeDetailSerializer(OutageNoticeSerializer):
    history = OutageHistorySerializer(many=True, read_only=True)
    apology = serializers.CharField(read_only=True, help_text="The standard apology phrase 致歉用语 for callers")

    class Meta(OutageNoticeSerializer.Meta):
        fields = [*OutageNoticeSerializer.Meta.fields, "apology", "history"]
        read_only_fields = fields


class OutageCreateSerializer(serializers.Serializer):
    """A notice passed on by another department: who sends it creates it (the receiving agent)."""

    kind = serializers.ChoiceField(choices=OutageKind.choices)
    area = serializers.CharField(max_length=AREA_MAX,
                                 help_text="Communities, streets or feeders; one per line or separated by commas")
    cause = serializers.CharField(max_length=CAUSE_MAX)
    starts_at = AwareDateTimeField()
    expected_restore_at = AwareDateTimeField()
    source_department = PrimaryKeyField(model=Department, required=False, default=None,
                                        allow_null=True)
    received_at = AwareDateTimeField(required=False, default=None, allow_null=True,
                                     help_text="When the department passed it on; now when not given")


# --- Transition inputs: one serializer per transition; ``OutageTransitionRequestSerializer`` documents the union.

WIDE_AREA_HELP = ("Publish (or change the area) although it matches more than OUTAGE_WIDE_AREA_PERCENT of the "
                  "unit's customers: without it such a notice is refused with 400 wide_area_needs_confirmation")


class PublishInput(serializers.Serializer):
    confirm_wide_area = serializers.BooleanField(required=False, default=False, help_text=WIDE_AREA_HELP)

    def perform(self, *, notice: OutageNotice, actor) -> OutageNotice:
        return services.outage_publish(notice=notice, actor=actor, **self.validated_data)


class UpdateInput(serializers.Serializer):
    expected_restore_at = AwareDateTimeField(required=False, default=None, allow_null=True)
    cause = serializers.CharField(max_length=CAUSE_MAX, required=False, default=None, allow_null=True)
    area = serializers.CharField(max_length=AREA_MAX, required=False, default=None, allow_null=True)
    confirm_wide_area = serializers.BooleanField(required=False, default=False, help_text=WIDE_AREA_HELP)

    def perform(self, *, notice: OutageNotice, actor) -> OutageNotice:
        return services.outage_update(notice=notice, actor=actor, **self.validated_data)


class RestoreInput(serializers.Serializer):
    restored_at = AwareDateTimeField(required=False, default=None, allow_null=True,
                                     help_text="When the power came back; now when not given")

    def perform(self, *, notice: OutageNotice, actor) -> OutageNotice:
        return services.outage_restore(notice=notice, actor=actor, **self.validated_data)


class CloseInput(serializers.Serializer):
    def perform(self, *, notice: OutageNotice, actor) -> OutageNotice:
        return services.outage_close(notice=notice, actor=actor)


# The URL's transition name → its input (the router's one table); each calls its typed service.
TRANSITION_INPUTS: dict[str, type[serializers.Serializer]] = {
    "publish": PublishInput, "update": UpdateInput, "restore": RestoreInput, "close": CloseInput,
}


class OutageTransitionRequestSerializer(UpdateInput, RestoreInput):
    """Every field any transition takes: ``update`` reads expected_restore_at, cause and area (at least one);
    ``restore`` reads restored_at; ``publish`` and ``close`` take nothing."""


# --- The console: a caller's customer and the active notices covering their address.

class ForCallerQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    customer = PrimaryKeyField(model=Customer, required=False, default=None, allow_null=True)
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return normalize_phone(value)
        except InvalidInput:
            raise serializers.ValidationError(str(NOT_A_PHONE)) from None

    def validate(self, attrs):
        given = [name for name in ("phone", "customer", "address") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of phone, customer or address.")
        return attrs


class CallerCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account_number = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    address = serializers.CharField()
    area_type = serializers.ChoiceField(choices=AreaType.choices)


class CallerNoticeSerializer(ModelSerializer):
    apology = serializers.CharField(read_only=True, help_text="The standard apology phrase 致歉用语, in the "
                                                              "request's language")

    class Meta:
        model = OutageNotice
        fields = ["id", "kind", "area", "cause", "starts_at", "expected_restore_at", "updated_count", "apology"]
        read_only_fields = fields


class ForCallerSerializer(serializers.Serializer):
    customer = CallerCustomerSerializer(allow_null=True, help_text="null when no customer has that phone")
    address = serializers.CharField(help_text="The address the notices were matched against")
    notices = CallerNoticeSerializer(many=True, help_text="Active notices (published, started) covering it")
