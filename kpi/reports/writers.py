"""The files of the monthly assessment 月度考核: XLSX, CSV and PDF, written from ``figures.monthly_assessment``.

- XLSX: openpyxl in write-only mode, one sheet per section, rows streamed one at a time (the ledger detail can
  hold 100,000 entries), then a notes sheet with the formulas.
- CSV: UTF-8 with a BOM (so Excel opens the Chinese correctly), the sections one below the other, then the notes.
- PDF: landscape A4 for a manager to print: every section but the ledger detail (too long to print; the PDF
  says where it is), wide sections split into several tables that repeat the identifying columns.

The caller runs the writer inside ``translation.override(language)``: the titles are lazy strings rendered here.
Times are written in Asia/Shanghai (Excel has no time zones, so XLSX gets naive local datetimes).
"""

import csv
import io
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from copy import copy
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import takewhile
from typing import Any, BinaryIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .figures import FORMULAS, Assessment, Column, Fmt, Section

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_TITLE = _("Monthly assessment")
WHOLE_CENTER = _("Whole center")
TOTAL = _("Total")
NOTES = pgettext_lazy("assessment report", "Notes")  # 说明: the notes sheet, the notes after the tables
LEDGER_ELSEWHERE = _("The ledger detail (every entry of the month) is in the XLSX and CSV exports.")

# A spreadsheet treats a text cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """Text for a spreadsheet cell (XLSX or CSV) that a spreadsheet will not run as a formula: a value
    starting with = + - @ tab or carriage return gets a leading apostrophe. Numbers are never passed here."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def filename(assessment: Assessment, fmt: str) -> str:
    """``月度考核_2026-10_示范市供电公司.xlsx`` (the unit, or the whole center), safe as a file name."""
    stem = "_".join([str(REPORT_TITLE), assessment.period, _scope(assessment)])
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", stem) + "." + fmt


def write_report(assessment: Assessment, fmt: str, out: BinaryIO, *,
                 progress: Callable[[int], None] | None = None, requested_by: str = "") -> None:
    """Write ``assessment`` as ``fmt`` (xlsx, csv or pdf) into the binary file ``out``; ``progress`` gets
    percentages from 50 to 99 (computing the figures was 0 to 50)."""
    writers = {"xlsx": _write_xlsx, "csv": _write_csv, "pdf": _write_pdf}
    if fmt not in writers:
        raise ValueError(f"unknown report format {fmt!r} (xlsx, csv or pdf)")
    tracker = _Progress(progress, assessment.sections)
    writers[fmt](assessment, out, tracker, requested_by)
    tracker.done()


# --- shared helpers --------------------------------------------------------------------------------------

class _Progress:
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


def _local(moment: datetime) -> datetime:
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


def _display(column: Column, value: Any) -> str:
    """A value as text (CSV, PDF): 83.33%, 12.50, 2026-10-31 23:59:00 (Asia/Shanghai)."""
    if value is None or value == "":
        return ""
    if column.fmt == Fmt.PERCENT:
        return _percent_text(value)
    if column.fmt == Fmt.MONEY:
        return _money_text(value)
    if column.fmt == Fmt.DATETIME:
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if column.fmt == Fmt.INT:
        return f"{int(value)}"
    return str(value)


def _total_cells(section: Section, render: Callable[[Column, Any], Any], label: Callable[[str], Any]) -> list:
    """The 合计 row: each total rendered, and the label 合计 in the first column (totals have no names)."""
    cells = [render(column, section.total.get(column.key)) for column in section.columns]
    if section.columns[0].key not in section.total:
        cells[0] = label(str(TOTAL))
    return cells


def _scope(assessment: Assessment) -> str:
    return assessment.unit.name if assessment.unit is not None else str(WHOLE_CENTER)


def _title(assessment: Assessment) -> str:
    """月度考核 2026-10 示范市供电公司"""
    return f"{REPORT_TITLE} {assessment.period} {_scope(assessment)}"


