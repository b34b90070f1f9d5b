from celery import shared_task

from . import idempotency


@shared_task(name="contactcenter.tasks.forget_idempotency_keys", ignore_result=True)
def forget_idempotency_keys() -> int:
    """Daily (beat): the idempotency keys older than ``IDEMPOTENCY_HOURS`` are deleted."""
    return idempotency.forget()


@shared_task(name="contactcenter.tasks.deliver_webhooks", ignore_result=True)
def deliver_webhooks() -> int:
    """After a commit that wrote deliveries, and every minute (beat): send the due webhook deliveries."""
    from . import webhooks

    sent = 0
    while True:
        batch = webhooks.deliver_due()
        sent += batch
        if batch < webhooks.BATCH:
            return sent


@shared_task(name="contactcenter.tasks.forget_notifications", ignore_result=True)
def forget_notifications() -> int:
    """Daily (beat): the read notifications older than ``NOTIFICATION_KEEP_DAYS`` are deleted."""
    from .notifications import notifications_forget

    return notifications_forget()
