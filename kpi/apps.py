from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = _("KPI ledger")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tickets import service_level

        from . import tasks  # noqa: F401  (connects report_run_queued: a committed report run goes to a worker)
        from .models import PenaltyRule
        from .notices import register_recipients
        from .rules import forget_ring_limit, ring_limit_seconds

        # The console marks calls against the ring_over_3 rule's threshold (tickets does not import kpi).
        service_level.register_ring_limit(ring_limit_seconds)
        post_save.connect(forget_ring_limit, sender=PenaltyRule, dispatch_uid="kpi-ring-limit-save")
        post_delete.connect(forget_ring_limit, sender=PenaltyRule, dispatch_uid="kpi-ring-limit-delete")
        register_recipients()  # whom the ledger's events tell (contactcenter.notifications)
