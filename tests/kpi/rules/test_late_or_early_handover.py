"""late_or_early for handovers (seed 000 考核 2 "不能按时交接班者", 20 yuan; 交接-班规定 1: at most 5 minutes late),
judged by the sweep when each moment passes, whether or not the handover is ever signed:
— not submitted by the outgoing shift's end + grace → the outgoing lead;
— submitted by then, but neither accepted nor refused by the incoming shift's start + grace → the incoming lead."""

import datetime as dt
from decimal import Decimal

import pytest

from kpi.models import EntryKind, LedgerEntry
from shifts import services
from shifts.models import ShiftTemplate
from tests.shifts.conftest import ALL_DONE, DAY, NEXT_DAY, at, entries

from ..conftest import set_rule

END = at(2026, 3, 3, 0, 0)  # 中班 of DAY ends, 夜班 of the next day starts
DUE = END + dt.timedelta(minutes=5)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    set_rule("absent", enabled=False)  # nobody here checks in: tests/kpi/rules/test_absent.py


@pytest.fixture
def shifts(duty):
    return duty.middle_and_night()  # 中班 (lead, agent, agent2) → 夜班 (lead2, agent3)


@pytest.fixture
def handover(duty, people, shifts):
    middle, _ = shifts
    duty.move_to(at(2026, 3, 2, 23, 0))  # beat opens the draft within the last hour
    return services.handover_open(shift=middle)


def late(lead=None):
    found = entries("late_or_early")
    return found.filter(agent=lead) if lead is not None else found


def sweep_through(duty, *moments):
    for moment in moments:
        duty.move_to(moment)
        duty.sweep_twice()


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
