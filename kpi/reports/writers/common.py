"""What the three report files share: the titles and labels, the notes, how a value reads as text (CSV, PDF),
formula-safe spreadsheet text, and the progress bar's climb from 50 to 99 while a file is written.

Times are shown in Asia/Shanghai; the titles are lazy strings, rendered in the language the caller's
``translation.override`` chose.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..figures import Assessment, Column, Fmt, Section

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_TITLE = _("Monthly assessment")
WHOLE_CENTER = _("Whole center")
TOTAL = _("Total")
NOTES = pgettext_lazy("assessment report", "Notes")  # 说明: the notes sheet, the notes after the tables
LEDGER_ELSEWHERE = _("The ledger detail (every entry of the month) is in the XLSX and CSV exports.")
FIGURE = _("Figure")  # the header over the formulas' names in the notes
FORMULA = _("Formula")

# A spreadsheet treats a text cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """Text for a spreadsheet cell (XLSX or CSV) that a spreadsheet will not run as a formula: a value
    starting with = + - @ tab or carriage return gets a leading apostrophe. Numbers are never passed here."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class Progress:
    """50 … 95 shared out over the sections, a streamed one (the ledger detail: its length is unknown until it
    is read) getting the lion's share and creeping towards its end as rows go by; 99 when the file is complete.
    Never goes backwards and never repeats a value."""

    STREAMED_WEIGHT = 8  # a streamed section's share against 1 for each other section
    ROWS_PER_STEP = 1000
    HALFWAY_ROWS = 20_000  # a streamed section is halfway through its share after this many rows

    def __init__(self, callback: Callable[[int], None] | None, sections: list[Section]):
        self.callback, self.last = callback, 49
        weights = [self.STREAMED_WEIGHT if section.streamed else 1 for section in sections]
        total, done = max(sum(weights), 1), 0
        self.bounds = [50]
        for weight in weights:
            done += weight
            self.bounds.append(50 + 45 * done // total)

    def _report(self, percent: int) -> None:
        percent = min(percent, 99)
        if self.callback is not None and percent > self.last:
            self.last = percent
            self.callback(percent)

    def section(self, index: int) -> None:
        self._report(self.bounds[min(index, len(self.bounds) - 1)])

    def rows(self, index: int, count: int) -> None:
        if count % self.ROWS_PER_STEP == 0:
            start, end = self.bounds[index], self.bounds[index + 1]
            self._report(start + int((end - start) * count / (count + self.HALFWAY_ROWS)))

    def done(self) -> None:
        self._report(99)


def section_rows(section: Section, index: int, tracker: Progress) -> Iterable[dict]:
    """The section's rows, moving the progress bar as a streamed section's rows go by."""
    for count, row in enumerate(section.rows, 1):
        yield row
        if section.streamed:
            tracker.rows(index, count)


# --- values as text --------------------------------------------------------------------------------------

def local(moment: datetime) -> datetime:
    """An aware datetime → the naive wall-clock time in Asia/Shanghai."""
    if timezone.is_aware(moment):
        moment = moment.astimezone(SHANGHAI)
    return moment.replace(tzinfo=None)


def _percent_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _money_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def display(column: Column, value: Any) -> str:
    """A value as text (CSV, PDF): 83.33%, 12.50, 2026-10-31 23:59:00 (Asia/Shanghai)."""
    if value is None or value == "":
        return ""
    if column.fmt == Fmt.PERCENT:
        return _percent_text(value)
    if column.fmt == Fmt.MONEY:
        return _money_text(value)
    if column.fmt == Fmt.DATETIME:
        return local(value).strftime("%Y-%m-%d %H:%M:%S")
    if column.fmt == Fmt.INT:
        return f"{int(value)}"
    return str(value)


def total_cells(section: Section, render: Callable[[Column, Any], Any], label: Callable[[str], Any]) -> list:
    """The 合计 row: each total rendered, and the label 合计 in the first column (totals have no names)."""
    cells = [render(column, section.total.get(column.key)) for column in section.columns]
    if section.columns[0].key not in section.total:
        cells[0] = label(str(TOTAL))
    return cells


# --- titles and notes ------------------------------------------------------------------------------------

def scope(assessment: Assessment) -> str:
    """The unit's name, or 全中心 (the whole center)."""
    return assessment.unit.name if assessment.unit is not None else str(WHOLE_CENTER)


def title(assessment: Assessment) -> str:
    """月度考核 2026-10 示范市供电公司"""
    return f"{REPORT_TITLE} {assessment.period} {scope(assessment)}"


def notes(assessment: Assessment, requested_by: str) -> list[tuple[str, Any]]:
    """(label, value) pairs of the notes; values are text, numbers or an aware datetime."""
    return [
        (str(_("Report title")), title(assessment)),
        (str(_("Period")), assessment.period),
        (str(_("Unit")), scope(assessment)),
        (str(_("Month from")), assessment.start),
        (str(_("Month until (not included)")), assessment.end),
        (str(_("Generated at (Asia/Shanghai)")), assessment.generated_at),
        (str(_("Requested by")), requested_by or "—"),
        (str(_("Ring limit (seconds)")), assessment.ring_limit),
    ]


def note_text(value: Any) -> str:
    """A note's value as text: a datetime in Asia/Shanghai, anything else as it is."""
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
