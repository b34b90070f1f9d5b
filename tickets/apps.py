from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Calls and work orders")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
