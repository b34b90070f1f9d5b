"""Shared helpers of the shift tests: a frozen clock in Asia/Shanghai, the seeded templates, and a duty room
that rosters shifts, takes orders and signs handovers through the services (never over HTTP).

Every expected time here is written out by hand (wall-clock times in Asia/Shanghai); the templates'
``bounds()`` is never used to compute an expectation.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kpi import sweeps
from kpi.models import LedgerEntry
from shifts import services
from shifts.models import Handover, HandoverItem, HandoverItemKind, ShiftTemplate
from tests.actions import act, handover_act
from tickets.models import WorkOrder
from tickets.services import work_order_create

from ..factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 2)  # a Monday
NEXT_DAY = DAY + dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
ALL_DONE = {"cleaning_done": True, "equipment_ok": True, "items_counted": True}
NOT_CLEANED = {**ALL_DONE, "cleaning_done": False}


def at(*args) -> dt.datetime:
    """A wall-clock time in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def check_in(duty, shift, user, moment):
    duty.move_to(moment)
    return services.shift_check_in(shift=shift, user=user)


def check_out(duty, shift, user, moment):
    duty.move_to(moment)
    return services.shift_check_out(shift=shift, user=user)


def entries(rule: str | None = None, **filters):
    found = LedgerEntry.objects.filter(**filters)
    if rule is not None:
        found = found.filter(rule__code=rule)
    return found.order_by("occurred_at", "id")


class Duty:
    """The people of the center working shifts through the services, on a frozen clock."""

    def __init__(self, *, people, org, customer, clock, lead2, agent3):
        self.people, self.org, self.customer, self.clock = people, org, customer, clock
        self.lead2, self.agent3 = lead2, agent3

    # --- time
    def move_to(self, moment: dt.datetime) -> None:
        self.clock.move_to(moment, tick=False)

    # --- roster
    def template(self, code: str) -> ShiftTemplate:
        return ShiftTemplate.objects.get(code=code)

    def shift(self, code: str, date: dt.date, *, lead, members=(), unit=None):
        return services.shift_create(unit=unit or self.org.center, template=self.template(code), date=date,
                                     lead=lead, members=list(members), actor=self.people.supervisor)

    def middle_and_night(self):
        """中班 of DAY (lead, agent, agent2) → 夜班 of the next day (lead2, agent3)."""
        middle = self.shift("middle", DAY, lead=self.people.lead, members=[self.people.agent, self.people.agent2])
        night = self.shift("night", NEXT_DAY, lead=self.lead2, members=[self.agent3])
        return middle, night

    # --- orders
    def order(self, owner, kind: str = "complaint", **extra) -> WorkOrder:
        return work_order_create(kind=kind, description="客户来电", caller_number=self.customer.phone,
                                 customer=self.customer, actor=owner, **extra)

    def fire(self, order: WorkOrder, name: str, *, actor, **params) -> WorkOrder:
        fresh = WorkOrder.objects.get(pk=order.pk)
        return act(order=fresh, name=name, actor=actor, params=params)

    # --- handover
    def reload(self, handover: Handover) -> Handover:
        return Handover.objects.get(pk=handover.pk)

    def sign(self, handover: Handover, name: str, actor, **params) -> Handover:
        """Fire a handover transition on a freshly loaded handover (as the API does)."""
        return handover_act(handover=self.reload(handover), name=name, actor=actor, params=params)

    def carried(self, handover: Handover) -> set[int]:
        items = HandoverItem.objects.filter(handover=handover, kind=HandoverItemKind.ORDER)
        order_ids = list(items.values_list("order_id", flat=True))
        assert len(order_ids) == len(set(order_ids)), "an order is listed twice"
        return set(order_ids)

    def item(self, handover: Handover, order: WorkOrder) -> HandoverItem:
        return HandoverItem.objects.get(handover=handover, order=order)

    # --- the judge
    def sweep(self) -> sweeps.SweepResult:
        return sweeps.sweep_deadlines(now=timezone.now())

    def sweep_twice(self) -> sweeps.SweepResult:
        """Sweep, then sweep again at the same moment: the second must add nothing."""
        first = self.sweep()
        count = LedgerEntry.objects.count()
        second = self.sweep()
        assert second.entries_posted == 0, second.summary()
        assert LedgerEntry.objects.count() == count
        return first


@pytest.fixture
def lead2(org):
    """The incoming shift's lead (another 值班长)."""
    return UserFactory(username="lead2", unit=org.center, role="shift_lead")


@pytest.fixture
def agent3(org):
    """An agent of another shift."""
    return UserFactory(username="agent3", unit=org.center, seat="8003", role="agent")


@pytest.fixture
def duty(people, org, customer, lead2, agent3, time_machine):
    time_machine.move_to(at(2026, 3, 2, 9, 0), tick=False)
    return Duty(people=people, org=org, customer=customer, clock=time_machine, lead2=lead2, agent3=agent3)


@pytest.fixture
def middle(duty, people):
    """中班 of DAY (16:00–24:00): the lead, agent and agent2."""
    return duty.shift("middle", DAY, lead=people.lead, members=[people.agent, people.agent2])


@pytest.fixture
def shifts(duty):
    return duty.middle_and_night()  # 中班 (lead, agent, agent2) → 夜班 (lead2, agent3)


@pytest.fixture
def draft(duty, people, shifts):
    """The 中班's handover draft, opened at 23:00, carrying an order of agent's and one of agent2's."""
    middle, night = shifts
    duty.move_to(at(2026, 3, 2, 17, 0))
    duty.order(people.agent)
    duty.order(people.agent2)
    duty.move_to(at(2026, 3, 2, 23, 0))
    return services.handover_open(shift=middle)
