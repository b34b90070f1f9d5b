import datetime as dt

import pytest

from tickets.checks import calendar_covers_next_year
from tickets.models import CalendarYear

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.django_db
def test_warns_before_the_year_end_when_next_year_is_missing(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI))
    CalendarYear.objects.filter(year=2027).delete()
    warnings = calendar_covers_next_year(databases=["default"])
    assert [w.id for w in warnings] == ["tickets.W001"] and "2027" in warnings[0].msg

    CalendarYear.objects.create(year=2027, source="State Council notice")
    assert calendar_covers_next_year(databases=["default"]) == []


@pytest.mark.django_db
def test_quiet_in_the_middle_of_a_covered_year(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI))
    assert calendar_covers_next_year(databases=["default"]) == []
