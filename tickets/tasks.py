from celery import shared_task

from .models import CalendarYear


@shared_task(name="tickets.tasks.recompute_provisional_deadlines", acks_late=True, expires=240, ignore_result=True)
def recompute_provisional_deadlines() -> int:
    """Beat, every 5 minutes: once a year's holiday arrangement is entered, recompute the deadlines that were counted
    on its provisional calendar (``tickets.services.calendar``). Idempotent: batches are claimed and each
    recomputation gives the same result however often it runs, so acks_late is safe."""
    if not CalendarYear.objects.filter(recompute_pending=True).exists():
        return 0
    from .services.calendar import deadlines_recompute_provisional

    return deadlines_recompute_provisional()


@shared_task(name="tickets.tasks.send_sms", expires=30, ignore_result=True)
def send_sms() -> int:
    """Beat, every 10 seconds: send the queued text messages (``tickets.sms.sending``), batch after batch."""
    from .sms import sending

    sent = 0
    while True:
        batch = sending.send_due()
        sent += batch
        if batch < sending.BATCH:
            return sent


@shared_task(name="tickets.tasks.notify_due_soon", expires=50, ignore_result=True)
def notify_due_soon() -> int:
    """Every minute (beat): tell those who hold an order due soon and not met (tickets.notices)."""
    from .notices import notify_due_soon as tell

    return tell()
