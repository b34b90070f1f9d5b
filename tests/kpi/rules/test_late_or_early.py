"""late_or_early (seed 000 考核 2 "不能按时交接班者", 20 yuan): lateness on a shift, judged by the sweep when each
moment passes, each breach posted once whatever the number of sweeps:
— check-in 签到 after the start − the template's lead minutes (seed 000: 20), and check-out 签退 before the end: one
  entry each for that member;
— handovers (交接-班规定 1: at most 5 minutes late), whether or not the handover is ever signed: not submitted by the
  outgoing shift's end + grace → the outgoing lead; submitted by then, but neither accepted nor refused by the incoming
  shift's start + grace → the incoming lead.
Checking in and out without a penalty (conflicts, who may) is tests/shifts/test_attendance.py."""

import datetime as dt
from decimal import Decimal

import pytest

from kpi.models import EntryKind, LedgerEntry
from shifts import services
from shifts.models import ShiftMember, ShiftTemplate
from tests.shifts.conftest import ALL_DONE, DAY, MINUTE, NEXT_DAY, at, check_in, check_out, entries

from ..conftest import set_rule

pytestmark = pytest.mark.django_db

START = at(2026, 3, 2, 16, 0)  # 中班 16:00 → 0:00
END = at(2026, 3, 3, 0, 0)  # 中班 of DAY ends, 夜班 of the next day starts
DUE = END + dt.timedelta(minutes=5)


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    set_rule("absent", enabled=False)  # members here do not all check in: tests/kpi/rules/test_absent.py


def late_or_early(user):
    return entries("late_or_early", agent=user)


def late(lead=None):
    found = entries("late_or_early")
    return found.filter(agent=lead) if lead is not None else found


def sweep_through(duty, *moments):
    for moment in moments:
        duty.move_to(moment)
        duty.sweep_twice()


# --- check-in and check-out --------------------------------------------------------------------------


@pytest.mark.parametrize("before", [dt.timedelta(minutes=20), dt.timedelta(minutes=45), dt.timedelta(hours=2)])
def test_check_in_at_least_20_minutes_before_the_start_is_on_time(duty, people, middle, before):
    member = check_in(duty, middle, people.agent, START - before)
    assert member.checked_in_at == START - before

    duty.move_to(START - before + MINUTE)
    duty.sweep_twice()
    duty.move_to(START + dt.timedelta(hours=1))
    duty.sweep_twice()
    assert not late_or_early(people.agent).exists()


@pytest.mark.parametrize("checked_in", [
    START - dt.timedelta(minutes=19), START, START + dt.timedelta(minutes=7), END - MINUTE,
], ids=["19-min-before", "at-start", "7-min-after", "1-min-before-end"])
def test_a_late_check_in_posts_one_entry_for_that_member(duty, people, middle, checked_in):
    check_in(duty, middle, people.agent, checked_in)
    check_in(duty, middle, people.agent2, START - dt.timedelta(minutes=25))  # on time: nothing

    duty.move_to(checked_in + MINUTE)
    result = duty.sweep_twice()
    assert result.by_rule == {"late_or_early": 1}
    [entry] = entries("late_or_early")
    member = ShiftMember.objects.get(shift=middle, user=people.agent)
    assert entry.agent == people.agent
    assert entry.amount == Decimal("20.00")
    assert entry.kind == EntryKind.AUTOMATIC
    assert entry.occurred_at == checked_in
    assert entry.period == "2026-03"
    assert entry.unit == duty.org.center
    assert entry.source == f"shift_member:{member.pk}"

    duty.move_to(END + dt.timedelta(hours=3))  # later sweeps never repeat it
    duty.sweep_twice()
    assert late_or_early(people.agent).count() == 1
    assert not late_or_early(people.agent2).exists()


def test_a_late_check_in_found_by_a_delayed_sweep_is_still_charged_once(duty, people, middle):
    check_in(duty, middle, people.agent, START + dt.timedelta(minutes=3))
    duty.move_to(START + dt.timedelta(hours=5))  # no sweep in between (workers down)
    duty.sweep_twice()
    assert late_or_early(people.agent).count() == 1


