from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShiftsConfig(AppConfig):
    name = "shifts"
    verbose_name = _("Duty shifts and handover")

    def ready(self) -> None:
        from tickets import queue_tabs

        from .attachments import register_attachments
        from .notices import register_recipients
        from .selectors import on_duty_orders

        # The queue's "my shift" tab: the orders of the shift the user is on now (tickets does not import shifts).
        queue_tabs.register_shift_orders(on_duty_orders)
        register_recipients()  # whom the handovers' events tell (contactcenter.notifications)
        register_attachments()  # files on handovers (contactcenter.attachments)
