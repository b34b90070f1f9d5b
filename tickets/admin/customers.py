"""Customers and calls in the admin: calls are logged by the service, and shown as logged (and, reported event by
event, as the switch sent them)."""

from django.contrib import admin

from ..models import Call, Customer, SwitchCall


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "account_number", "phone", "area_type", "unit", "address", "created_at"]
    list_filter = ["area_type", "sms_opt_out", "unit"]
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


@admin.register(SwitchCall)
class SwitchCallAdmin(admin.ModelAdmin):
    """A call as the switch reported it, event by event (``call_event``): read-only, to see what the link sent."""

    list_display = ["switch_call_id", "caller_number", "agent", "seat", "rang_at", "answered_at", "ended_at", "call"]
    list_filter = ["agent"]
    date_hierarchy = "rang_at"
    search_fields = ["switch_call_id", "caller_number", "seat"]
    list_select_related = ["agent", "call"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
