"""Reads of outage notices 停电信息: the lists, a caller's notices, the repair calls an address links to, and how
many customers an area reaches."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ..models import Customer, OutageNotice, OutageState, Unit, UnitKind, WorkOrder
from ..models.outages import area_terms
from ..reference import published_outages
from .org import unit_subtree_ids


def outage_notices() -> QuerySet[OutageNotice]:
    """Every notice with the number of repair calls linked to it (``linked_count``)."""
    return (OutageNotice.objects.select_related("received_by", "published_by", "source_department", "unit")
            .annotate(linked_count=Count("linked_orders")))


def active_outage_q(now: dt.datetime | None = None) -> Q:
    """Published and started (not yet restored): what callers from the area are told about."""
    return Q(state=OutageState.PUBLISHED, starts_at__lte=now or timezone.now())


def upcoming_outage_q(now: dt.datetime | None = None) -> Q:
    """Published ahead of its start (planned maintenance announced to the public)."""
    return Q(state=OutageState.PUBLISHED, starts_at__gt=now or timezone.now())


def outage_detail(pk: int) -> OutageNotice:
    return outage_notices().prefetch_related("history__actor").get(pk=pk)


def outage_linked_orders(notice: OutageNotice) -> QuerySet[WorkOrder]:
    return notice.linked_orders.select_related("customer", "owner").order_by("accepted_at", "id")


def public_outages(now: dt.datetime | None = None) -> tuple[list[OutageNotice], list[OutageNotice]]:
    """The public list (active, upcoming): published notices only, and only the columns the public sees."""
    now = now or timezone.now()
    published = OutageNotice.objects.only("kind", "state", "area", "cause", "starts_at", "expected_restore_at")
    return (list(published.filter(active_outage_q(now)).order_by("starts_at", "id")),
            list(published.filter(upcoming_outage_q(now)).order_by("starts_at", "id")))


def outages_covering(address: str, now: dt.datetime | None = None) -> list[OutageNotice]:
    """The active notices whose area names a community, street or feeder of this address (newest first)."""
    if not address:
        return []
    active = OutageNotice.objects.filter(active_outage_q(now)).order_by("-starts_at", "-id")
    return [notice for notice in active if notice.covers(address)]


@dataclass(frozen=True)
class CallerOutages:
    """What the console tells a caller: their customer record (if found), the address, the active notices."""

    customer: Customer | None
    address: str
    notices: list[OutageNotice]


def caller_outages(*, phone: str = "", customer: Customer | None = None, address: str = "",
                   now: dt.datetime | None = None) -> CallerOutages:
    """By customer, else by (normalised) phone — the most recent record, as a new work order would pick —
    else by a typed address."""
    if customer is None and phone:
        customer = Customer.objects.filter(phone=phone).order_by("-id").first()
    if customer is not None:
        address = customer.address
    return CallerOutages(customer=customer, address=address, notices=outages_covering(address, now))


def outage_covering(address: str, *, at: dt.datetime | None = None) -> OutageNotice | None:
    """The published, started outage whose area names a part of this address (the most recent first): a repair call
    from there is linked to it instead of being dispatched again."""
    if not address:
        return None
    at = at or timezone.now()
    for notice in published_outages():  # from the cache: every repair call asks
        if notice.starts_at <= at and notice.covers(address):
            return notice
    return None


@dataclass(frozen=True)
class AreaReach:
    """How many of the customers a notice's unit serves its area's terms match (design "Outage notices")."""

    matched: int
    customers: int

    @property
    def share(self) -> float:
        return self.matched / self.customers if self.customers else 0.0

    @property
    def too_wide(self) -> bool:
        """More than ``OUTAGE_WIDE_AREA_PERCENT`` of them (and at least ``OUTAGE_WIDE_AREA_MIN_CUSTOMERS``): the agent
        confirms before the notice goes out."""
        return (self.matched >= settings.OUTAGE_WIDE_AREA_MIN_CUSTOMERS
                and self.share * 100 > settings.OUTAGE_WIDE_AREA_PERCENT)


def company_customers(unit: Unit | None):
    """The customers of the power company the unit belongs to (its nearest city company up the tree, else the top of
    the tree; every customer when that company has none on record)."""
    customers = Customer.objects.all()
    if unit is not None:
        chain = Unit.objects.filter(pk=unit.pk).first().ancestry() if unit.pk else []
        company = next((u for u in chain if u.kind == UnitKind.CITY), chain[-1] if chain else None)
        if company is not None:
            served = Customer.objects.filter(unit_id__in=unit_subtree_ids(company))
            if served.exists():
                customers = served
    return customers


def _area_matches(terms: list[str]) -> Q:
    matches = Q()
    for term in terms:
        matches |= Q(address__contains=term)
    return matches


def area_customers(area: str, unit: Unit | None):
    """The customers of the unit's company whose address names a community, street or feeder of the area (those an
    outage notice of the area is about: linked calls, text messages)."""
    terms = area_terms(area)
    if not terms:
        return Customer.objects.none()
    return company_customers(unit).filter(_area_matches(terms))


def outage_area_reach(area: str, unit: Unit | None) -> AreaReach:
    """How many of the unit's company's customers (``company_customers``) the area's terms match."""
    customers = company_customers(unit)
    terms = area_terms(area)
    if not terms:
        return AreaReach(0, customers.count())
    return AreaReach(customers.filter(_area_matches(terms)).count(), customers.count())


