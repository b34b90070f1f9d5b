from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ContactcenterConfig(AppConfig):
    """The project's wiring: no models; makes the local folders, syncs the role groups after every migrate."""

    name = "contactcenter"
    verbose_name = "Contact center"

    def ready(self) -> None:
        from .folders import make_local_folders
        from .roles import sync_roles

        make_local_folders()

        post_migrate.connect(sync_roles, dispatch_uid="contactcenter.sync_roles")
        self._connect_auth_cache()

    @staticmethod
    def _connect_auth_cache() -> None:
        """A change of anything a cached user entry holds makes every entry stale (contactcenter.auth)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save
        from rest_framework.authtoken.models import Token

        from .auth import invalidate_users

        user = get_user_model()
        for model in (user, Token, Group, Permission):
            post_save.connect(invalidate_users, sender=model, dispatch_uid=f"auth-cache-save-{model.__name__}")
            post_delete.connect(invalidate_users, sender=model, dispatch_uid=f"auth-cache-delete-{model.__name__}")
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(invalidate_users, sender=through, dispatch_uid=f"auth-cache-m2m-{through.__name__}")
