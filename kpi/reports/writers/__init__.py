"""The files of the monthly assessment 月度考核 — XLSX (``xlsx``), CSV (``csvfile``) and PDF (``pdf``) — written
from ``figures.monthly_assessment``; what the three share (titles, notes, text, progress) is in ``common``.

- XLSX: openpyxl in write-only mode, one sheet per section, rows streamed one at a time (the ledger detail can
  hold 100,000 entries), then a notes sheet with the formulas.
- CSV: UTF-8 with a BOM (so Excel opens the Chinese correctly), the sections one below the other, then the notes.
- PDF: landscape A4 for a manager to print: every section but the ledger detail (too long to print; the PDF
  says where it is), wide sections split into several tables that repeat the identifying columns.

The caller runs the writer inside ``translation.override(language)``: the titles are lazy strings rendered here.
Times are written in Asia/Shanghai (Excel has no time zones, so XLSX gets naive local datetimes).
"""

import re
from collections.abc import Callable
from typing import BinaryIO

from ..figures import Assessment
from .common import LEDGER_ELSEWHERE, NOTES, REPORT_TITLE, TOTAL, WHOLE_CENTER, Progress, safe_text, scope
from .csvfile import write_csv
from .pdf import find_cjk_font, write_pdf
from .xlsx import write_xlsx

__all__ = [
    "CONTENT_TYPES", "LEDGER_ELSEWHERE", "NOTES", "REPORT_TITLE", "TOTAL", "WHOLE_CENTER", "filename", "find_cjk_font",
    "safe_text", "write_report",
]

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "pdf": write_pdf}


def filename(assessment: Assessment, fmt: str) -> str:
    """``月度考核_2026-10_示范市供电公司.xlsx`` (the unit, or the whole center), safe as a file name."""
    stem = "_".join([str(REPORT_TITLE), assessment.period, scope(assessment)])
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", stem) + "." + fmt


def write_report(assessment: Assessment, fmt: str, out: BinaryIO, *,
                 progress: Callable[[int], None] | None = None, requested_by: str = "") -> None:
    """Write ``assessment`` as ``fmt`` (xlsx, csv or pdf) into the binary file ``out``; ``progress`` gets
    percentages from 50 to 99 (computing the figures was 0 to 50)."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown report format {fmt!r} (xlsx, csv or pdf)")
    tracker = Progress(progress, assessment.sections)
    WRITERS[fmt](assessment, out, tracker, requested_by)
    tracker.done()
