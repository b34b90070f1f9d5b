"""Calendar arithmetic for deadlines: calendar time by default, working days when a policy says so.

Working days come from the ``CalendarYear`` / ``CalendarDay`` tables: the State Council's arrangement of each year
(holidays and make-up working days 调休), entered in the admin or with ``manage.py import_holidays``. The
arrangement arrives late in the year before, and sometimes changes: a hotline never refuses a caller for that. A year
without its arrangement gets a **provisional** calendar — weekends plus the statutory holidays (New Year, Spring
Festival, Qingming, Labour Day, Dragon Boat, Mid-Autumn, National Day) computed from the Gregorian and lunar
calendars by the ``holidays`` library, without make-up days — and a deadline computed on it is marked provisional on
its order (``WorkOrder.provisional_deadlines``); entering the year's arrangement recomputes them
(``tickets.services.calendar.deadlines_recompute_provisional``).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .reference import calendar_year


@dataclass(frozen=True)
class WorkingDayDue:
    at: dt.datetime
    provisional: bool  # a year on the way had no official arrangement: recomputed when it is entered


class WorkingDays:
    """Answers "is this a working day?" from each year's exceptions (tickets.reference: cached between requests,
    one query per year when not), and remembers whether it had to use a provisional year."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, bool]] = {}
        self.provisional = False

    def _year(self, year: int) -> dict[dt.date, bool]:
        if year not in self._years:
            calendar = calendar_year(year)
            self._years[year] = calendar["days"]
            self.provisional = self.provisional or calendar["provisional"]
        return self._years[year]

    def is_working_day(self, day: dt.date) -> bool:
        exceptions = self._year(day.year)
        return exceptions.get(day, day.weekday() < 5)


def is_working_day(day: dt.date) -> bool:
    return WorkingDays().is_working_day(day)


def add_working_days(start: dt.datetime, days: int) -> WorkingDayDue:
    """The same local clock time on the ``days``-th working day after ``start``'s date."""
    calendar = WorkingDays()
    local = timezone.localtime(start)
    day, counted = local.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return WorkingDayDue(local.replace(year=day.year, month=day.month, day=day.day), calendar.provisional)
