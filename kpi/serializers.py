from rest_framework import serializers

from contactcenter.drf import AwareDateTimeField, ModelSerializer
from tickets.models import Department, User

from .models import LedgerEntry, PenaltyRule


class PenaltyRuleSerializer(ModelSerializer):
    class Meta:
        model = PenaltyRule
        fields = ["id", "code", "name_zh", "name_en", "amount", "charged_to", "enabled", "threshold", "manual",
                  "source"]
        read_only_fields = ["id", "code", "charged_to", "manual"]
        extra_kwargs = {"amount": {"min_value": 0}}


class LedgerEntrySerializer(ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule_name = serializers.CharField(source="rule.name_zh", read_only=True)
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reversed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "rule", "rule_name", "agent", "department", "department_name", "unit", "amount",
                  "occurred_at", "period", "source", "reverses", "reversed_by", "reason", "amount_reason", "created_by",
                  "created_at"]
        read_only_fields = fields


class ManualEntrySerializer(serializers.Serializer):
    rule = serializers.SlugRelatedField(slug_field="code", queryset=PenaltyRule.objects.all())
    agent = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), required=False,
                                         allow_null=True, default=None)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False,
                                                    allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True,
                                      default=None, min_value=0,
                                      help_text="Empty: the rule's amount. Another amount only by a supervisor, "
                                                "with amount_reason")
    amount_reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    reason = serializers.CharField(max_length=2000)
    occurred_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RuleTotalSerializer(serializers.Serializer):
    rule = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    count = serializers.IntegerField()
    penalties = serializers.DecimalField(max_digits=14, decimal_places=2)
    reversals = serializers.DecimalField(max_digits=14, decimal_places=2)
    net = serializers.DecimalField(max_digits=14, decimal_places=2)


class LedgerTotalsSerializer(serializers.Serializer):
    by_rule = RuleTotalSerializer(many=True)
    penalties = serializers.DecimalField(max_digits=14, decimal_places=2)
    reversals = serializers.DecimalField(max_digits=14, decimal_places=2)
    net = serializers.DecimalField(max_digits=14, decimal_places=2)
