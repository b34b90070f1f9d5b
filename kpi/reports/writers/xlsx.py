"""The XLSX file of the monthly assessment: openpyxl in write-only mode, one sheet per section, rows streamed one
at a time (the ledger detail can hold 100,000 entries), then a notes sheet with the formulas.

Numbers stay numbers (Decimal) with a number format per column (#,##0 / 0.00% / #,##0.00 / a date and time);
datetimes are naive Asia/Shanghai wall-clock times (Excel has no time zones); the header row is bold on blue,
the 合计 row bold on grey. Text is formula-safe (``safe_text``). Only openpyxl's public API: each styled cell is
a ``WriteOnlyCell`` given the module's style objects.
"""

import re
from datetime import datetime
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..figures import FORMULAS, Assessment, Fmt, Section
from .common import FIGURE, FORMULA, NOTES, Progress, local, notes, safe_text, section_rows, total_cells

XLSX_FORMATS = {Fmt.INT: "#,##0", Fmt.PERCENT: "0.00%", Fmt.MONEY: "#,##0.00", Fmt.DATETIME: "yyyy-mm-dd hh:mm:ss"}
XLSX_MAX_TEXT = 32767  # characters in one cell
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
NOTE_ALIGNMENT = Alignment(horizontal="left")  # a number or a time among the notes' texts
FORMULA_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def write_xlsx(assessment: Assessment, out: BinaryIO, tracker: Progress, requested_by: str) -> None:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for index, section in enumerate(assessment.sections):
        tracker.section(index)
        _section(workbook.create_sheet(_sheet_name(section.title, used)), section, index, tracker)
    tracker.section(len(assessment.sections))
    _notes(workbook.create_sheet(_sheet_name(NOTES, used)), assessment, requested_by)
    workbook.save(out)


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


def _text(value: Any) -> str | None:
    """A text cell: formula-safe, without the control characters XML cannot hold, within Excel's length."""
    if value is None or value == "":
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", safe_text(value))[:XLSX_MAX_TEXT]


def _value(fmt: str, value: Any) -> Any:
    """What a cell holds: formula-safe text, a number as it is, a naive Asia/Shanghai datetime, or None."""
    if fmt == Fmt.TEXT:
        return _text(value)
    if value == "":
        return None
    if fmt == Fmt.DATETIME and value is not None:
        return local(value)
    return value


def _styled(sheet, value: Any, fmt: str, *, total: bool = False) -> WriteOnlyCell:
    """A cell in the column's number format; a 合计 cell is bold on grey too."""
    cell = WriteOnlyCell(sheet)
    if fmt in XLSX_FORMATS:
        cell.number_format = XLSX_FORMATS[fmt]
    if total:
        cell.font, cell.fill = BOLD, TOTAL_FILL
    cell.value = value  # once formatted: a datetime given to a plain cell gets openpyxl's own date format first
    return cell


def _body_cell(sheet, fmt: str, value: Any) -> Any:
    """A body cell needs a style only for its number format: text and empty cells are written as plain values."""
    value = _value(fmt, value)
    return value if fmt == Fmt.TEXT or value is None else _styled(sheet, value, fmt)


def _section(sheet, section: Section, index: int, tracker: Progress) -> None:
    columns = section.columns
    for number, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_header(sheet, column.title) for column in columns])

    for row in section_rows(section, index, tracker):
        sheet.append([_body_cell(sheet, column.fmt, row.get(column.key)) for column in columns])
    if section.total is not None:  # every cell of the 合计 row is bold on grey, the empty ones too
        sheet.append(total_cells(
            section,
            lambda column, value: _styled(sheet, _value(column.fmt, value), column.fmt, total=True),
            lambda text: _styled(sheet, _text(text), Fmt.TEXT, total=True),
        ))


def _notes(sheet, assessment: Assessment, requested_by: str) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100
    for label, value in notes(assessment, requested_by):
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=local(value))
            cell.number_format, cell.alignment = XLSX_FORMATS[Fmt.DATETIME], NOTE_ALIGNMENT
        elif isinstance(value, int):
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = NOTE_ALIGNMENT
        else:
            cell = _text(value)
        label_cell = WriteOnlyCell(sheet, value=_text(label))
        label_cell.font = BOLD
        sheet.append([label_cell, cell])
    sheet.append([])
    sheet.append([_header(sheet, FIGURE), _header(sheet, FORMULA)])
    for title, formula in FORMULAS:
        cells = [WriteOnlyCell(sheet, value=_text(title)), WriteOnlyCell(sheet, value=_text(formula))]
        for cell in cells:
            cell.alignment = FORMULA_ALIGNMENT
        sheet.append(cells)


def _header(sheet, title: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_text(title))
    cell.font, cell.fill = BOLD, HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell
