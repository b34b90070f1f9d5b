"""The PDF file of the monthly assessment: landscape A4 for a manager to print — every section but the ledger
detail (too long to print; the PDF says where it is), then the notes and the formulas. A wide section is split
into several tables that repeat the identifying columns.

Chinese needs a CJK font: an embedded TrueType one when the machine has it (fonts-wqy-zenhei), else reportlab's
built-in STSong-Light, so the PDF export never fails.
"""

import logging
import os
import re
import shutil
import subprocess
from itertools import takewhile
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..figures import FORMULAS, Assessment, Column, Fmt, Section
from .common import FIGURE, FORMULA, LEDGER_ELSEWHERE, NOTES, Progress, display, note_text, notes, title, total_cells

logger = logging.getLogger(__name__)

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


def write_pdf(assessment: Assessment, out: BinaryIO, tracker: Progress, requested_by: str) -> None:
    font = pdf_font()
    report_title = title(assessment)
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=20, alignment=TA_CENTER,
                                spaceAfter=4, wordWrap="CJK"),
        "line": ParagraphStyle("line", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER, wordWrap="CJK"),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4,
                                  wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK"),
    }
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=12 * mm, title=report_title, author=requested_by,
                            creator="contactcenter")
    generated = note_text(assessment.generated_at)
    story: list = [
        Paragraph(escape(report_title), styles["title"]),
        Paragraph(escape(f"{_('Generated at (Asia/Shanghai)')}: {generated}"
                         + (f"　{_('Requested by')}: {requested_by}" if requested_by else "")), styles["line"]),
        Paragraph(escape(str(LEDGER_ELSEWHERE)), styles["line"]),
    ]
    for index, section in enumerate(assessment.sections):
        tracker.section(index)
        if section.streamed:
            continue
        story.extend(_section(section, doc.width, styles, font))

    tracker.section(len(assessment.sections))
    story.append(Paragraph(escape(str(NOTES)), styles["heading"]))
    rows = [[Paragraph(escape(label), styles["cell"]), Paragraph(escape(note_text(value)), styles["cell"])]
            for label, value in notes(assessment, requested_by)]
    rows.append([Paragraph(escape(str(FIGURE)), styles["cell"]), Paragraph(escape(str(FORMULA)), styles["cell"])])
    header_index = len(rows) - 1
    rows.extend([Paragraph(escape(str(name)), styles["cell"]), Paragraph(escape(str(formula)), styles["cell"])]
                for name, formula in FORMULAS)
    notes_table = Table(rows, colWidths=[150, doc.width - 150], repeatRows=0)
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
        canvas.drawString(10 * mm, 6 * mm, report_title)
        page = str(_("Page %(number)s") % {"number": document.page})
        canvas.drawRightString(landscape(A4)[0] - 10 * mm, 6 * mm, page)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _widths(columns: list[Column], cells: list[list[str]], font: str, size: float) -> list[float]:
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


def _split(widths: list[float], identifying: int, available: float) -> list[list[int]]:
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


def _section(section: Section, available: float, styles: dict, font: str) -> list:
    """A section's heading and table(s): one table when it fits (shrinking the font a little if need be),
    else several that each repeat the identifying (leading text) columns."""
    columns = section.columns
    cells = [[display(column, row.get(column.key)) for column in columns] for row in section.rows]
    has_total = section.total is not None
    if has_total:
        cells.append(total_cells(section, display, str))
    identifying = len(list(takewhile(lambda c: c.fmt == Fmt.TEXT, columns))) or 1

    for size in PDF_FONT_SIZES:
        widths = _widths(columns, cells, font, size)
        if sum(widths) <= available:
            parts = [list(range(len(columns)))]
            break
    else:
        size = PDF_SPLIT_SIZE
        widths = _widths(columns, cells, font, size)
        parts = _split(widths, identifying, available)

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
                if columns[i].fmt == Fmt.TEXT and row[i] and _text_wraps(row[i], font, size) else row[i]
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


def _text_wraps(text: str, font: str, size: float) -> bool:
    return pdfmetrics.stringWidth(text, font, size) > PDF_TEXT_MAX
