"""The lists a repair crew picks from when it restores supply (issue 21): fault causes and materials. An entry no longer
used is made inactive, not deleted: history rows keep the names they recorded either way."""

from django.contrib import admin

from ..models import FaultCause, Material


@admin.register(FaultCause)
class FaultCauseAdmin(admin.ModelAdmin):
    """故障原因."""

    list_display = ["name", "order", "active", "updated_at"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    """用料."""

    list_display = ["name", "unit", "order", "active", "updated_at"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
