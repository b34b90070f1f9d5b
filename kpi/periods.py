"""The assessment period 考核周期: a calendar month ``YYYY-MM`` in Asia/Shanghai — the one definition the ledger (an
entry's period), the monthly report and the dashboard read: a moment's period (``period_of``), a period checked
(``PERIOD_RE``), its bounds (``month_bounds``) and the last complete month (``previous_period``)."""

import datetime as dt
import re

from django.utils import timezone


def period_of(moment: dt.datetime | None = None) -> str:
    """The period of a moment (now by default), in Asia/Shanghai: 23:59 on the 31st is that month."""
    return timezone.localtime(moment or timezone.now()).strftime("%Y-%m")


PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")  # \Z, not $: "2026-10\n" is not a period


def month_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` → the month's first instant and the next month's first instant, in Asia/Shanghai."""
    match = PERIOD_RE.fullmatch(period) if isinstance(period, str) else None
    if not match:
        raise ValueError("period must look like YYYY-MM")
    year, month = int(match[1]), int(match[2])
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(dt.datetime(year, month, 1), tz),
        timezone.make_aware(dt.datetime(*following, 1), tz),
    )


def previous_period(moment: dt.datetime | None = None) -> str:
    """The month before the one ``moment`` falls in (Asia/Shanghai): what the report on the 1st covers."""
    local = timezone.localtime(moment or timezone.now())
    last_day = local.date().replace(day=1) - dt.timedelta(days=1)
    return last_day.strftime("%Y-%m")
