"""Surges 突发集中报修: ``SurgeRule.calls`` repair calls within ``SurgeRule.minutes`` from one community
(``tickets.addresses.community_of``) that no outage notice covers — a fault nobody has reported to the center yet.
The console and the lead's pages propose a notice pre-filled from those calls (``tickets.views.outages``)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone

from ..addresses import community_of
from ..models import Kind, OutageNotice, OutageState, SurgeRule, WorkOrder
from ..models.states import FINAL_STATES, State

# A notice being handled: received (to be published) or published. Either covers the community: no proposal.
HANDLED = (OutageState.RECEIVED, OutageState.PUBLISHED)


class SurgeCall(NamedTuple):
    """What a surge shows and proposes of one repair order (read as a row, not built as an order: a storm of calls
    is thousands of them on every lead's and agent's page load)."""

    pk: int
    number: str
    address: str
    accepted_at: dt.datetime


@dataclass(frozen=True)
class Surge:
    community: str
    orders: list[SurgeCall]  # oldest first
    minutes: int

    @property
    def count(self) -> int:
        return len(self.orders)

    @property
    def first_at(self) -> dt.datetime:
        return self.orders[0].accepted_at

    @property
    def last_at(self) -> dt.datetime:
        return self.orders[-1].accepted_at


def surges(now: dt.datetime | None = None, *, rule: SurgeRule | None = None) -> list[Surge]:
    """The communities with at least ``rule.calls`` repair orders accepted in the last ``rule.minutes`` minutes, none
    linked to an outage, and no received or published notice covering them; the largest first. One indexed read
    (the orders accepted in the window, as rows) and one of the notices being handled."""
    now = now or timezone.now()
    rule = rule or SurgeRule.current()
    if not rule.active:
        return []
    recent = (WorkOrder.objects.filter(kind=Kind.REPAIR, outage__isnull=True,
                                       accepted_at__gt=now - dt.timedelta(minutes=rule.minutes), accepted_at__lte=now)
              .exclude(state__in=[*FINAL_STATES, State.MERGED])
              .order_by("accepted_at", "id").values_list("id", "number", "address", "accepted_at"))
    groups: dict[str, list[SurgeCall]] = defaultdict(list)
    for order in (SurgeCall(*row) for row in recent):
        community = community_of(order.address)
        if community:
            groups[community].append(order)
    candidates = {community: orders for community, orders in groups.items() if len(orders) >= rule.calls}
    if not candidates:
        return []
    handled = list(OutageNotice.objects.filter(state__in=HANDLED).only("id", "area", "state"))
    found = [Surge(community, orders, rule.minutes) for community, orders in candidates.items()
             if not any(notice.covers(community) or any(notice.covers(o.address) for o in orders)
                        for notice in handled)]
    return sorted(found, key=lambda surge: (-surge.count, surge.community))


def surge_at(community: str, now: dt.datetime | None = None) -> Surge | None:
    """The surge of one community now (the proposal being accepted), if there still is one."""
    return next((surge for surge in surges(now) if surge.community == community), None)
