"""System checks run by ``migrate`` and ``manage.py check --database default``."""

import datetime as dt

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone

WARN_BEFORE_YEAR_END = dt.timedelta(days=45)


@register(Tags.database)
def calendar_covers_next_year(app_configs=None, databases=None, **kwargs):
    """Working-day deadlines reaching into a year whose arrangement is not entered are provisional: warn ahead."""
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
            hint="Enter the State Council's arrangement (admin → calendar years / exceptions, or manage.py "
            "import_holidays FILE); until then working-day deadlines reaching into it are provisional (weekends and "
            "statutory holidays) and are recomputed when it is entered.",
            id="tickets.W001",
        )
        for year in years if year not in known
    ]