def _notes(assessment: Assessment, requested_by: str) -> list[tuple[str, Any]]:
    """(label, value) pairs of the notes; values are text, numbers or an aware datetime."""
    return [
        (str(_("Report title")), _title(assessment)),
        (str(_("Period")), assessment.period),
        (str(_("Unit")), _scope(assessment)),
        (str(_("Month from")), assessment.start),
        (str(_("Month until (not included)")), assessment.end),
        (str(_("Generated at (Asia/Shanghai)")), assessment.generated_at),
        (str(_("Requested by")), requested_by or "—"),
        (str(_("Ring limit (seconds)")), assessment.ring_limit),
    ]


def _note_text(value: Any) -> str:
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _rows(section: Section, index: int, tracker: _Progress) -> Iterable[dict]:
    for count, row in enumerate(section.rows, 1):
        yield row
        if section.streamed:
            tracker.rows(index, count)


# --- XLSX ------------------------------------------------------------------------------------------------

XLSX_FORMATS = {Fmt.INT: "#,##0", Fmt.PERCENT: "0.00%", Fmt.MONEY: "#,##0.00", Fmt.DATETIME: "yyyy-mm-dd hh:mm:ss"}
XLSX_MAX_TEXT = 32767  # characters in one cell
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TEXT_COLUMN = Column("label", "", Fmt.TEXT)


def _sheet_name(title: Any, used: set[str]) -> str:
    """≤ 31 characters, none of []:*?/\\, not starting or ending with an apostrophe, unique in the workbook."""
    base = SHEET_NAME_FORBIDDEN.sub("_", str(title)).strip().strip("'")[:31] or "Sheet"
    name, number = base, 1
    while name.lower() in used:
        number += 1
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.lower())
    return name


def _xlsx_text(value: Any) -> str | None:
    """A text cell: formula-safe, without the control characters XML cannot hold, within Excel's length."""
    if value is None or value == "":
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", safe_text(value))[:XLSX_MAX_TEXT]


BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def _write_xlsx(assessment: Assessment, out: BinaryIO, tracker: _Progress, requested_by: str) -> None:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for index, section in enumerate(assessment.sections):
        tracker.section(index)
        _xlsx_section(workbook.create_sheet(_sheet_name(section.title, used)), section, index, tracker)
    tracker.section(len(assessment.sections))
    _xlsx_notes(workbook.create_sheet(_sheet_name(NOTES, used)), assessment, requested_by)
    workbook.save(out)


def _xlsx_section(sheet, section: Section, index: int, tracker: _Progress) -> None:
    columns = section.columns
    for number, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_header(sheet, column.title) for column in columns])

    # One styled cell per column, whose style each value's cell copies: styling every cell anew is slow.
    plain = [_xlsx_styled(sheet, column.fmt) if column.fmt != Fmt.TEXT else None for column in columns]
    for row in _rows(section, index, tracker):
        sheet.append([_xlsx_cell(sheet, column, row.get(column.key), prototype)
                      for column, prototype in zip(columns, plain, strict=True)])
    if section.total is not None:
        bold = {column.key: _xlsx_styled(sheet, column.fmt, total=True) for column in columns}
        label = _xlsx_styled(sheet, Fmt.TEXT, total=True)
        sheet.append(_total_cells(
            section,
            lambda column, value: _xlsx_cell(sheet, column, value, bold[column.key], keep_style=True),
            lambda text: _xlsx_cell(sheet, TEXT_COLUMN, text, label),
        ))


def _xlsx_notes(sheet, assessment: Assessment, requested_by: str) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100
    left = Alignment(horizontal="left")
    for label, value in _notes(assessment, requested_by):
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=_local(value))
            cell.number_format, cell.alignment = XLSX_FORMATS[Fmt.DATETIME], left
        elif isinstance(value, int):
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = left
        else:
            cell = _xlsx_text(value)
        label_cell = WriteOnlyCell(sheet, value=_xlsx_text(label))
        label_cell.font = BOLD
        sheet.append([label_cell, cell])
    sheet.append([])
    sheet.append([_xlsx_header(sheet, _("Figure")), _xlsx_header(sheet, _("Formula"))])
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, formula in FORMULAS:
        cells = [WriteOnlyCell(sheet, value=_xlsx_text(title)), WriteOnlyCell(sheet, value=_xlsx_text(formula))]
        for cell in cells:
            cell.alignment = wrap
        sheet.append(cells)


