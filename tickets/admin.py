"""Django admin for the tickets app.

The admin is a back office for reference data (units, departments, users, SLA policies) and a
read-mostly window on the facts. Work-order states change only through
``tickets.services.work_order_transition``: here ``state`` and every stamped fact are read-only,
orders are not added (the service makes the number, the deadlines and the history row), and the
history and callbacks can be viewed but never written.
"""

import copy

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from contactcenter.errors import InvalidInput

from .models import (
    CalendarDay,
    CalendarYear,
    Call,
    Callback,
    Customer,
    Department,
    ForbiddenPhrase,
    OutageLeadTime,
    OutageNotice,
    OutageTransition,
    SlaPolicy,
    StandardPhrase,
    Unit,
    User,
    WorkOrder,
    WorkOrderTransition,
)


class ViewOnlyMixin:
    """Facts written by the services: anyone with the view permission may look, nobody may write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Organisation ---------------------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    list_select_related = ["parent__parent__parent"]  # the tree is at most four levels deep
    autocomplete_fields = ["parent"]

    @admin.display(description=_("path"))
    def path(self, unit: Unit) -> str:
        return " › ".join(u.name for u in reversed(unit.ancestry()))


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "unit"]
    list_filter = ["kind", "unit"]
    search_fields = ["name", "code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    """Its "History" shows every change of a user's roles, permissions and flags (never the password)."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("unit", "department", "seat")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Organisation"), {"classes": ("wide",), "fields": ("unit", "department", "seat")}),
    )
    list_display = ["username", "full_name", "unit", "department", "seat", "roles", "is_staff", "is_active"]
    list_filter = ["groups", "unit", "department", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email", "seat"]
    list_select_related = ["unit", "department"]
    autocomplete_fields = ["unit", "department"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("name"))
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all()))


# The roles (groups): Django's group admin, with the history of each role's permission set.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin, DjangoGroupAdmin):
    pass


