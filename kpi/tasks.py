from celery import shared_task
from django.dispatch import receiver

from . import sweeps
from .models import ReportRun
from .reports.services import report_generate, reports_dispatch_queued, reports_schedule_monthly
from .reports.signals import report_run_queued


@shared_task(name="kpi.tasks.sweep_deadlines", acks_late=True, expires=55, ignore_result=True)
def sweep_deadlines() -> str:
    """Beat calls this every minute. Idempotent (rows are claimed, entries keyed), so acks_late is safe:
    a worker killed mid-sweep leaves the message to be redelivered, and the redelivery posts nothing twice."""
    return sweeps.sweep_deadlines().summary()


# --- the monthly assessment report 月度考核 (kpi.reports.services) ---------------------------------------------

@shared_task(name="kpi.tasks.generate_report", acks_late=True, ignore_result=True,
             soft_time_limit=13 * 60, time_limit=14 * 60)
def generate_report(run_id: int) -> str:
    """Generate one report run. The run is claimed with a compare-and-swap, so a duplicate or redelivered
    message does nothing: acks_late is safe. The time limits keep a live run under the 15 minutes after
    which a "running" run counts as abandoned and is sent again."""
    run = report_generate(run_id=run_id)
    return f"report run {run_id}: {run.status if run else 'missing'}"


@shared_task(name="kpi.tasks.dispatch_reports", acks_late=True, expires=55, ignore_result=True)
def dispatch_reports() -> int:
    """Beat, every minute: the outbox relay. Sends queued runs the broker never got, and abandoned runs."""
    return reports_dispatch_queued()


@shared_task(name="kpi.tasks.monthly_reports", acks_late=True, ignore_result=True)
def monthly_reports() -> int:
    """Beat, on the 1st at 01:00 Asia/Shanghai: last month's XLSX report for the center and every unit
    (each created once however often this runs)."""
    return len(reports_schedule_monthly())


@receiver(report_run_queued, sender=ReportRun, dispatch_uid="kpi-generate-report")
def queue_report(sender, *, run_id: int, **kwargs) -> None:
    """A committed run goes to a worker (errors reach the service, which leaves the run to the dispatcher)."""
    generate_report.delay(run_id)
