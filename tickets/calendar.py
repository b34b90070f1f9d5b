"""Calendar arithmetic for deadlines: calendar time by default, working days when a policy says so.

Working days follow China's public holidays and make-up working days (调休) from the
``chinese-calendar`` package. A year the package does not cover raises ``CalendarNotCovered``
instead of guessing.
"""

import datetime as dt

import chinese_calendar
from django.utils import timezone

from contactcenter.errors import DomainError


class CalendarNotCovered(DomainError):
    status_code = 409
    code = "calendar_not_covered"


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarNotCovered(
            f"The holiday calendar does not cover {day.year}; working-day deadlines cannot be computed."
        ) from None


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local clock time on the ``days``-th working day after ``start``'s date."""
    local = timezone.localtime(start)
    day, counted = local.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)
