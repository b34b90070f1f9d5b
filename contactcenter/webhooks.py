"""Webhook delivery: each pending delivery is claimed (a lease, so two workers never send it at once), POSTed
with its signature, and marked delivered on a 2xx; otherwise tried again after 30 s, 1, 2, 4 … minutes (at most an
hour apart), given up after MAX_ATTEMPTS. At least once: a receiver de-duplicates by ``X-Hotline-Event-Id``.

The request: ``POST <url>`` with ``Content-Type: application/json``, the body
``{"id", "kind", "occurred_at", "data"}``, ``X-Hotline-Event: <kind>``, ``X-Hotline-Event-Id: <id>`` and
``X-Hotline-Signature: sha256=<hex HMAC-SHA256 of the body with the subscription's secret>``."""

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import DeliveryState, WebhookDelivery

MAX_ATTEMPTS = 10
LEASE = dt.timedelta(minutes=2)
TIMEOUT_SECONDS = 5
BATCH = 50


def body_of(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    return json.dumps({"id": event.pk, "kind": event.kind, "occurred_at": event.occurred_at,
                       "data": event.payload}, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def deliver_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Send the due deliveries (at most ``limit``); how many were sent successfully."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(WebhookDelivery.objects.select_for_update(skip_locked=True)
                       .filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
                       .select_related("event", "subscription").order_by("event_id", "pk")[:limit])
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    sent = 0
    for delivery in claimed:
        attempts = delivery.attempts + 1
        status, error = _post(delivery)
        if status is not None and 200 <= status < 300:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.DELIVERED, delivered_at=timezone.now(), last_status=status, last_error="")
            sent += 1
        else:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.FAILED if attempts >= MAX_ATTEMPTS else DeliveryState.PENDING,
                next_attempt_at=now + backoff(attempts), last_status=status, last_error=error[:2000])
    return sent


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = body_of(delivery)
    request = urllib.request.Request(delivery.subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "hotline-webhooks/1",
        "X-Hotline-Event": delivery.event.kind, "X-Hotline-Event-Id": str(delivery.event_id),
        "X-Hotline-Signature": signature(delivery.subscription.secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (a subscriber's URL)
            return response.status, ""
    except urllib.error.HTTPError as answered:
        return answered.code, answered.read(500).decode("utf-8", "replace")
    except (OSError, ValueError) as lost:
        return None, str(lost)


def replay(deliveries) -> int:
    """Send these deliveries again (a receiver that lost them): pending from now, attempts counted afresh."""
    return deliveries.update(state=DeliveryState.PENDING, next_attempt_at=timezone.now(), attempts=0,
                             delivered_at=None)
