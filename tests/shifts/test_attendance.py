"""Check-in 签到 and check-out 签退: who may, once, and not after the shift ended. Whether they were in time (a late
check-in or an early leave posts one late_or_early entry) is tests/kpi/rules/test_late_or_early.py."""

import datetime as dt

import pytest

from contactcenter.errors import Conflict, NotPermitted
from shifts import services
from shifts.models import ShiftMember

from .conftest import MINUTE, at, check_in, check_out, entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    """Members here do not all check in: absent is judged in tests/kpi/rules/test_absent.py."""
    from kpi.models import PenaltyRule

    PenaltyRule.objects.filter(code="absent").update(enabled=False)


START = at(2026, 3, 2, 16, 0)  # 中班 16:00 → 0:00
END = at(2026, 3, 3, 0, 0)


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
