from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Calls and work orders")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .attachments import register_attachments
        from .notices import register_recipients

        self._connect_reference_cache()
        register_recipients()  # whom the orders' events tell (contactcenter.notifications)
        register_attachments()  # files on orders and outage notices (contactcenter.attachments)

    @staticmethod
    def _connect_reference_cache() -> None:
        """A change of a unit, a department, an SLA policy, a standard phrase or the calendar makes the cached
        reference data stale, a change of an outage notice the cached published notices (tickets.reference)."""
        from django.db.models.signals import post_delete, post_save

        from .models import Department, OutageNotice, SlaPolicy, StandardPhrase, Unit
        from .models.calendar import CalendarDay, CalendarYear
        from .reference import invalidate_outages, invalidate_reference

        for model in (Unit, Department, SlaPolicy, StandardPhrase, CalendarYear, CalendarDay):
            post_save.connect(invalidate_reference, sender=model, dispatch_uid=f"reference-save-{model.__name__}")
            post_delete.connect(invalidate_reference, sender=model, dispatch_uid=f"reference-delete-{model.__name__}")
        post_save.connect(invalidate_outages, sender=OutageNotice, dispatch_uid="outages-save")
        from .models import SmsTemplate
        from .services.sms import forget_templates

        post_save.connect(forget_templates, sender=SmsTemplate, dispatch_uid="sms-templates-save")
        post_delete.connect(forget_templates, sender=SmsTemplate, dispatch_uid="sms-templates-delete")
        post_delete.connect(invalidate_outages, sender=OutageNotice, dispatch_uid="outages-delete")

        def year_changed(sender, instance, **kwargs) -> None:
            """A day of an entered year changed (the admin, a later amendment): recompute on it (the outbox)."""
            CalendarYear.objects.filter(year=instance.date.year).update(recompute_pending=True)

        post_save.connect(year_changed, sender=CalendarDay, dispatch_uid="calendar-day-save")
        post_delete.connect(year_changed, sender=CalendarDay, dispatch_uid="calendar-day-delete")
