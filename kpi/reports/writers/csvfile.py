"""The CSV file of the monthly assessment: UTF-8 with a BOM (so Excel opens the Chinese correctly), the sections
one below the other (title, header, rows, 合计), then the notes and the formulas.

Values are the text the PDF shows too (83.33%, 12.50, Asia/Shanghai times); text is formula-safe (``safe_text``).
"""

import csv
import io
from typing import Any, BinaryIO

from ..figures import FORMULAS, Assessment, Column, Fmt
from .common import FIGURE, FORMULA, NOTES, Progress, display, note_text, notes, safe_text, section_rows, total_cells


def _cell(column: Column, value: Any) -> str:
    text = display(column, value)
    return safe_text(text) if column.fmt == Fmt.TEXT else text


def write_csv(assessment: Assessment, out: BinaryIO, tracker: Progress, requested_by: str) -> None:
    # utf-8-sig puts the byte order mark first: without it Excel reads the file as the local code page.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        for index, section in enumerate(assessment.sections):
            tracker.section(index)
            columns = section.columns
            writer.writerow([safe_text(section.title)])
            writer.writerow([safe_text(column.title) for column in columns])
            for row in section_rows(section, index, tracker):
                writer.writerow([_cell(column, row.get(column.key)) for column in columns])
            if section.total is not None:
                writer.writerow(total_cells(section, _cell, safe_text))
            writer.writerow([])
        tracker.section(len(assessment.sections))
        writer.writerow([safe_text(NOTES)])
        for label, value in notes(assessment, requested_by):
            writer.writerow([safe_text(label), value if isinstance(value, int) else safe_text(note_text(value))])
        writer.writerow([])
        writer.writerow([safe_text(FIGURE), safe_text(FORMULA)])
        for title, formula in FORMULAS:
            writer.writerow([safe_text(title), safe_text(formula)])
    finally:
        text.flush()
        text.detach()  # the caller owns ``out``
