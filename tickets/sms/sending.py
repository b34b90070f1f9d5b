"""Sending the queued text messages: each due one is claimed (a lease, so two workers never send it at once), the
backend sends the batch, each outcome is recorded — sent (with the provider's receipt), tried again after 1, 2, 4 …
minutes when the provider says "later" (a limit, a network failure), failed otherwise or after ``MAX_ATTEMPTS``. A
customer who opted out after it was queued gets none (skipped)."""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import SmsMessage, SmsState
from . import Sms, get_backend, signed

MAX_ATTEMPTS = 6
LEASE = dt.timedelta(minutes=2)
BATCH = 500


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 60))


def send_due(*, now: dt.datetime | None = None, limit: int = BATCH, backend=None) -> int:
    """Send the due queued messages (at most ``limit``); how many were sent."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(SmsMessage.objects.select_for_update(skip_locked=True)
                       .filter(state=SmsState.QUEUED, next_attempt_at__lte=now)
                       .order_by("next_attempt_at", "pk")[:limit])
        SmsMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(
            next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return 0
    opted_out = set(SmsMessage.objects.filter(pk__in=[m.pk for m in claimed], customer__sms_opt_out=True)
                    .values_list("pk", flat=True))
    if opted_out:
        SmsMessage.objects.filter(pk__in=opted_out).update(state=SmsState.SKIPPED)
    sending = [m for m in claimed if m.pk not in opted_out]
    if not sending:
        return 0
    outcomes = (backend or get_backend()).send_messages(
        [Sms(phone=m.phone, text=signed(m.body), provider_template=m.provider_template, params=m.params)
         for m in sending])
    groups: dict[tuple, list[int]] = {}  # one UPDATE per outcome (an outage's messages share one)
    for message, outcome in zip(sending, outcomes, strict=True):
        groups.setdefault((outcome, message.attempts + 1), []).append(message.pk)
    sent = 0
    for (outcome, attempts), pks in groups.items():
        rows = SmsMessage.objects.filter(pk__in=pks)
        if outcome.sent:
            rows.update(state=SmsState.SENT, sent_at=timezone.now(), provider_id=outcome.provider_id, error="")
            sent += len(pks)
        else:
            again = outcome.retry and attempts < MAX_ATTEMPTS
            rows.update(state=SmsState.QUEUED if again else SmsState.FAILED, next_attempt_at=now + backoff(attempts),
                        error=outcome.error[:2000])
    return sent


def send_again(messages) -> int:
    """The failed messages queued again from now (a supervisor, once the provider is fixed)."""
    return messages.filter(state=SmsState.FAILED).update(state=SmsState.QUEUED, next_attempt_at=timezone.now(),
                                                         attempts=0, error="")
