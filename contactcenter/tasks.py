from celery import shared_task

from . import idempotency


@shared_task(name="contactcenter.tasks.forget_idempotency_keys", ignore_result=True)
def forget_idempotency_keys() -> int:
    """Daily (beat): the idempotency keys older than ``IDEMPOTENCY_HOURS`` are deleted."""
    return idempotency.forget()