# --- Customers and calls ----------------------------------------------------------------------------


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "account_number", "phone", "area_type", "unit", "address", "created_at"]
    list_filter = ["area_type", "unit"]
    search_fields = ["phone", "account_number", "name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["created_at"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Calls are logged by ``call_log``, which derives ring seconds and the outcome: no adding here,
    and the telephony facts stay as logged."""

    list_display = [
        "caller_number",
        "customer",
        "agent",
        "seat",
        "ring_started_at",
        "ring_seconds",
        "outcome",
    ]
    list_filter = ["outcome", "agent"]
    date_hierarchy = "ring_started_at"
    search_fields = ["caller_number", "customer__name", "customer__account_number", "agent__username", "seat"]
    list_select_related = ["customer", "agent"]
    raw_id_fields = ["customer"]
    readonly_fields = [
        "caller_number",
        "agent",
        "seat",
        "ring_started_at",
        "answered_at",
        "ended_at",
        "ring_seconds",
        "outcome",
        "logged_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


# --- Service levels --------------------------------------------------------------------------------


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "order_kind",
        "deadline",
        "area_type",
        "unit",
        "amount",
        "measure",
        "sample_percent",
        "scheme",
        "active",
    ]
    list_editable = ["amount", "active"]
    list_filter = ["order_kind", "deadline", "scheme", "active", "unit"]
    search_fields = ["source", "scheme"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


# --- Work orders -------------------------------------------------------------------------------------


class WorkOrderTransitionInline(admin.TabularInline):
    model = WorkOrderTransition
    fields = ["at", "name", "source", "target", "actor", "note", "call", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("history row")
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "call")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CallbackInline(admin.TabularInline):
    model = Callback
    fields = ["made_at", "agent", "reached", "attitude", "quality", "satisfied", "suggestions"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agent")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """Rows load as their kind's proxy class (``WorkOrder.from_db``); only WorkOrder is registered,
    since the proxies share its table."""

    EDITABLE = ("title", "description", "address")

    list_display = [
        "number",
        "kind",
        "state",
        "owner",
        "department",
        "handler",
        "accepted_at",
        "reply_due_at",
    ]
    list_filter = ["kind", "state", "department", "area_type", "unit"]
    search_fields = ["number", "caller_number", "customer__name"]
    date_hierarchy = "accepted_at"
    list_select_related = ["owner", "department", "handler"]
    # Read-only today; if one becomes editable, no select of every customer / call / user.
    raw_id_fields = ["customer", "call", "owner", "handler", "finding_responsible"]
    inlines = [WorkOrderTransitionInline, CallbackInline]
    fieldsets = [
        (None, {"fields": ["number", "kind", "state", "title", "description"]}),
        (_("Customer"), {"fields": ["customer", "call", "caller_number", "area_type", "address", "unit"]}),
        (_("Responsibility"), {"fields": ["owner", "department", "handler"]}),
        (
            _("Facts"),
            {
                "fields": [
                    "accepted_at",
                    "forwarded_at",
                    "dispatched_at",
                    "first_contacted_at",
                    "arrived_at",
                    "restored_at",
                    "investigated_at",
                    "replied_at",
                    "informed_at",
                    "resolved_at",
                    "called_back_at",
                    "archived_at",
                    "cancelled_at",
                    "escalated_at",
                    "reply_started_at",
                ]
            },
        ),
        (
            _("Answer, finding and reasons"),
            {
                "fields": [
                    "answer",
                    "reply_text",
                    "finding_valid",
                    "finding_cause",
                    "finding_responsible",
                    "finding_note",
                    "escalation_note",
                    "cancel_reason",
                    "return_reason",
                ]
            },
        ),
        (
            _("Counters"),
            {
                "fields": [
                    "urge_count",
                    "reopen_count",
                    "callback_required",
                    "callback_attempts",
                ]
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": [
                    "first_contact_due_at",
                    "reply_due_at",
                    "arrival_due_at",
                    "restore_due_at",
                    "callback_due_at",
                ]
            },
        ),
        (_("Record"), {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [
            f.name
            for f in WorkOrder._meta.concrete_fields
            if not f.primary_key and f.name not in self.EDITABLE
        ]

    def has_add_permission(self, request):
        return False  # orders are accepted through the service / API (number, deadlines, history)

    def has_delete_permission(self, request, obj=None):
        return False  # an order is a fact with history, callbacks and ledger entries

    def save_model(self, request, obj, form, change):
        # Write only the edited columns: a full save would put back stale values of columns a
        # transition changed meanwhile (the state itself is guarded by ConcurrentTransitionMixin).
        if form.changed_data:
            obj.save(update_fields=[*form.changed_data, "updated_at"])

    def log_change(self, request, obj, message):
        # The row is loaded as its kind's proxy class, and LogEntry would record the proxy's content
        # type, which the history page of WorkOrder does not look for: log it as a WorkOrder.
        concrete = copy.copy(obj)
        concrete.__class__ = WorkOrder
        return super().log_change(request, concrete, message)


@admin.register(WorkOrderTransition)
class WorkOrderTransitionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "name", "source", "target", "actor", "at"]
    list_filter = ["name", "target"]
    search_fields = ["order__number", "actor__username", "note"]
    date_hierarchy = "at"
    list_select_related = ["order", "actor"]


@admin.register(Callback)
class CallbackAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "agent", "made_at", "reached", "satisfied", "attitude", "quality"]
    list_filter = ["reached", "satisfied", "attitude", "quality"]
    search_fields = ["order__number", "agent__username", "suggestions"]
    date_hierarchy = "made_at"
    list_select_related = ["order", "agent"]


# --- Working-day calendar ---------------------------------------------------------------------------


class CalendarYearForm(forms.ModelForm):
    """The year's official arrangement in one text, as ``manage.py import_holidays`` reads it: one day per line —
    the date, holiday or workday (a make-up working day 调休), and its name."""

    arrangement = forms.CharField(
        label=_("Arrangement"), widget=forms.Textarea(attrs={"rows": 24, "cols": 60}),
        help_text=_("One day per line: 2027-01-01, holiday, 元旦 — or 2027-02-14, workday, 春节调休. Saving "
                    "replaces the year's exceptions and recomputes the provisional deadlines."))

    class Meta:
        model = CalendarYear
        fields = ["year", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True
            days = CalendarDay.objects.filter(date__year=self.instance.year).order_by("date")
            self.initial["arrangement"] = "\n".join(
                f"{day.date}, {'workday' if day.is_working_day else 'holiday'}, {day.name}".rstrip(", ")
                for day in days)

    def clean(self):
        from .services.calendar import parse_arrangement

        data = super().clean()
        try:
            self.days, _ = parse_arrangement(data.get("arrangement") or "")
        except InvalidInput as error:
            raise forms.ValidationError({"arrangement": error.detail}) from None
        year = data.get("year") or self.instance.year
        outside = sorted({str(day.date) for day in self.days if day.date.year != year})
        if outside:
            raise forms.ValidationError({"arrangement": _("Dates outside %(year)s: %(dates)s") % {
                "year": year, "dates": ", ".join(outside)}})
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """A year's official arrangement (the State Council's notice). Until a year is here, working-day deadlines
    reaching into it are counted on a provisional calendar and recomputed once it is entered."""

    form = CalendarYearForm
    list_display = ["year", "source", "recompute_pending"]
    readonly_fields = ["recompute_pending"]

    def save_model(self, request, obj, form, change):
        from .services.calendar import calendar_year_enter

        saved = calendar_year_enter(year=form.cleaned_data.get("year") or obj.year, days=form.days,
                                    source=form.cleaned_data.get("source") or "", actor=request.user)
        obj.pk, obj.recompute_pending = saved.pk, saved.recompute_pending


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]


# --- Outage notices ---------------------------------------------------------------------------------


class OutageTransitionInline(ViewOnlyMixin, admin.TabularInline):
    model = OutageTransition
    extra = 0
    fields = ["at", "name", "source", "target", "actor", "data"]
    readonly_fields = fields


@admin.register(OutageNotice)
class OutageNoticeAdmin(admin.ModelAdmin):
    """Notices change state only through their transitions (pages or API); the admin shows them."""

    list_display = ["id", "kind", "state", "starts_at", "expected_restore_at", "received_at", "received_by",
                    "published_at", "announced_late"]
    list_filter = ["kind", "state", "announced_late"]
    search_fields = ["area", "cause"]
    date_hierarchy = "starts_at"
    list_select_related = ["received_by"]
    inlines = [OutageTransitionInline]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OutageNotice._meta.fields]


@admin.register(OutageLeadTime)
class OutageLeadTimeAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "hours", "source"]


# --- Service language -------------------------------------------------------------------------------


@admin.register(StandardPhrase)
class StandardPhraseAdmin(SimpleHistoryAdmin):
    """规范用语 shown beside the console's forms, by situation; supervisors edit them."""

    list_display = ["text", "situation", "order", "active", "source"]
    list_editable = ["order", "active"]
    list_filter = ["situation", "active"]
    search_fields = ["text", "source"]
    readonly_fields = ["updated_at"]


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(SimpleHistoryAdmin):
    """服务禁语: a text written to a customer that contains an active one is refused (at once, every process)."""

    list_display = ["text", "active", "note", "source"]
    list_editable = ["active"]
    list_filter = ["active"]
    search_fields = ["text", "note", "source"]
    readonly_fields = ["updated_at"]
