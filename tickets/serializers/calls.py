"""The organisation, customers 一户一档 and calls over the API. Thin: the services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.drf import AwareDateTimeField, ModelSerializer, PlannedInput, PlannedOutput, PrimaryKeyField

from ..models import Call, CallEventKind, CallOutcome, Customer, Department, SwitchCall, Unit, User
from .workorders import NOTE_MAX, PhoneMaskingMixin


class UnitSerializer(ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent"]


class DepartmentSerializer(ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "kind", "unit"]


class CustomerSerializer(PhoneMaskingMixin, ModelSerializer):
    phone_fields = ("phone",)

    def validate_account_number(self, value: str | None) -> str | None:
        return value or None  # "no account yet" is NULL: many customers may have none

    class Meta:
        model = Customer
        fields = ["id", "account_number", "name", "phone", "address", "area_type", "unit", "sms_opt_out", "created_at"]
        read_only_fields = ["id", "created_at"]


class CallSerializer(PhoneMaskingMixin, PlannedOutput, ModelSerializer):
    phone_fields = ("caller_number",)
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    orders = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "caller_number", "customer", "agent", "seat", "ring_started_at", "answered_at", "ended_at",
                  "ring_seconds", "outcome", "note", "orders", "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_orders(self, call: Call) -> list[int]:
        return [order.pk for order in call.orders.all()]


class CallCreateSerializer(PlannedInput, serializers.Serializer):
    caller_number = serializers.CharField(max_length=32)
    ring_started_at = AwareDateTimeField()
    answered_at = AwareDateTimeField(allow_null=True, required=False, default=None)
    ended_at = AwareDateTimeField(allow_null=True, required=False, default=None)
    agent = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(),
                                         allow_null=True, required=False, default=None)
    seat = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    outcome = serializers.ChoiceField(choices=CallOutcome.choices, required=False)  # absent: from its times
    note = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)
    customer = PrimaryKeyField(model=Customer, required=False, default=None, allow_null=True)


class CallEventSerializer(PlannedInput, serializers.Serializer):
    """One event of a call from the switch (``POST /api/v1/calls/events/``)."""

    call_id = serializers.RegexField(r"^[A-Za-z0-9._:@-]{1,64}$", help_text="The switch's own id of the call "
                                     "(Asterisk: Linkedid; FreeSWITCH: the call UUID)")
    event = serializers.ChoiceField(choices=CallEventKind.choices)
    at = AwareDateTimeField(help_text="When it happened, by the switch's clock")
    caller_number = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    agent = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(),
                                         allow_null=True, required=False, default=None,
                                         help_text="The agent at the seat that rings or answered")
    seat = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)


class SwitchCallSerializer(PlannedOutput, serializers.ModelSerializer):
    call_id = serializers.CharField(source="switch_call_id")
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    call = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The logged call, once it rang and ended")

    class Meta:
        model = SwitchCall
        fields = ["call_id", "caller_number", "agent", "seat", "rang_at", "answered_at", "ended_at", "call"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`; shown only this once")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working (null: when revoked)")


class LogoutResponseSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many of your tokens ended")