def test_an_early_leave_posts_one_entry(duty, people, middle):
    check_in(duty, middle, people.agent, START - dt.timedelta(minutes=30))
    check_out(duty, middle, people.agent, END - MINUTE)  # 23:59

    duty.move_to(END)
    duty.sweep_twice()
    [entry] = late_or_early(people.agent)
    assert entry.occurred_at == END - MINUTE
    assert entry.amount == Decimal("20.00")
    assert entry.period == "2026-03"

    duty.move_to(END + dt.timedelta(days=1))
    duty.sweep_twice()
    assert late_or_early(people.agent).count() == 1


@pytest.mark.parametrize("checked_out", [END, END + dt.timedelta(minutes=10)], ids=["at-end", "after-end"])
def test_a_check_out_at_or_after_the_end_posts_nothing(duty, people, middle, checked_out):
    check_in(duty, middle, people.agent, START - dt.timedelta(minutes=20))
    check_out(duty, middle, people.agent, checked_out)
    duty.move_to(checked_out + MINUTE)
    duty.sweep_twice()
    assert not entries("late_or_early").exists()


def test_late_and_early_are_two_entries(duty, people, middle):
    check_in(duty, middle, people.agent, START + dt.timedelta(minutes=2))
    duty.move_to(START + dt.timedelta(minutes=3))
    duty.sweep_twice()
    check_out(duty, middle, people.agent, END - dt.timedelta(minutes=30))
    duty.move_to(END)
    duty.sweep_twice()

    late, early = late_or_early(people.agent)
    assert (late.occurred_at, early.occurred_at) == (START + dt.timedelta(minutes=2), END - dt.timedelta(minutes=30))
    assert late.key != early.key
    assert late.source == early.source  # the same membership, two occurrences
    assert {late.amount, early.amount} == {Decimal("20.00")}


def test_the_check_in_lead_is_template_data(duty, people, middle):
    ShiftTemplate.objects.filter(code="middle").update(checkin_lead_minutes=15)  # another seed says 15
    check_in(duty, middle, people.agent, START - dt.timedelta(minutes=16))  # on time with 15
    check_in(duty, middle, people.agent2, START - dt.timedelta(minutes=15))  # on time: exactly the lead
    check_in(duty, middle, people.lead, START - dt.timedelta(minutes=14))  # late
    duty.move_to(START)
    duty.sweep_twice()

    assert not late_or_early(people.agent).exists()
    assert not late_or_early(people.agent2).exists()
    [entry] = late_or_early(people.lead)
    assert entry.occurred_at == START - dt.timedelta(minutes=14)


# --- handovers ---------------------------------------------------------------------------------------


@pytest.fixture
def handover(duty, people, shifts):
    middle, _ = shifts
    duty.move_to(at(2026, 3, 2, 23, 0))  # beat opens the draft within the last hour
    return services.handover_open(shift=middle)


def test_submitted_and_accepted_in_time_charges_nobody(duty, people, lead2, handover):
    duty.move_to(at(2026, 3, 2, 23, 55))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(DUE)  # the last minute of the grace: on time
    duty.sign(handover, "accept", lead2)
    sweep_through(duty, DUE, DUE + dt.timedelta(hours=1))
    assert not late().exists()


def test_a_handover_never_submitted_charges_the_outgoing_lead_at_end_plus_grace(duty, people, shifts, handover):
    sweep_through(duty, END, DUE - MINUTE)
    assert not late().exists()
    sweep_through(duty, DUE, DUE + dt.timedelta(hours=6))
    [entry] = late()
    middle, _ = shifts
    assert (entry.agent, entry.amount, entry.kind, entry.occurred_at, entry.period) == (
        people.lead, Decimal("20.00"), EntryKind.AUTOMATIC, DUE, "2026-03")
    assert (entry.source, entry.unit_id) == (f"shift:{middle.pk}", middle.unit_id)


def test_no_draft_at_all_still_charges_the_outgoing_lead(duty, people, shifts):
    """Beat was down and no draft was opened: the shift still had to hand over to the next one."""
    sweep_through(duty, DUE + MINUTE)
    assert [e.agent for e in late()] == [people.lead]


