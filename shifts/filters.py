import django_filters

from tickets.models import Unit, User

from .models import Handover, HandoverState, Shift, ShiftTemplate


class ShiftFilter(django_filters.FilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all())
    date = django_filters.DateFromToRangeFilter(help_text="date_after / date_before (YYYY-MM-DD, inclusive)")
    template = django_filters.ModelChoiceFilter(to_field_name="code", queryset=ShiftTemplate.objects.all(),
                                                help_text="A template code, e.g. early")
    member = django_filters.ModelChoiceFilter(field_name="members", to_field_name="username",
                                              queryset=User.objects.all(), help_text="A member's username")
    lead = django_filters.ModelChoiceFilter(to_field_name="username", queryset=User.objects.all())

    class Meta:
        model = Shift
        fields = []


class HandoverFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=HandoverState.choices)
    unit = django_filters.ModelChoiceFilter(field_name="outgoing__unit", queryset=Unit.objects.all())
    date = django_filters.DateFromToRangeFilter(field_name="outgoing__date",
                                                help_text="The outgoing shift's date: date_after / date_before")

    class Meta:
        model = Handover
        fields = []