def _xlsx_header(sheet, title: Any):
    cell = WriteOnlyCell(sheet, value=_xlsx_text(title))
    cell.font, cell.fill = BOLD, HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def _xlsx_styled(sheet, fmt: str, *, total: bool = False):
    cell = WriteOnlyCell(sheet)
    if fmt in XLSX_FORMATS:
        cell.number_format = XLSX_FORMATS[fmt]
    if total:
        cell.font, cell.fill = BOLD, TOTAL_FILL
    return cell


def _xlsx_cell(sheet, column: Column, value: Any, prototype, *, keep_style: bool = False):
    """One cell: a plain value where no style is needed (text, empty), else a copy of the column's styled cell.
    Numbers stay numbers (Decimal), datetimes become naive Asia/Shanghai."""
    if column.fmt == Fmt.TEXT:
        value = _xlsx_text(value)
    elif value == "":
        value = None
    elif column.fmt == Fmt.DATETIME and value is not None:
        value = _local(value)
    if prototype is None or (value is None and not keep_style):
        return value
    return Cell(sheet, row=1, column=1, value=value, style_array=copy(prototype._style))


# --- CSV -------------------------------------------------------------------------------------------------

def _csv_cell(column: Column, value: Any) -> str:
    text = _display(column, value)
    return safe_text(text) if column.fmt == Fmt.TEXT else text


def _write_csv(assessment: Assessment, out: BinaryIO, tracker: _Progress, requested_by: str) -> None:
    # utf-8-sig puts the byte order mark first: without it Excel reads the file as the local code page.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        for index, section in enumerate(assessment.sections):
            tracker.section(index)
            columns = section.columns
            writer.writerow([safe_text(section.title)])
            writer.writerow([safe_text(column.title) for column in columns])
            for row in _rows(section, index, tracker):
                writer.writerow([_csv_cell(column, row.get(column.key)) for column in columns])
            if section.total is not None:
                writer.writerow(_total_cells(section, _csv_cell, safe_text))
            writer.writerow([])
        tracker.section(len(assessment.sections))
        writer.writerow([safe_text(NOTES)])
        for label, value in _notes(assessment, requested_by):
            writer.writerow([safe_text(label), value if isinstance(value, int) else safe_text(_note_text(value))])
        writer.writerow([])
        writer.writerow([safe_text(_("Figure")), safe_text(_("Formula"))])
        for title, formula in FORMULAS:
            writer.writerow([safe_text(title), safe_text(formula)])
    finally:
        text.flush()
        text.detach()  # the caller owns ``out``


# --- PDF -------------------------------------------------------------------------------------------------

# TrueType CJK fonts reportlab can embed (the Noto CJK .ttc are CFF-based: reportlab cannot read them).
CJK_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian fonts-wqy-zenhei
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",  # Fedora
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei
)
FALLBACK_FONT = "STSong-Light"  # reportlab's built-in CID font: not embedded, the reader supplies the glyphs
_registered_fonts: dict[str, str | None] = {}


def find_cjk_font() -> str | None:
    """The path of a TrueType CJK font: one of the known paths, else what fontconfig calls WenQuanYi Zen Hei."""
    for path in CJK_FONT_PATHS:
        if os.path.isfile(path):
            return path
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Zen Hei"], capture_output=True,
                                   text=True, timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        # fc-match always answers with some font: keep it only when it is the one asked for
        if "wqy" in found.lower() and found.lower().endswith((".ttf", ".ttc")) and os.path.isfile(found):
            return found
    return None


