"""Reads of the report runs shared by the API and the reports page."""

from typing import IO

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactcenter.errors import Conflict, NotFound

from ..models import ReportRun, ReportStatus
from .figures import Assessment, month_bounds, previous_period
from .writers import CONTENT_TYPES, filename


def report_runs() -> QuerySet[ReportRun]:
    """Every run, newest first. Whoever may export reports sees them all: they are the center's reports,
    not one person's (who asked is shown)."""
    return ReportRun.objects.select_related("unit", "requested_by").order_by("-requested_at", "-id")


def default_period() -> str:
    """What the form offers first: last month (Asia/Shanghai), the month a report is usually asked for."""
    return previous_period(timezone.now())


def report_download(run: ReportRun) -> tuple[IO[bytes], str, str]:
    """The finished run's file, the name to save it as (month and unit, in the run's language) and its
    content type. 409 while the run is not done; 404 when its file has gone from the storage."""
    if run.status != ReportStatus.DONE or not run.file:
        raise Conflict(_("The report is %(status)s, not done: there is nothing to download yet")
                       % {"status": run.get_status_display()}, code="not_ready")
    try:
        file = run.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The report's file is missing from the storage; ask for the report again")) from None
    start, end = month_bounds(run.period)
    header = Assessment(period=run.period, unit=run.unit, start=start, end=end,
                        generated_at=run.finished_at or run.requested_at, ring_limit=0)
    with translation.override(run.language):
        name = filename(header, run.format)
    return file, name, CONTENT_TYPES[run.format]
