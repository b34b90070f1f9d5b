import django_filters
from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tickets.models import Department, Unit, User

from .models import EntryKind, LedgerEntry, PenaltyRule
from .selectors import unit_subtree_ids

PERIOD = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "period must look like YYYY-MM")


@extend_schema_field(OpenApiTypes.STR)
class RuleCodeFilter(django_filters.ModelMultipleChoiceFilter):
    """?rule=<code> (repeatable)."""


class LedgerEntryFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(validators=[PERIOD], help_text="YYYY-MM (Asia/Shanghai)")
    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all(), method="filter_unit",
                                            help_text="The unit and every unit below it")
    agent = django_filters.ModelChoiceFilter(to_field_name="username", queryset=User.objects.all())
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all())
    rule = RuleCodeFilter(field_name="rule__code", to_field_name="code", queryset=PenaltyRule.objects.all())
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    source = django_filters.CharFilter()

    class Meta:
        model = LedgerEntry
        fields = []

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit_id__in=unit_subtree_ids(value))
