"""Check-in 签到 and check-out 签退, judged by the sweep: late check-in (after start − the template's lead
minutes, seed 000: 20) and early leave each post one late_or_early entry (20 yuan) for that member."""

import datetime as dt
from decimal import Decimal

import pytest

from contactcenter.errors import Conflict, NotPermitted
from kpi.models import EntryKind
from shifts import services
from shifts.models import ShiftMember, ShiftTemplate

from .conftest import DAY, MINUTE, at, entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    """Members here do not all check in: absent is judged in tests/kpi/rules/test_absent.py."""
    from kpi.models import PenaltyRule

    PenaltyRule.objects.filter(code="absent").update(enabled=False)

START = at(2026, 3, 2, 16, 0)  # 中班 16:00 → 0:00
END = at(2026, 3, 3, 0, 0)


@pytest.fixture
def middle(duty, people):
    return duty.shift("middle", DAY, lead=people.lead, members=[people.agent, people.agent2])


def late_or_early(user):
    return entries("late_or_early", agent=user)


def check_in(duty, shift, user, moment):
    duty.move_to(moment)
    return services.shift_check_in(shift=shift, user=user)


def check_out(duty, shift, user, moment):
    duty.move_to(moment)
    return services.shift_check_out(shift=shift, user=user)


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


def test_a_non_member_cannot_check_in_or_out(duty, people, middle):
    duty.move_to(START - dt.timedelta(minutes=30))
    with pytest.raises(NotPermitted):
        services.shift_check_in(shift=middle, user=people.supervisor)
    with pytest.raises(NotPermitted):
        services.shift_check_out(shift=middle, user=people.supervisor)
    assert not ShiftMember.objects.filter(user=people.supervisor).exists()


def test_checking_in_twice_is_a_conflict_and_keeps_the_first_time(duty, people, middle):
    check_in(duty, middle, people.agent, START - dt.timedelta(minutes=25))
    duty.move_to(START + dt.timedelta(minutes=10))
    with pytest.raises(Conflict) as error:
        services.shift_check_in(shift=middle, user=people.agent)
    assert error.value.code == "already_checked_in"
    assert ShiftMember.objects.get(shift=middle, user=people.agent).checked_in_at == START - dt.timedelta(minutes=25)
    duty.sweep_twice()
    assert not entries("late_or_early").exists()


@pytest.mark.parametrize("moment", [END, END + dt.timedelta(hours=2)], ids=["at-end", "after-end"])
def test_checking_in_after_the_shift_ended_is_a_conflict(duty, people, middle, moment):
    duty.move_to(moment)
    with pytest.raises(Conflict) as error:
        services.shift_check_in(shift=middle, user=people.agent)
    assert error.value.code == "shift_ended"
    assert ShiftMember.objects.get(shift=middle, user=people.agent).checked_in_at is None


def test_checking_out_twice_or_before_checking_in_is_a_conflict(duty, people, middle):
    duty.move_to(START)
    with pytest.raises(Conflict):
        services.shift_check_out(shift=middle, user=people.agent)
    check_in(duty, middle, people.agent, START - dt.timedelta(minutes=20))
    check_out(duty, middle, people.agent, END)
    duty.move_to(END + MINUTE)
    with pytest.raises(Conflict):
        services.shift_check_out(shift=middle, user=people.agent)
    assert ShiftMember.objects.get(shift=middle, user=people.agent).checked_out_at == END


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