def test_submitted_late_charges_the_outgoing_lead_once_even_when_signed_later(duty, people, lead2, handover):
    duty.move_to(DUE + MINUTE)
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(DUE + dt.timedelta(minutes=2))
    duty.sign(handover, "accept", lead2)
    sweep_through(duty, DUE + dt.timedelta(minutes=3), DUE + dt.timedelta(days=1))
    assert [e.agent for e in late()] == [people.lead]  # the incoming lead had nothing to sign in time


@pytest.mark.parametrize(("decided", "charged"), [
    (None, True),  # never signed
    (DUE + MINUTE, True),
    (DUE + dt.timedelta(hours=1, minutes=25), True),
    (DUE, False),
    (END, False),
])
def test_submitted_in_time_but_not_signed_charges_the_incoming_lead(duty, people, lead2, shifts, handover, decided,
                                                                     charged):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    if decided is not None:
        duty.move_to(decided)
        duty.sign(handover, "accept", lead2)
    sweep_through(duty, max(decided or DUE, DUE) + MINUTE, DUE + dt.timedelta(days=1))
    found = list(late())
    if not charged:
        assert found == []
        return
    [entry] = found
    _, night = shifts
    assert (entry.agent, entry.occurred_at, entry.source, entry.amount) == (
        lead2, DUE, f"shift:{night.pk}", Decimal("20.00"))
    assert not late(people.lead).exists()


def test_judged_at_the_moment_even_if_accepted_before_the_sweep_ran(duty, people, lead2, handover):
    """Workers were down from 23:40 to 00:30: the handover was accepted at 00:20, late; the sweep that runs at 00:30
    still charges the incoming lead."""
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 20))
    duty.sign(handover, "accept", lead2)
    sweep_through(duty, at(2026, 3, 3, 0, 30))
    assert [e.agent for e in late()] == [lead2]


def test_a_refusal_in_time_is_a_decision_in_time(duty, people, lead2, handover):
    """Refused for a reason at 00:02, fixed and accepted at 00:12: both leads acted in time."""
    duty.move_to(at(2026, 3, 2, 23, 58))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 2))
    duty.sign(handover, "refuse", lead2, reason="工单未逐项说明")
    duty.move_to(at(2026, 3, 3, 0, 8))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 12))
    duty.sign(handover, "accept", lead2)
    sweep_through(duty, at(2026, 3, 3, 0, 13), at(2026, 3, 3, 2, 0))
    assert not late().exists()
    handover = duty.reload(handover)
    assert (handover.first_submitted_at, handover.first_decided_at) == (at(2026, 3, 2, 23, 58), at(2026, 3, 3, 0, 2))


def test_the_grace_is_template_data(duty, people, lead2, handover):
    ShiftTemplate.objects.filter(code__in=["middle", "night"]).update(handover_grace_minutes=10)
    duty.move_to(at(2026, 3, 3, 0, 8))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 10))
    duty.sign(handover, "accept", lead2)
    sweep_through(duty, at(2026, 3, 3, 0, 11))
    assert not late().exists()


def test_the_last_shift_of_the_roster_hands_over_to_no_one(duty, people):
    """No incoming shift rostered: there is nobody to hand over to, nobody is charged."""
    duty.shift("middle", DAY, lead=people.lead, members=[people.agent])
    sweep_through(duty, DUE + MINUTE)
    assert not late().exists()


def test_many_sweeps_and_workers_post_each_once(duty, people, handover):
    for minute in range(0, 60, 7):
        sweep_through(duty, END + dt.timedelta(minutes=minute))
    assert late().count() == 1
    assert LedgerEntry.objects.filter(rule__code="late_or_early").count() == 1


def test_an_unrelated_next_day_shift_is_not_the_incoming_shift(duty, people, lead2):
    """中班 of DAY and the 早班 of the NEXT_DAY: the night in between is not rostered; the early shift is the next."""
    duty.shift("middle", DAY, lead=people.lead, members=[people.agent])
    duty.shift("early", NEXT_DAY, lead=lead2, members=[duty.agent3])
    sweep_through(duty, DUE + MINUTE)
    assert [e.agent for e in late()] == [people.lead]
