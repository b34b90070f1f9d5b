"""Roles are Django groups. Each app lists the permissions it grants per role in ``<app>/roles.py``;
after every ``migrate`` the groups are brought in line with those lists (idempotent)."""

from importlib import import_module

from django.apps import apps as global_apps

ROLES = ("agent", "shift_lead", "department_handler", "supervisor", "manager", "telephony")
# Roles of systems, not people: they use the API with a token and never sign in to a page (the login forms refuse).
SERVICE_ROLES = ("telephony",)

# This app's own grants: a supervisor manages the webhook subscriptions (the admin) and reads their delivery log,
# and may delete any attachment.
ROLE_PERMISSIONS = {
    "supervisor": [
        "contactcenter.view_webhooksubscription", "contactcenter.add_webhooksubscription",
        "contactcenter.change_webhooksubscription", "contactcenter.delete_webhooksubscription",
        "contactcenter.view_webhookdelivery", "contactcenter.change_webhookdelivery",
        "contactcenter.view_domainevent",
        # Attachments 附件: read in the admin; delete any, any time (an uploader: their own within
        # ATTACHMENT_DELETE_MINUTES). A deletion keeps the row (contactcenter.attachments.services).
        "contactcenter.view_attachment", "contactcenter.delete_attachment",
    ],
}


def is_service_account(user) -> bool:
    from .auth import role_names  # the user's groups, carried by the cached user

    return any(name in SERVICE_ROLES for name in role_names(user))


def role_permissions() -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {role: set() for role in ROLES}
    for config in global_apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged[role].update(perms)
    return merged


def sync_roles(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    wanted = role_permissions()
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role, names in wanted.items():
        group, _ = Group.objects.get_or_create(name=role)
        missing = sorted(n for n in names if n not in perms)
        if missing:
            # Permissions of an app not migrated yet: the next post_migrate adds them.
            names = names - set(missing)
        group.permissions.set([perms[n] for n in names])
