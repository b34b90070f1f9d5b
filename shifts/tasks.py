import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import services
from .models import Shift

OPEN_BEFORE_END = dt.timedelta(hours=1)


@shared_task(name="shifts.tasks.open_handovers", ignore_result=True)
def open_handovers() -> int:
    """Beat, every 5 minutes: a draft handover for every shift ending within the hour (idempotent)."""
    now = timezone.now()
    shifts = Shift.objects.filter(ends_at__lte=now + OPEN_BEFORE_END, ends_at__gt=now - dt.timedelta(days=1),
                                  handover_out__isnull=True)
    count = 0
    for shift in shifts:
        services.handover_open(shift=shift)
        count += 1
    return count
