"""Shared helpers of the KPI tests: a frozen hotline that drives orders through the services and sweeps.

Every expected deadline in these tests is written out by hand (calendar arithmetic, a hand holiday list);
the application's own deadline functions are never called to compute an expectation.
"""

import datetime as dt
import importlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from kpi import sweeps
from kpi.models import LedgerEntry, PenaltyRule
from tests.actions import act
from tickets.models import Kind, WorkOrder
from tickets.services import work_order_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMPLAINT_LIKE = (Kind.COMPLAINT, Kind.REPORT, Kind.SUGGESTION)
FRONT_OFFICE = {"forward", "inform", "callback", "archive", "urge", "escalate"}
DEPARTMENT = {"arrive", "restore", "investigate", "contact_customer", "return_to_sender"}


def at(*args) -> dt.datetime:
    """A wall-clock time in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def yuan(value: str) -> Decimal:
    return Decimal(value)


# 国务院办公厅 2026: Labour Day holiday Fri 5/1 – Tue 5/5, make-up working day Saturday 5/9 (调休).
# Written out by hand; tests/kpi/test_sweep.py checks the hand list against chinese-calendar.
HOLIDAYS_2026_MAY = {dt.date(2026, 5, d) for d in range(1, 6)}
MAKE_UP_2026_MAY = {dt.date(2026, 5, 9)}


def hand_workday(day: dt.date) -> bool:
    return day in MAKE_UP_2026_MAY or (day.weekday() < 5 and day not in HOLIDAYS_2026_MAY)


class Hotline:
    """The people of the center doing their work through the services, on a frozen clock."""

    def __init__(self, *, people, org, customer, clock):
        self.people, self.org, self.customer, self.clock = people, org, customer, clock
        self.handlers = {org.repair.pk: people.repair, org.repair2.pk: people.repair2,
                         org.marketing.pk: people.marketing, org.supervision.pk: people.supervision}

    # --- time
    def now(self) -> dt.datetime:
        return timezone.now()

    def move_to(self, moment: dt.datetime) -> None:
        self.clock.move_to(moment, tick=False)

    # --- orders
    def create(self, kind: str, **extra) -> WorkOrder:
        return work_order_create(kind=kind, description="客户来电", caller_number=self.customer.phone,
                                 customer=self.customer, actor=self.people.agent, **extra)

    def actor_for(self, order: WorkOrder, name: str):
        if name in ("cancel", "merge", "unmerge"):
            return self.people.lead
        if name in FRONT_OFFICE:
            return self.people.agent
        if name == "dispatch":
            return self.handlers[order.department_id] if order.kind in COMPLAINT_LIKE else self.people.agent
        if name == "reply":
            return self.handlers[order.department_id] if order.kind == Kind.CONSULTATION else self.people.agent
        if name in DEPARTMENT:
            return self.handlers[order.department_id]
        raise AssertionError(f"no actor known for {name}")

    def fire(self, order: WorkOrder | int, name: str, *, actor=None, **params) -> WorkOrder:
        """Fire a transition on a freshly loaded order (as the API does)."""
        fresh = WorkOrder.objects.get(pk=order if isinstance(order, int) else order.pk)
        return act(order=fresh, name=name, actor=actor or self.actor_for(fresh, name),
                                     params=params)

    def reload(self, order: WorkOrder) -> WorkOrder:
        return WorkOrder.objects.get(pk=order.pk)

    def complaint_with(self, department, kind: str = Kind.COMPLAINT, **extra) -> WorkOrder:
        """A complaint (or report / suggestion) accepted now, forwarded to 监察室 and dispatched to ``department``."""
        order = self.create(kind, **extra)
        self.fire(order, "forward")
        handler = self.handlers[department.pk]
        return self.fire(order, "dispatch", department=department.pk, handler=handler.username)

    # --- the judge
    def sweep(self, now: dt.datetime | None = None) -> sweeps.SweepResult:
        return sweeps.sweep_deadlines(now=now or timezone.now())

    def sweep_twice(self, now: dt.datetime | None = None) -> sweeps.SweepResult:
        """Sweep, then sweep again at the same moment: the second must add nothing."""
        first = self.sweep(now)
        count = LedgerEntry.objects.count()
        second = self.sweep(now)
        assert second.entries_posted == 0, second.summary()
        assert LedgerEntry.objects.count() == count
        return first


def entries(order: WorkOrder | None = None, rule: str | None = None, source: str | None = None):
    found = LedgerEntry.objects.all()
    if order is not None:
        found = found.filter(source=f"work_order:{order.pk}")
    if source is not None:
        found = found.filter(source=source)
    if rule is not None:
        found = found.filter(rule__code=rule)
    return found.order_by("occurred_at", "id")


def set_rule(code: str, **values) -> None:
    PenaltyRule.objects.filter(code=code).update(**values)


@pytest.fixture
def hotline(people, org, customer, time_machine):
    time_machine.move_to(at(2026, 3, 2, 9, 0), tick=False)
    return Hotline(people=people, org=org, customer=customer, clock=time_machine)


@pytest.fixture
def seeded_rules(django_db_blocker):
    """The penalty rules and SLA policies come from data migrations; a transactional test's flush removes them."""
    from tickets.models import SlaPolicy

    with django_db_blocker.unblock():
        importlib.import_module("kpi.migrations.0002_rules_schedule_protection").seed_rules(django_apps, None)
        if not SlaPolicy.objects.exists():
            importlib.import_module("tickets.migrations.0002_default_sla_policies").seed(django_apps, None)
