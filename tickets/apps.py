from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Calls and work orders")

    def ready(self) -> None:
        from contactcenter.roles import sync_roles

        from . import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(sync_roles, dispatch_uid="contactcenter.sync_roles")
