"""The roster: shifts that cross midnight, the incoming shift, one shift per unit/template/date, the lead
is always a member."""

import datetime as dt

import pytest
from django.utils import timezone

from contactcenter.errors import Conflict, NotPermitted
from shifts import services
from shifts.models import Shift, ShiftMember, ShiftTemplate
from tickets.models import UnitKind

from ..factories import UnitFactory
from .conftest import DAY, NEXT_DAY, at

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def members_of(shift: Shift) -> set[str]:
    return set(ShiftMember.objects.filter(shift=shift).values_list("user__username", flat=True))


@pytest.mark.parametrize(("code", "date", "starts", "ends", "starts_utc", "ends_utc"), [
    ("early", DAY, at(2026, 3, 2, 8, 0), at(2026, 3, 2, 16, 0),
     dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC), dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
    ("middle", DAY, at(2026, 3, 2, 16, 0), at(2026, 3, 3, 0, 0),  # 中班 ends at midnight: the next day
     dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC), dt.datetime(2026, 3, 2, 16, 0, tzinfo=UTC)),
    ("night", NEXT_DAY, at(2026, 3, 3, 0, 0), at(2026, 3, 3, 8, 0),
     dt.datetime(2026, 3, 2, 16, 0, tzinfo=UTC), dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
    ("duty24", DAY, at(2026, 3, 2, 8, 0), at(2026, 3, 3, 8, 0),  # 24-hour duty 8:00 → 8:00 next day
     dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC), dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
])
def test_shift_bounds_in_shanghai_including_those_crossing_midnight(duty, people, code, date, starts, ends,
                                                                  starts_utc, ends_utc):
    shift = duty.shift(code, date, lead=people.lead)
    shift = Shift.objects.get(pk=shift.pk)
    assert (shift.starts_at, shift.ends_at) == (starts, ends)
    assert (shift.starts_at, shift.ends_at) == (starts_utc, ends_utc)
    local_start, local_end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    assert local_start.strftime("%Y-%m-%d %H:%M") == f"{starts:%Y-%m-%d %H:%M}"
    assert local_end.strftime("%Y-%m-%d %H:%M") == f"{ends:%Y-%m-%d %H:%M}"
    assert shift.date == date


def test_the_seeded_templates_are_the_three_shifts_and_the_24_hour_duty(duty):
    rows = {t.code: (t.start, t.end, t.checkin_lead_minutes, t.handover_grace_minutes, t.crosses_midnight)
            for t in ShiftTemplate.objects.all()}
    assert rows == {
        "early": (dt.time(8), dt.time(16), 20, 5, False),
        "middle": (dt.time(16), dt.time(0), 20, 5, True),
        "night": (dt.time(0), dt.time(8), 20, 5, False),
        "duty24": (dt.time(8), dt.time(8), 20, 5, True),
    }


def test_the_incoming_shift_of_the_middle_shift_is_the_night_of_the_next_date(duty, people, lead2):
    early = duty.shift("early", DAY, lead=people.lead)
    middle = duty.shift("middle", DAY, lead=people.lead)
    night = duty.shift("night", NEXT_DAY, lead=lead2)
    night_same_day = duty.shift("night", DAY, lead=lead2)  # 0:00–8:00 of DAY: before the middle shift
    early_next = duty.shift("early", NEXT_DAY, lead=people.lead)

    assert services.shift_next(night_same_day) == early
    assert services.shift_next(early) == middle
    assert services.shift_next(middle) == night
    assert services.shift_next(night) == early_next
    assert services.shift_next(early_next) is None


def test_the_incoming_shift_of_a_24_hour_duty_is_the_next_days_duty(duty, people, lead2, org):
    other_unit = UnitFactory(code="center-2", name="二号中心", kind=UnitKind.SERVICE_CENTER, parent=org.city)
    monday = duty.shift("duty24", DAY, lead=people.lead)
    tuesday = duty.shift("duty24", NEXT_DAY, lead=lead2)
    wednesday = duty.shift("duty24", NEXT_DAY + dt.timedelta(days=1), lead=people.lead)
    duty.shift("duty24", NEXT_DAY, lead=people.lead, unit=other_unit)  # another unit's duty is not ours

    assert services.shift_next(monday) == tuesday
    assert services.shift_next(tuesday) == wednesday


def test_the_incoming_shift_after_a_gap_is_the_first_one_rostered_later(duty, people, lead2):
    middle = duty.shift("middle", DAY, lead=people.lead)
    early_next = duty.shift("early", NEXT_DAY, lead=lead2)  # no night shift rostered
    assert services.shift_next(middle) == early_next


def test_the_same_unit_template_and_date_twice_is_a_conflict(duty, people, lead2, org):
    first = duty.shift("middle", DAY, lead=people.lead, members=[people.agent])
    with pytest.raises(Conflict) as error:
        duty.shift("middle", DAY, lead=lead2, members=[people.agent2])
    assert error.value.code == "shift_exists"
    assert Shift.objects.filter(unit=org.center, template__code="middle", date=DAY).count() == 1
    assert members_of(first) == {"lead", "agent"}

    other_unit = UnitFactory(code="center-2", name="二号中心", kind=UnitKind.SERVICE_CENTER, parent=org.city)
    duty.shift("middle", DAY, lead=lead2, unit=other_unit)  # another unit, or another date, is fine
    duty.shift("middle", NEXT_DAY, lead=lead2)
    assert Shift.objects.filter(template__code="middle").count() == 3


def test_the_lead_is_always_a_member(duty, people):
    shift = duty.shift("early", DAY, lead=people.lead, members=[people.agent])
    assert members_of(shift) == {"lead", "agent"}

    services.shift_set_members(shift=shift, members=[people.agent2], actor=people.supervisor)
    assert members_of(shift) == {"lead", "agent2"}

    services.shift_set_members(shift=shift, members=[], actor=people.supervisor)
    assert members_of(shift) == {"lead"}

    services.shift_set_members(shift=shift, members=[people.lead, people.agent, people.lead], actor=people.lead)
    assert members_of(shift) == {"lead", "agent"}
    assert ShiftMember.objects.filter(shift=shift, user=people.lead).count() == 1


def test_a_member_who_checked_in_is_not_removed_and_keeps_the_facts(duty, people):
    shift = duty.shift("early", DAY, lead=people.lead, members=[people.agent, people.agent2])
    duty.move_to(at(2026, 3, 2, 7, 30))
    services.shift_check_in(shift=shift, user=people.agent)

    with pytest.raises(Conflict):
        services.shift_set_members(shift=shift, members=[people.agent2], actor=people.supervisor)
    assert members_of(shift) == {"lead", "agent", "agent2"}

    services.shift_set_members(shift=shift, members=[people.agent], actor=people.supervisor)
    assert members_of(shift) == {"lead", "agent"}
    assert ShiftMember.objects.get(shift=shift, user=people.agent).checked_in_at == at(2026, 3, 2, 7, 30)


def test_an_agent_cannot_build_the_roster(duty, people):
    with pytest.raises(NotPermitted):
        services.shift_create(unit=duty.org.center, template=duty.template("early"), date=DAY, lead=people.lead,
                              members=[], actor=people.agent)
    assert not Shift.objects.exists()