def _register_truetype(path: str) -> str | None:
    """Register the font at ``path`` once per process; None when reportlab cannot use it for Chinese."""
    if path not in _registered_fonts:
        name = "CJK-" + re.sub(r"\W", "", os.path.basename(path).rsplit(".", 1)[0])
        try:
            font = TTFont(name, path, subfontIndex=0)
            if ord("中") not in font.face.charToGlyph:
                raise ValueError("no Chinese glyphs")
            pdfmetrics.registerFont(font)
            pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
            _registered_fonts[path] = name
        except Exception as error:  # a broken or CFF font file: the built-in font still prints Chinese
            logger.warning("Cannot use %s for the PDF report: %s", path, error)
            _registered_fonts[path] = None
    return _registered_fonts[path]


def pdf_font() -> str:
    """The registered name of the font the PDF is written in: an embedded TrueType CJK font when the machine
    has one (fonts-wqy-zenhei), else reportlab's built-in STSong-Light (so the PDF export never fails)."""
    path = find_cjk_font()
    name = _register_truetype(path) if path else None
    if name:
        return name
    logger.warning("No TrueType CJK font found (install fonts-wqy-zenhei): the PDF report uses %s", FALLBACK_FONT)
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


PDF_FONT_SIZES = (8, 7.5, 7, 6.5)  # a section that fits at one of these is one table; else split at 7
PDF_SPLIT_SIZE = 7
PDF_PADDING = 2.5  # points each side of a cell
PDF_TEXT_MAX = 130  # points: a longer name wraps
PDF_HEADER_LINE = 64  # points: a header shorter than this stays on one line


def _write_pdf(assessment: Assessment, out: BinaryIO, tracker: _Progress, requested_by: str) -> None:
    font = pdf_font()
    title = _title(assessment)
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=20, alignment=TA_CENTER,
                                spaceAfter=4, wordWrap="CJK"),
        "line": ParagraphStyle("line", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER, wordWrap="CJK"),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4,
                                  wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK"),
    }
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=12 * mm, title=title, author=requested_by,
                            creator="contactcenter")
    generated = _note_text(assessment.generated_at)
    story: list = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(f"{_('Generated at (Asia/Shanghai)')}: {generated}"
                         + (f"　{_('Requested by')}: {requested_by}" if requested_by else "")), styles["line"]),
        Paragraph(escape(str(LEDGER_ELSEWHERE)), styles["line"]),
    ]
    for index, section in enumerate(assessment.sections):
        tracker.section(index)
        if section.streamed:
            continue
        story.extend(_pdf_section(section, doc.width, styles, font))

    tracker.section(len(assessment.sections))
    story.append(Paragraph(escape(str(NOTES)), styles["heading"]))
    notes = [[Paragraph(escape(label), styles["cell"]), Paragraph(escape(_note_text(value)), styles["cell"])]
             for label, value in _notes(assessment, requested_by)]
    notes.append([Paragraph(escape(str(_("Figure"))), styles["cell"]),
                  Paragraph(escape(str(_("Formula"))), styles["cell"])])
    header_index = len(notes) - 1
    notes.extend([Paragraph(escape(str(name)), styles["cell"]), Paragraph(escape(str(formula)), styles["cell"])]
                 for name, formula in FORMULAS)
    notes_table = Table(notes, colWidths=[150, doc.width - 150], repeatRows=0)
    notes_table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, header_index), (-1, header_index), colors.HexColor("#DDEBF7")),
    ]))
    story.append(notes_table)
    story.append(Spacer(1, 1))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(10 * mm, 6 * mm, title)
        page = str(_("Page %(number)s") % {"number": document.page})
        canvas.drawRightString(landscape(A4)[0] - 10 * mm, 6 * mm, page)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _pdf_widths(columns: list[Column], cells: list[list[str]], font: str, size: float) -> list[float]:
    """Each column's width in points: its widest value, and its header on one line when that is short, or its
    longest word (CJK headers break between any two characters)."""
    widths = []
    for number, column in enumerate(columns):
        header = str(column.title)
        content = max((pdfmetrics.stringWidth(row[number], font, size) for row in cells), default=0)
        if column.fmt == Fmt.TEXT:
            content = min(content, PDF_TEXT_MAX)
        whole = pdfmetrics.stringWidth(header, font, size)
        words = [w for w in header.split() if w.isascii()] or [header[:1]]
        longest = max(pdfmetrics.stringWidth(w, font, size) for w in words)
        widths.append(max(content, longest, min(whole, PDF_HEADER_LINE), 22) + 2 * PDF_PADDING)
    return widths


