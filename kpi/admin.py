from django.contrib import admin

from tickets.admin import ViewOnlyMixin

from .models import LedgerEntry, PenaltyRule, SweepCursor


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "amount", "charged_to", "enabled", "threshold", "manual"]
    list_editable = ["amount", "enabled"]
    list_filter = ["charged_to", "enabled", "manual"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["code", "charged_to", "manual"]

    def has_delete_permission(self, request, obj=None):
        return False  # entries refer to their rule; switch a rule off instead

    def has_add_permission(self, request):
        return False  # every rule needs code that finds its breaches


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Append-only: the admin shows entries; reversals are posted from the ledger page or the API."""

    list_display = ["id", "period", "rule", "kind", "agent", "department", "unit", "amount", "occurred_at", "source",
                    "reverses"]
    list_filter = ["period", "kind", "rule", "unit"]
    search_fields = ["source", "agent__username", "reason", "key"]
    date_hierarchy = "occurred_at"
    list_select_related = ["rule", "agent", "department", "unit", "reverses"]


@admin.register(SweepCursor)
class SweepCursorAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "position"]
