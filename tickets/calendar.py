"""Calendar arithmetic for deadlines: calendar time by default, working days when a policy says so.

Working days come from the ``CalendarYear`` / ``CalendarDay`` tables (holidays and make-up days).
A year the table does not cover raises ``CalendarNotCovered`` instead of guessing.
"""

import datetime as dt

from django.utils import timezone

from contactcenter.errors import DomainError

from .reference import calendar_year


class CalendarNotCovered(DomainError):
    status_code = 409
    code = "calendar_not_covered"


class WorkingDays:
    """Answers "is this a working day?" from each year's exceptions (tickets.reference: cached between requests,
    one query per year when not)."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, bool]] = {}

    def _year(self, year: int) -> dict[dt.date, bool]:
        if year not in self._years:
            calendar = calendar_year(year)
            if not calendar["covered"]:
                raise CalendarNotCovered(
                    f"The holiday calendar does not cover {year}; add that year's holidays and make-up working "
                    "days (admin → calendar) before working-day deadlines can be computed."
                )
            self._years[year] = calendar["days"]
        return self._years[year]

    def is_working_day(self, day: dt.date) -> bool:
        exceptions = self._year(day.year)
        return exceptions.get(day, day.weekday() < 5)


def is_working_day(day: dt.date) -> bool:
    return WorkingDays().is_working_day(day)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local clock time on the ``days``-th working day after ``start``'s date."""
    calendar = WorkingDays()
    local = timezone.localtime(start)
    day, counted = local.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)
