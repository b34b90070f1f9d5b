"""The organisation in the admin: units, departments, users (with the history of their roles) and the roles."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from contactcenter.tokens import rotate_service_token

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
    actions = ["issue_service_token"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.action(description=_("Issue a new long-lived API token (service accounts; the old tokens end)"),
                  permissions=["change"])
    def issue_service_token(self, request, queryset):
        """The telephony link's token, rotated: shown once on the next page, never stored in clear."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one service account."), messages.ERROR)
            return None
        account = queryset.get()
        try:
            token = rotate_service_token(account)
        except ValueError:
            self.message_user(request, _("%(user)s is not a service account: a person's tokens expire.")
                              % {"user": account.get_username()}, messages.ERROR)
            return None
        return TemplateResponse(request, "admin/tickets/user/service_token.html", {
            **self.admin_site.each_context(request), "title": _("New API token"), "account": account,
            "token": token, "opts": self.model._meta,
        })

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
