"""The organisation in the admin: units, departments, users (with the history of their roles) and the roles."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import Department, Unit, User


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
