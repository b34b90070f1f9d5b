"""absent (旷工 / 脱岗: seed 000 值班制度 "在班人员按时上下班，上班期间坚守岗位，不得擅自脱岗", seed 002 "不得曠工";
20 yuan like 考核 2, configurable): a rostered member who has not checked in by the end of the shift, judged by the
sweep when the shift ends — once, whatever the number of sweeps."""

import datetime as dt
from decimal import Decimal

import pytest

from kpi.models import EntryKind
from shifts import services
from tests.shifts.conftest import DAY, at, entries

from ..conftest import set_rule

START, END = at(2026, 3, 2, 16, 0), at(2026, 3, 3, 0, 0)  # 中班 16:00–24:00
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def middle(duty, people):
    return duty.shift("middle", DAY, lead=people.lead, members=[people.agent, people.agent2])


def check_in(duty, shift, user, moment):
    duty.move_to(moment)
    services.shift_check_in(shift=shift, user=user)


def test_a_member_who_never_checked_in_is_absent_once(duty, people, middle):
    check_in(duty, middle, people.lead, START - dt.timedelta(minutes=25))
    check_in(duty, middle, people.agent2, START - dt.timedelta(minutes=21))
    duty.move_to(END - MINUTE)
    duty.sweep_twice()
    assert not entries("absent").exists()  # not before the shift ends: there is time to come

    duty.move_to(END)
    result = duty.sweep_twice()
    assert result.by_rule == {"absent": 1}
    [entry] = entries("absent")
    assert (entry.agent, entry.unit, entry.amount, entry.kind) == (
        people.agent, middle.unit, Decimal("20.00"), EntryKind.AUTOMATIC)
    assert (entry.occurred_at, entry.period, entry.source) == (END, "2026-03", f"shift_member:{entry.source[13:]}")
    for later in (END + dt.timedelta(minutes=5), END + dt.timedelta(hours=3), END + dt.timedelta(days=2)):
        duty.move_to(later)
        duty.sweep_twice()
    assert entries("absent").count() == 1


# Judges two rules: where absent ends and late_or_early (tests/kpi/rules/test_late_or_early.py) begins.
def test_a_late_check_in_is_late_not_absent(duty, people, middle):
    for user in (people.lead, people.agent2):
        check_in(duty, middle, user, START - dt.timedelta(minutes=30))
    check_in(duty, middle, people.agent, START + dt.timedelta(hours=2))
    duty.move_to(END + MINUTE)
    duty.sweep_twice()
    assert not entries("absent").exists()
    assert [e.agent for e in entries("late_or_early")] == [people.agent]


def test_everyone_absent_each_charged_the_lead_too(duty, people, middle):
    duty.move_to(END + dt.timedelta(minutes=3))
    duty.sweep_twice()
    assert sorted(e.agent.username for e in entries("absent")) == ["agent", "agent2", "lead"]


def test_a_member_taken_off_the_roster_before_the_end_is_not_absent(duty, people, middle):
    """A lead who knows someone is off sick takes them off the shift (they had not checked in)."""
    duty.move_to(START + dt.timedelta(hours=1))
    services.shift_set_members(shift=middle, members=[people.agent2], actor=people.lead)
    duty.move_to(END)
    duty.sweep_twice()
    assert sorted(e.agent.username for e in entries("absent")) == ["agent2", "lead"]


def test_the_amount_is_data_and_the_rule_can_be_switched_off(duty, people, middle):
    set_rule("absent", amount=Decimal("50.00"))
    duty.move_to(END)
    duty.sweep_twice()
    assert {e.amount for e in entries("absent")} == {Decimal("50.00")}

    second = duty.shift("middle", DAY + dt.timedelta(days=1), lead=people.lead, members=[people.agent])
    set_rule("absent", enabled=False)
    duty.move_to(second.ends_at)
    duty.sweep_twice()
    assert not entries("absent", source__in=[f"shift_member:{m.pk}" for m in second.memberships.all()]).exists()


def test_shifts_that_ended_long_before_the_rule_existed_are_not_charged(duty, people, middle):
    """A database upgraded with this rule (the migration starts the cursor at the upgrade), or a sweep cursor that
    has moved on: a shift that ended before it is not judged now."""
    from kpi.models import SweepCursor

    SweepCursor.objects.update_or_create(name="absent", defaults={"position": END + dt.timedelta(days=1)})
    duty.move_to(END + dt.timedelta(days=1, minutes=1))
    duty.sweep_twice()
    assert not entries("absent").exists()
