"""Outage notices in the admin: shown with their history; they change state only through their transitions."""

from django.contrib import admin

from contactcenter.admin import ViewOnlyMixin

from ..models import OutageNotice, OutageTransition


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
