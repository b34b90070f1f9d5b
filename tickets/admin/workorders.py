"""Work orders in the admin: the editable texts, the rest read-only; their history and callbacks only shown."""

import copy

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contactcenter.admin import ViewOnlyMixin

from ..models import Callback, WorkOrder, WorkOrderTransition


class WorkOrderTransitionInline(ViewOnlyMixin, admin.TabularInline):
    model = WorkOrderTransition
    fields = ["at", "name", "source", "target", "actor", "note", "call", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("history row")
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "call")


class CallbackInline(ViewOnlyMixin, admin.TabularInline):
    model = Callback
    fields = ["made_at", "agent", "reached", "attitude", "quality", "satisfied", "suggestions"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agent")


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