def _pdf_split(widths: list[float], identifying: int, available: float) -> list[list[int]]:
    """Column indexes of each table: the identifying columns, then a share of the others — as few tables as
    fit, evened out so the last one is not a stub."""
    fixed = sum(widths[:identifying])
    if fixed > available * 0.6:  # names too wide to repeat them all: repeat only the first
        identifying, fixed = 1, widths[0]
    rest = range(identifying, len(widths))

    def pack(limit: float) -> list[list[int]]:
        parts: list[list[int]] = [[]]
        used = 0.0
        for number in rest:
            if parts[-1] and used + widths[number] > limit:
                parts.append([])
                used = 0.0
            parts[-1].append(number)
            used += widths[number]
        return parts

    parts = pack(available - fixed)
    share = sum(widths[number] for number in rest) / len(parts)
    for step in range(20):
        limit = share * (1 + step / 20)
        if limit >= available - fixed:
            break
        balanced = pack(limit)
        if len(balanced) <= len(parts):
            parts = balanced
            break
    return [list(range(identifying)) + part for part in parts]


def _pdf_section(section: Section, available: float, styles: dict, font: str) -> list:
    """A section's heading and table(s): one table when it fits (shrinking the font a little if need be),
    else several that each repeat the identifying (leading text) columns."""
    columns = section.columns
    cells = [[_display(column, row.get(column.key)) for column in columns] for row in section.rows]
    has_total = section.total is not None
    if has_total:
        cells.append(_total_cells(section, _display, str))
    identifying = len(list(takewhile(lambda c: c.fmt == Fmt.TEXT, columns))) or 1

    for size in PDF_FONT_SIZES:
        widths = _pdf_widths(columns, cells, font, size)
        if sum(widths) <= available:
            parts = [list(range(len(columns)))]
            break
    else:
        size = PDF_SPLIT_SIZE
        widths = _pdf_widths(columns, cells, font, size)
        parts = _pdf_split(widths, identifying, available)

    header_style = ParagraphStyle("header", fontName=font, fontSize=size, leading=size + 2, wordWrap="CJK")
    text_style = ParagraphStyle("text", fontName=font, fontSize=size, leading=size + 2, wordWrap="CJK")
    flowables = []
    for number, part in enumerate(parts, 1):
        heading = str(section.title) if len(parts) == 1 else str(
            _("%(title)s (part %(part)s of %(parts)s)") % {"title": section.title, "part": number, "parts": len(parts)})
        flowables.append(Paragraph(escape(heading), styles["heading"]))
        data = [[Paragraph(escape(str(columns[i].title)), header_style) for i in part]]
        for row in cells:
            data.append([
                Paragraph(escape(row[i]), text_style)
                if columns[i].fmt == Fmt.TEXT and row[i] and _pdf_text_wraps(row[i], font, size) else row[i]
                for i in part
            ])
        table = Table(data, colWidths=[widths[i] for i in part], repeatRows=1, hAlign="LEFT")
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), size),
            ("LEADING", (0, 0), (-1, -1), size + 2),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), PDF_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), PDF_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
        ]
        commands.extend(("ALIGN", (place, 1), (place, -1), "RIGHT")
                        for place, i in enumerate(part) if columns[i].fmt != Fmt.TEXT)
        if has_total:
            commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F2F2F2")))
        table.setStyle(TableStyle(commands))
        flowables.append(table)
    return flowables


def _pdf_text_wraps(text: str, font: str, size: float) -> bool:
    return pdfmetrics.stringWidth(text, font, size) > PDF_TEXT_MAX
