"""Reads shared by the API, the pages and (later) the reports."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from .models import (
    CalendarYear,
    Call,
    Callback,
    Customer,
    OutageNotice,
    OutageState,
    Unit,
    UnitKind,
    User,
    WorkOrder,
    WorkOrderTransition,
)
from .models.outages import area_terms
from .models.workorders import FINAL_STATES, State

# Each judged deadline paired with the fact that meets it (for open orders replied_at is set whenever
# resolved_at is, so it stands for sla.MET_BY's reply pair). The restore time is a report figure, not a
# deadline anyone is late for, so it is not here.
DEADLINE_MET = (
    ("first_contact_due_at", "first_contacted_at"),
    ("reply_due_at", "replied_at"),
    ("arrival_due_at", "arrived_at"),
    ("callback_due_at", "called_back_at"),
)


WARN_FROM_MONTH = 11  # supervisors are reminded of next year's holiday arrangement from 1 November


def calendar_years_missing(today: dt.date | None = None) -> list[int]:
    """The years whose official holiday arrangement a supervisor should enter now: this year if it is missing (its
    working-day deadlines are provisional), and next year from 1 November (the State Council publishes it late)."""
    today = today or timezone.localdate()
    years = [today.year, *([today.year + 1] if today.month >= WARN_FROM_MONTH else [])]
    known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return [year for year in years if year not in known]


def unit_subtree_ids(unit: Unit) -> list[int]:
    """The unit and every unit below it (reports roll up the tree; a company's customers are its subtree's)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Unit.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    ids, stack = [], [unit.pk]
    while stack:
        pk = stack.pop()
        ids.append(pk)
        stack.extend(children.get(pk, []))
    return ids


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


def outage_area_reach(area: str, unit: Unit | None) -> AreaReach:
    """The customers of the power company the unit belongs to (its nearest city company up the tree, else the top of
    the tree; every customer when that company has none on record) and how many of them the area's terms match."""
    customers = Customer.objects.all()
    if unit is not None:
        chain = Unit.objects.filter(pk=unit.pk).first().ancestry() if unit.pk else []
        company = next((u for u in chain if u.kind == UnitKind.CITY), chain[-1] if chain else None)
        if company is not None:
            served = Customer.objects.filter(unit_id__in=unit_subtree_ids(company))
            if served.exists():
                customers = served
    terms = area_terms(area)
    if not terms:
        return AreaReach(0, customers.count())
    matches = Q()
    for term in terms:
        matches |= Q(address__contains=term)
    return AreaReach(customers.filter(matches).count(), customers.count())


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Open orders with a deadline passed and not met."""
    now = now or timezone.now()
    late = Q()
    for due, met in DEADLINE_MET:
        late |= Q(**{f"{due}__lt": now, f"{met}__isnull": True})
    return late & ~Q(state__in=FINAL_STATES)


def is_overdue(order: WorkOrder, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if order.state in FINAL_STATES:
        return False
    return any(
        getattr(order, due) is not None and getattr(order, met) is None and getattr(order, due) < now
        for due, met in DEADLINE_MET
    )


def visible_work_orders(user: User) -> QuerySet[WorkOrder]:
    """The front office and management see every order; a department handler sees the orders now with
    their department and those their department has acted on (so an order they passed on stays visible)."""
    # Joined: what every answer shows. Not the unit (answers give its id) nor the finding's responsible agent
    # (set on few orders: read for a page in one query when any is): each join of a query costs PostgreSQL
    # planning time on every request, more than the query itself for one order.
    orders = (WorkOrder.objects.select_related("owner", "department", "handler", "customer")
              .prefetch_related("finding_responsible"))
    if user.has_perm("tickets.view_all_orders") or user.has_perm("tickets.take_calls"):
        return orders
    if user.has_perm("tickets.handle_department") and user.department_id:
        acted = WorkOrderTransition.objects.filter(order=OuterRef("pk"), actor__department_id=user.department_id)
        return orders.filter(Q(department_id=user.department_id) | Q(Exists(acted)))
    return orders.none()


def detail_prefetches() -> tuple[Prefetch, Prefetch]:
    """What an order's detail shows besides the order: its history with the actors, its callbacks with the
    agents (one query each)."""
    return (Prefetch("history", queryset=WorkOrderTransition.objects.select_related("actor")),
            Prefetch("callbacks", queryset=Callback.objects.select_related("agent")))


def work_order_detail(user: User, pk: int) -> WorkOrder:
    return visible_work_orders(user).prefetch_related(*detail_prefetches()).get(pk=pk)


def with_detail(order: WorkOrder, *, new: bool = False) -> WorkOrder:
    """(Re)load the history and callbacks of an order in hand, e.g. right after a write, instead of reading the
    whole order again: one query each. An order just created (``new``) has no callback yet, and carries the history
    rows the service wrote (``written_history``): none is read."""
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop("history", None)
    cache.pop("callbacks", None)
    written = getattr(order, "written_history", None)
    if new and written is not None:
        for name, rows in (("history", written), ("callbacks", [])):
            # As prefetch_related leaves it (order.history.all() → the rows), without building the related
            # manager's filter that prefetching replaces anyway.
            queryset = QuerySet(model=order._meta.get_field(name).related_model)
            queryset._result_cache = list(rows)
            queryset._prefetch_done = True
            cache[name] = queryset
        return order
    history, callbacks = detail_prefetches()
    if new:
        callbacks = Prefetch("callbacks", queryset=Callback.objects.none())
    prefetch_related_objects([order], history, callbacks)
    return order


def visible_customers(user: User) -> QuerySet[Customer]:
    if user.has_perm("tickets.take_calls") or user.has_perm("tickets.view_all_orders"):
        return Customer.objects.all()
    return Customer.objects.filter(orders__in=visible_work_orders(user)).distinct()


def visible_calls(user: User) -> QuerySet[Call]:
    calls = Call.objects.select_related("agent", "customer")
    if any(user.has_perm(p) for p in ("tickets.take_calls", "tickets.view_all_orders", "tickets.log_any_call")):
        return calls  # the telephony system reads back the calls it logged
    return calls.none()


OPEN_STATES = [s for s in State.values if s not in FINAL_STATES]


# --- Outage notices 停电信息 -------------------------------------------------------------------------------


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
