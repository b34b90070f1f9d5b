"""Domain events 业务事件: each service records what happened in its own transaction (the outbox,
``DomainEvent``), and each active webhook subscription that wants the kind gets a delivery row with it — both or
neither. After the commit a worker delivers (``contactcenter.webhooks``); beat retries the due ones.

Kinds: ``order.created``, ``order.transitioned``, ``order.urged``, ``call.rang``, ``call.answered``, ``call.ended``,
``outage.published``, ``outage.restored``, ``handover.signed``, ``ledger.posted``. An event's ``key`` names what
happened once (the transition row, the ledger entry's key): recorded again, it is not written twice."""

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils import timezone

from .cache import generational, new_generation
from .live import ring_bell
from .models import DomainEvent, WebhookDelivery, WebhookSubscription
from .notifications import notify_events
from .rows import insert_new

KINDS = ("order.created", "order.transitioned", "order.urged", "call.rang", "call.answered", "call.ended",
         "outage.published", "outage.restored", "handover.signed", "ledger.posted")
GENERATION = "webhooks"


@dataclasses.dataclass(frozen=True)
class Event:
    kind: str
    key: str
    payload: dict
    at: dt.datetime | None = None


def record(kind: str, key: str, payload: dict, *, at: dt.datetime | None = None) -> None:
    record_many([Event(kind, key, payload, at)])


def record_many(events: list[Event]) -> None:
    """Write the events (those not written before) and their deliveries, in the caller's transaction."""
    if not events:
        return
    unknown = sorted({event.kind for event in events} - set(KINDS))
    if unknown:  # a programming error, said even under ``python -O``
        raise ValueError(f"Unknown domain event kinds: {unknown}")
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # the caller's transaction (or its own): both or neither
        insert_new([DomainEvent(kind=e.kind, key=e.key, payload=e.payload, occurred_at=e.at or now)
                    for e in events])  # one written before (the same key) is not written again
        transaction.on_commit(ring_bell)  # the open pages hear of it (contactcenter.live)
        notify_events(events)  # those each app tells of them (contactcenter.notifications)
        subscriptions = active_subscriptions()
        if not subscriptions:
            return
        written = DomainEvent.objects.filter(key__in=[e.key for e in events]).values_list("pk", "kind")
        deliveries = [WebhookDelivery(subscription_id=subscription.pk, event_id=pk, next_attempt_at=now)
                      for pk, kind in written for subscription in subscriptions if subscription.wants(kind)]
        if deliveries:
            WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            transaction.on_commit(_deliver_soon)


def _deliver_soon() -> None:
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.delay()
    except Exception:  # the broker away: beat delivers them within the minute
        pass


def active_subscriptions() -> list[WebhookSubscription]:
    """The active subscriptions, from the cache (every write asks); dropped when one changes."""
    return generational(GENERATION, "webhooks:active", lambda: list(WebhookSubscription.objects.filter(active=True)),
                        seconds=300) or []


def forget_subscriptions(**kwargs) -> None:
    """A signal handler: a subscription changed."""
    new_generation(GENERATION)
