from celery import shared_task

from . import sweeps


@shared_task(name="kpi.tasks.sweep_deadlines", acks_late=True, expires=55, ignore_result=True)
def sweep_deadlines() -> str:
    """Beat calls this every minute. Idempotent (rows are claimed, entries keyed), so acks_late is safe:
    a worker killed mid-sweep leaves the message to be redelivered, and the redelivery posts nothing twice."""
    return sweeps.sweep_deadlines().summary()
