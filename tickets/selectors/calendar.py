"""Reads of the holiday calendar."""

import datetime as dt

from django.utils import timezone

from ..models import CalendarYear

WARN_FROM_MONTH = 11  # supervisors are reminded of next year's holiday arrangement from 1 November


def calendar_years_missing(today: dt.date | None = None) -> list[int]:
    """The years whose official holiday arrangement a supervisor should enter now: this year if it is missing (its
    working-day deadlines are provisional), and next year from 1 November (the State Council publishes it late)."""
    today = today or timezone.localdate()
    years = [today.year, *([today.year + 1] if today.month >= WARN_FROM_MONTH else [])]
    known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return [year for year in years if year not in known]


