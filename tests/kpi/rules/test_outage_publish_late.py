"""outage_publish_late (seed 000 考核 1, 20 yuan): an outage notice still unpublished when the shift that received
it ends costs the responsible agent of that shift 20 yuan, once. Judged by the deadline sweep on a frozen clock
(Asia/Shanghai); shifts are rostered and notices received and published through the services.

Every expected time is written out by hand; the templates' ``bounds()`` is never used for an expectation.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kpi.models import EntryKind, LedgerEntry
from shifts.models import ShiftTemplate
from shifts.services import shift_create
from tests.actions import outage_act
from tickets.models import OutageKind, OutageNotice
from tickets.services import outage_receive

from ...factories import UserFactory
from ..conftest import at, set_rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    """Members here do not all check in: absent is judged in tests/kpi/rules/test_absent.py."""
    from kpi.models import PenaltyRule

    PenaltyRule.objects.filter(code="absent").update(enabled=False)

RULE = "outage_publish_late"
DAY = dt.date(2026, 3, 2)  # a Monday
MINUTE = dt.timedelta(minutes=1)
RECEIVED = at(2026, 3, 2, 10, 0)
SHIFT_END = at(2026, 3, 2, 16, 0)  # 早班 08:00–16:00


def roster(people, org, code: str = "early", date: dt.date = DAY, *, lead=None, members=(), unit=None):
    return shift_create(unit=unit or org.center, template=ShiftTemplate.objects.get(code=code), date=date,
                        lead=lead or people.lead, members=list(members), actor=people.supervisor)


def receive(actor, **extra) -> OutageNotice:
    now = timezone.now()
    return outage_receive(kind=OutageKind.FAULT, area="中山路", cause="10kV中山线故障", starts_at=now - MINUTE,
                          expected_restore_at=now + dt.timedelta(hours=4), actor=actor, **extra)


def publish(notice: OutageNotice, actor) -> OutageNotice:
    return outage_act(notice=OutageNotice.objects.get(pk=notice.pk), name="publish", actor=actor)


def charged(notice: OutageNotice):
    return LedgerEntry.objects.filter(rule__code=RULE, source=f"outage:{notice.pk}").order_by("id")


def assert_entry(entry: LedgerEntry, *, agent, occurred_at: dt.datetime, period: str, unit) -> None:
    assert entry.rule.code == RULE
    assert entry.kind == EntryKind.AUTOMATIC
    assert entry.amount == Decimal("20.00")
    assert entry.agent_id == agent.pk
    assert entry.department_id is None
    assert entry.unit_id == unit.pk
    assert entry.occurred_at == occurred_at
    assert entry.period == period
    assert entry.reverses_id is None


@pytest.fixture
def early(people, org, hotline):
    """早班 of DAY: the lead and the agent who will receive the notice."""
    return roster(people, org, lead=people.lead, members=[people.agent])


def test_unpublished_at_shift_end_charges_the_receiving_agent_once(hotline, people, org, early):
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)

    for moment in (RECEIVED, at(2026, 3, 2, 15, 0), SHIFT_END - MINUTE):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not charged(notice).exists()

    hotline.move_to(SHIFT_END)
    result = hotline.sweep_twice()
    assert result.by_rule == {RULE: 1}
    [entry] = charged(notice)
    assert_entry(entry, agent=people.agent, occurred_at=SHIFT_END, period="2026-03", unit=org.center)
    assert not LedgerEntry.objects.exclude(pk=entry.pk).exists()

    hotline.move_to(SHIFT_END + 30 * MINUTE)  # published by the next shift: the breach stays, once
    publish(notice, people.agent2)
    for moment in (SHIFT_END + 31 * MINUTE, at(2026, 3, 3, 9, 0), at(2026, 3, 5, 9, 0)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert charged(notice).count() == 1


def test_published_in_time_is_not_charged(hotline, people, org, early):
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)
    hotline.move_to(at(2026, 3, 2, 15, 30))
    publish(notice, people.agent)
    for moment in (SHIFT_END - MINUTE, SHIFT_END, SHIFT_END + MINUTE, at(2026, 3, 3, 9, 0)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not charged(notice).exists()
    assert not LedgerEntry.objects.exists()


def test_published_after_the_shift_ended_is_charged_even_if_no_sweep_ran_at_the_end(hotline, people, org, early):
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)
    hotline.sweep_twice()
    hotline.move_to(at(2026, 3, 2, 16, 30))  # no sweep ran at 16:00 (workers down)
    publish(notice, people.agent)
    hotline.move_to(at(2026, 3, 2, 17, 0))
    hotline.sweep_twice()
    [entry] = charged(notice)
    assert_entry(entry, agent=people.agent, occurred_at=SHIFT_END, period="2026-03", unit=org.center)
    hotline.move_to(at(2026, 3, 3, 17, 0))
    hotline.sweep_twice()
    assert charged(notice).count() == 1


def test_a_receiver_not_rostered_on_the_shift_on_duty_charges_its_lead(hotline, people, org):
    roster(people, org, lead=people.lead, members=[people.agent2])
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)  # agent is not on the 早班 roster
    hotline.move_to(SHIFT_END - MINUTE)
    hotline.sweep_twice()
    assert not charged(notice).exists()
    hotline.move_to(SHIFT_END)
    hotline.sweep_twice()
    [entry] = charged(notice)
    assert_entry(entry, agent=people.lead, occurred_at=SHIFT_END, period="2026-03", unit=org.center)


def test_the_shift_the_receiver_is_rostered_on_is_preferred(hotline, people, org):
    """Two shifts on duty at 10:00 (早班 and the 24-hour duty); the receiver is on the 24-hour duty, which
    ends at 08:00 the next day: publishing at 20:00 is in time; left unpublished it is charged at 08:00."""
    roster(people, org, "early", lead=people.lead, members=[people.agent2])
    lead2 = UserFactory(username="lead2", unit=org.center, role="shift_lead")
    roster(people, org, "duty24", lead=lead2, members=[people.agent])
    hotline.move_to(RECEIVED)
    in_time = receive(people.agent)
    late = receive(people.agent)
    hotline.move_to(at(2026, 3, 2, 20, 0))
    publish(in_time, people.agent)
    hotline.sweep_twice()
    hotline.move_to(at(2026, 3, 3, 8, 0) - MINUTE)
    hotline.sweep_twice()
    assert not LedgerEntry.objects.exists()
    hotline.move_to(at(2026, 3, 3, 8, 0))
    hotline.sweep_twice()
    assert not charged(in_time).exists()
    [entry] = charged(late)
    assert_entry(entry, agent=people.agent, occurred_at=at(2026, 3, 3, 8, 0), period="2026-03", unit=org.center)


def test_no_shift_rostered_means_no_entry(hotline, people, org):
    roster(people, org, "early", date=DAY + dt.timedelta(days=1), members=[people.agent])  # the next day only
    roster(people, org, "early", unit=org.city, members=[people.agent])  # another unit's shift
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)
    for moment in (SHIFT_END, at(2026, 3, 2, 23, 59), at(2026, 3, 3, 9, 0), at(2026, 3, 5, 9, 0)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not charged(notice).exists()
    assert not LedgerEntry.objects.exists()


def test_a_disabled_rule_posts_nothing(hotline, people, org, early):
    set_rule(RULE, enabled=False)
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)
    for moment in (SHIFT_END, at(2026, 3, 2, 17, 0), at(2026, 3, 3, 9, 0)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not charged(notice).exists()


def test_the_amount_is_the_rules(hotline, people, org, early):
    set_rule(RULE, amount=Decimal("35.50"))
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)
    hotline.move_to(SHIFT_END)
    hotline.sweep_twice()
    assert [e.amount for e in charged(notice)] == [Decimal("35.50")]


def test_a_notice_left_by_the_middle_shift_of_the_last_day_of_the_month_is_charged_in_the_next_month(
        hotline, people, org):
    """中班 of 31 March ends at 00:00 on 1 April (Asia/Shanghai): the breach belongs to April."""
    roster(people, org, "middle", date=dt.date(2026, 3, 31), members=[people.agent])
    hotline.move_to(at(2026, 3, 31, 23, 30))
    notice = receive(people.agent)
    hotline.move_to(at(2026, 3, 31, 23, 59))
    hotline.sweep_twice()
    assert not charged(notice).exists()
    hotline.move_to(at(2026, 4, 1, 0, 0))
    hotline.sweep_twice()
    [entry] = charged(notice)
    assert_entry(entry, agent=people.agent, occurred_at=at(2026, 4, 1, 0, 0), period="2026-04", unit=org.center)


def test_a_shift_that_ended_while_the_rule_was_off_is_not_charged_when_it_is_switched_on(hotline, people, org,
                                                                                       early):
    set_rule(RULE, enabled=False)
    hotline.move_to(RECEIVED)
    notice = receive(people.agent)
    for moment in (SHIFT_END, SHIFT_END + 15 * MINUTE, SHIFT_END + 30 * MINUTE):  # beat sweeps while it is off
        hotline.move_to(moment)
        hotline.sweep_twice()
    hotline.move_to(SHIFT_END + 31 * MINUTE)  # beyond the sweep's 10-minute re-read overlap
    set_rule(RULE, enabled=True)
    hotline.sweep_twice()
    assert not charged(notice).exists()
