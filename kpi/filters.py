import django_filters
from django.core.exceptions import ValidationError

from tickets.models import Department, Unit, User

from .models import EntryKind, LedgerEntry, PenaltyRule
from .selectors import unit_subtree_ids


def _period(value: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value or ""):
        raise ValidationError("period must look like YYYY-MM")
    return value


class LedgerEntryFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period", help_text="YYYY-MM (Asia/Shanghai)")
    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all(), method="filter_unit",
                                            help_text="The unit and every unit below it")
    agent = django_filters.ModelChoiceFilter(to_field_name="username", queryset=User.objects.all())
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all())
    rule = django_filters.ModelMultipleChoiceFilter(field_name="rule", to_field_name="code",
                                                    queryset=PenaltyRule.objects.all())
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    source = django_filters.CharFilter()

    class Meta:
        model = LedgerEntry
        fields = []

    def filter_period(self, queryset, name, value):
        try:
            return queryset.filter(period=_period(value))
        except ValidationError as error:
            raise django_filters.utils.ValidationError({"period": error.messages}) from None

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit_id__in=unit_subtree_ids(value))
