"""The organisation, customers 一户一档 and calls over the API. Thin: the services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.drf import AwareDateTimeField, ModelSerializer, PlannedInput, PlannedOutput, PrimaryKeyField

from ..models import Call, CallOutcome, Customer, Department, Unit, User
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
        fields = ["id", "account_number", "name", "phone", "address", "area_type", "unit", "created_at"]
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
    outcome = serializers.ChoiceField(choices=CallOutcome.choices, required=False, default="")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)
    customer = PrimaryKeyField(model=Customer, required=False, default=None, allow_null=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
