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
        self._register_lookups()
        self._connect_webhooks()

    @staticmethod
    def _connect_webhooks() -> None:
        from django.db.models.signals import post_delete, post_save

        from .events import forget_subscriptions
        from .models import WebhookSubscription

        post_save.connect(forget_subscriptions, sender=WebhookSubscription, dispatch_uid="webhooks-save")
        post_delete.connect(forget_subscriptions, sender=WebhookSubscription, dispatch_uid="webhooks-delete")

    @staticmethod
    def _register_lookups() -> None:
        from django.db.models import ForeignKey

        from .lookups import RelatedExactInRange

        ForeignKey.register_lookup(RelatedExactInRange, lookup_name="exact")

    @staticmethod
    def _connect_auth_cache() -> None:
        """A change of anything a cached user entry holds makes every entry stale, and a new password or a
        deactivation ends the user's API tokens (contactcenter.auth)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
        from knox.models import AuthToken

        from .auth import invalidate_users
        from .tokens import revoke_tokens_on_new_credentials

        user = get_user_model()
        pre_save.connect(revoke_tokens_on_new_credentials, sender=user, dispatch_uid="auth-revoke-tokens")
        for model in (user, AuthToken, Group, Permission):
            post_save.connect(invalidate_users, sender=model, dispatch_uid=f"auth-cache-save-{model.__name__}")
            post_delete.connect(invalidate_users, sender=model, dispatch_uid=f"auth-cache-delete-{model.__name__}")
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(invalidate_users, sender=through, dispatch_uid=f"auth-cache-m2m-{through.__name__}")
