import django_filters
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.drf import MAX_ID, AwareDateTimeFilter

from . import selectors
from .models import (
    AreaType,
    Call,
    CallOutcome,
    Customer,
    Department,
    Kind,
    OutageKind,
    OutageNotice,
    OutageState,
    State,
    Unit,
    User,
    WorkOrder,
)
from .phones import sees_whole_phones
from .services.customers import normalize_phone


def filled(query: QueryDict) -> QueryDict:
    """A page's query without its empty values: a select left at 全部 (All) sends ``kind=``, which means no filter,
    not "the kind named ''" (a 400)."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        values = [value for value in values if value.strip()]
        if values:
            kept.setlist(key, values)
    return kept


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except Exception:  # a malformed phone simply matches nothing
        return value


# The choices of a filter by a related row, as callables (django-filter calls them with the request): a filter set
# deep-copies its filters for every request, and a queryset held by a filter would be deep-copied with them.
def _users(request):
    return User.objects.all()


def _departments(request):
    return Department.objects.all()


def _units(request):
    return Unit.objects.all()


class FormClassOnce:
    """django-filter builds its form's class anew for every filter set (a new class, a form field built for each
    filter); the fields depend on the filter set's class alone here, so the class is built once per filter set class.
    Each form still deep-copies its fields, as every Django form does."""

    _form_classes: dict = {}

    def get_form_class(self):
        made = FormClassOnce._form_classes.get(type(self))
        if made is None:
            made = FormClassOnce._form_classes[type(self)] = super().get_form_class()
        return made


class PhoneSearchForWholeNumbers:
    """A search by phone number only for the roles that see whole numbers (``tickets.phones.sees_whole_phones``).
    For the others it would undo the masking: 139****0001 hides 4 digits, 10,000 searches find the customer's."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        user = getattr(self.request, "user", None)
        if valid and self.form.cleaned_data.get("phone") and (user is None or not sees_whole_phones(user)):
            self.form.add_error("phone", _("Your role sees phone numbers masked, so it cannot search by them."))
            return False
        return valid


class WorkOrderFilter(FormClassOnce, PhoneSearchForWholeNumbers, django_filters.FilterSet):
    # distinct=False: a filter on the order's own column cannot repeat a row, and django-filter's default
    # (SELECT DISTINCT over every selected column, and the count over that) costs a sort of the whole result.
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, distinct=False)
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    owner = django_filters.ModelChoiceFilter(field_name="owner", to_field_name="username", queryset=_users)
    handler = django_filters.ModelChoiceFilter(field_name="handler", to_field_name="username",
                                               queryset=_users)
    department = django_filters.ModelChoiceFilter(queryset=_departments)
    customer = django_filters.NumberFilter(field_name="customer_id", min_value=1, max_value=MAX_ID)
    phone = django_filters.CharFilter(method="filter_phone", label="Caller or customer phone")
    number = django_filters.CharFilter(method="filter_number", label="Any part of the order number")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Has a passed, unmet deadline")
    due_soon = django_filters.BooleanFilter(method="filter_due_soon",
                                            label="Has an unmet deadline falling due within the next hour")
    unit = django_filters.ModelChoiceFilter(queryset=_units, method="filter_unit",
                                            label="In this unit or a unit below it")
    open = django_filters.BooleanFilter(method="filter_open", label="Not archived or cancelled")
    accepted_after = AwareDateTimeFilter(field_name="accepted_at", lookup_expr="gte")
    accepted_before = AwareDateTimeFilter(field_name="accepted_at", lookup_expr="lt")
    area_type = django_filters.ChoiceFilter(choices=AreaType.choices)

    class Meta:
        model = WorkOrder
        fields = []

    def filter_phone(self, queryset, name, value):
        phone = _phone(value)
        return queryset.filter(Q(caller_number=phone) | Q(customer__phone=phone))

    def filter_number(self, queryset, name, value):
        return queryset.filter(number__contains=value.strip().upper())

    def filter_due_soon(self, queryset, name, value):
        soon = selectors.due_soon_q()
        return queryset.filter(soon) if value else queryset.exclude(soon)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit_id__in=selectors.unit_subtree_ids(value))

    def filter_overdue(self, queryset, name, value):
        late = selectors.overdue_q()
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_open(self, queryset, name, value):
        return queryset.filter(state__in=selectors.OPEN_STATES) if value else queryset.exclude(
            state__in=selectors.OPEN_STATES)


class CustomerFilter(PhoneSearchForWholeNumbers, django_filters.FilterSet):
    phone = django_filters.CharFilter(method="filter_phone")
    account_number = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    area_type = django_filters.ChoiceFilter(choices=AreaType.choices)

    class Meta:
        model = Customer
        fields = []

    def filter_phone(self, queryset, name, value):
        return queryset.filter(phone=_phone(value))


class CallFilter(PhoneSearchForWholeNumbers, django_filters.FilterSet):
    phone = django_filters.CharFilter(method="filter_phone")
    agent = django_filters.ModelChoiceFilter(to_field_name="username", queryset=_users)
    outcome = django_filters.MultipleChoiceFilter(choices=CallOutcome.choices, distinct=False)  # see WorkOrderFilter
    customer = django_filters.NumberFilter(field_name="customer_id", min_value=1, max_value=MAX_ID)
    ring_after = AwareDateTimeFilter(field_name="ring_started_at", lookup_expr="gte")
    ring_before = AwareDateTimeFilter(field_name="ring_started_at", lookup_expr="lt")

    class Meta:
        model = Call
        fields = []

    def filter_phone(self, queryset, name, value):
        return queryset.filter(caller_number=_phone(value))


class OutageFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=OutageState.choices)
    kind = django_filters.MultipleChoiceFilter(choices=OutageKind.choices)
    active = django_filters.BooleanFilter(method="filter_active", label="Published and started")
    upcoming = django_filters.BooleanFilter(method="filter_upcoming", label="Published, not started yet")
    starts_after = AwareDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = AwareDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = OutageNotice
        fields = []

    def filter_active(self, queryset, name, value):
        active = selectors.active_outage_q(timezone.now())
        return queryset.filter(active) if value else queryset.exclude(active)

    def filter_upcoming(self, queryset, name, value):
        upcoming = selectors.upcoming_outage_q(timezone.now())
        return queryset.filter(upcoming) if value else queryset.exclude(upcoming)
