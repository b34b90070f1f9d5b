"""System checks run by ``migrate`` and ``manage.py check --database default``."""

import datetime as dt

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone

WARN_BEFORE_YEAR_END = dt.timedelta(days=45)


@register(Tags.database)
def calendar_covers_next_year(app_configs=None, databases=None, **kwargs):
    """Working-day deadlines refuse to guess for a year the holiday calendar lacks: warn ahead of time."""
    if not databases:
        return []
    from .models import CalendarYear

    today = timezone.localdate()
    years = [today.year]
    if dt.date(today.year + 1, 1, 1) - today <= WARN_BEFORE_YEAR_END:
        years.append(today.year + 1)
    try:
        known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    except DatabaseError:  # not migrated yet
        return []
    return [
        Warning(
            f"The working-day calendar does not cover {year}.",
            hint="Add the year's public holidays and make-up working days (admin → calendar years / exceptions); "
            "until then working-day deadlines reaching into it are refused.",
            id="tickets.W001",
        )
        for year in years if year not in known
    ]
