"""The monthly assessment 月度考核 as files (kpi.reports.writers): XLSX, CSV and PDF read back with real readers —
openpyxl, the csv module, pypdf — from figures computed on real calls, orders and ledger entries."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from pypdf import PdfReader

from kpi import services
from kpi.models import PenaltyRule
from kpi.reports import writers
from kpi.reports.figures import FORMULAS, LEDGER_COLUMNS, Assessment, Column, Fmt, Section, monthly_assessment
from kpi.reports.writers import pdf as pdf_writer
from tests.factories import logged_call
from tickets.models import Kind

from .conftest import at

pytestmark = pytest.mark.django_db

PERIOD = "2026-03"
INJECTIONS = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(1)"]


def manual(actor, rule: str, reason: str, **charged):
    return services.entry_post_manual(rule=PenaltyRule.objects.get(code=rule), actor=actor, reason=reason,
                                      occurred_at=charged.pop("occurred_at", None), **charged)


@pytest.fixture
def month(hotline, people, org, customer):
    """March 2026 at the center: 王芳 answers two calls (5 s and 15 s of ringing), one call is abandoned, she
    accepts a consultation and a complaint; the ledger holds her 200 + 20 yuan (the 20 reversed on appeal),
    20 yuan for agent2 (named "+1") and 20 yuan for the repair crew. The reasons try formula injection."""
    people.agent.last_name, people.agent.first_name = "王", "芳"
    people.agent.save()
    people.agent2.last_name = INJECTIONS[1]
    people.agent2.save()

    def call(ring_start, ring_seconds, agent):
        answered = ring_start + dt.timedelta(seconds=ring_seconds) if agent else None
        logged_call(caller_number=customer.phone, ring_started_at=ring_start, answered_at=answered,
                    ended_at=(answered or ring_start) + dt.timedelta(minutes=2), agent=agent,
                    logged_by=people.telephony)

    call(at(2026, 3, 2, 8, 0), 5, people.agent)
    call(at(2026, 3, 2, 8, 10), 15, people.agent)
    call(at(2026, 3, 2, 8, 20), 30, None)
    hotline.create(Kind.CONSULTATION)
    hotline.complaint_with(org.marketing)

    hotline.move_to(at(2026, 4, 1, 2, 0))
    last_minute = at(2026, 3, 31, 23, 59)
    manual(people.lead, "intranet_violation", INJECTIONS[0], agent=people.agent, occurred_at=last_minute)
    late = manual(people.lead, "late_or_early", "迟到\x0b五分钟", agent=people.agent, occurred_at=at(2026, 3, 9, 8, 5))
    services.entry_reverse(entry=late, actor=people.supervisor, reason="申诉成立")
    manual(people.lead, "first_question", INJECTIONS[2], agent=people.agent2, occurred_at=at(2026, 3, 10, 9, 0))
    manual(people.lead, "complaint_reply_late", INJECTIONS[3], department=org.repair,
           occurred_at=at(2026, 3, 11, 9, 0))
    return lambda unit=None: monthly_assessment(period=PERIOD, unit=unit)


def write(assessment, fmt, **kwargs) -> bytes:
    out = io.BytesIO()
    writers.write_report(assessment, fmt, out, **kwargs)
    return out.getvalue()


def row_of(rows: list[list], first: str, column: int = 0) -> list:
    return next(row for row in rows if len(row) > column and row[column] == first)


# --- XLSX ------------------------------------------------------------------------------------------------

def test_xlsx_has_one_sheet_per_section_and_the_notes(month):
    assessment = month()
    book = load_workbook(io.BytesIO(write(assessment, "xlsx", requested_by="manager")))
    assert book.sheetnames == [str(s.title) for s in assessment.sections] + [str(writers.NOTES)]

    agents = book[str(assessment.section("agents").title)]
    columns = assessment.section("agents").columns
    header = [cell.value for cell in agents[1]]
    assert header == [str(c.title) for c in columns]
    assert "单位" in header and "内网外联" in header  # Chinese headers: the catalogue's and the rules' names
    assert agents.freeze_panes == "A2"
    assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("DDEBF7") for cell in agents[1])
    for number, column in enumerate(columns, 1):
        assert agents.column_dimensions[agents.cell(1, number).column_letter].width == column.width


def test_xlsx_values_formats_and_totals(month):
    assessment = month()
    book = load_workbook(io.BytesIO(write(assessment, "xlsx")))
    section = assessment.section("agents")
    keys = [c.key for c in section.columns]
    sheet = book[str(section.title)]
    rows = list(sheet.iter_rows(min_row=2))
    wang = next(row for row in rows if row[keys.index("name")].value == "王芳")
    cell = {key: wang[i] for i, key in enumerate(keys)}
    assert cell["calls_answered"].value == 2 and cell["calls_answered"].number_format == "#,##0"
    assert cell["calls_within_limit"].value == 1
    assert cell["within_limit_rate"].value == pytest.approx(0.5)
    assert cell["within_limit_rate"].number_format == "0.00%"
    assert cell["accepted_total"].value == 2
    assert cell["rule:intranet_violation"].value == 200 and cell["rule:intranet_violation"].number_format == "#,##0.00"
    assert cell["reversals"].value == -20 and cell["net"].value == 200

    plus_one = next(row for row in rows if row[keys.index("username")].value == "agent2")
    assert plus_one[keys.index("name")].value == "'+1"  # an agent's name is text, escaped
    assert plus_one[keys.index("within_limit_rate")].value is None  # no calls: no rate, not 0 %

    total = rows[-1]
    assert total[0].value == str(writers.TOTAL) and all(c.font.bold for c in total)
    assert total[keys.index("calls_answered")].value == 2
    assert total[keys.index("penalties")].value == 240  # 200 + 20 + 20: the repair crew's 20 is no agent's
    assert total[keys.index("net")].value == 220

    penalties = book[str(assessment.section("penalties").title)]
    by_rule = {row[0]: row for row in penalties.iter_rows(min_row=2, values_only=True)}
    assert by_rule["late_or_early"][3:8] == (1, 20, 20, -20, 0)
    assert by_rule[str(writers.TOTAL)][3] == 4


def test_xlsx_ledger_detail_local_times_and_escaped_text(month):
    assessment = month()
    book = load_workbook(io.BytesIO(write(assessment, "xlsx")))
    section = assessment.section("entries")
    keys = [c.key for c in section.columns]
    sheet = book[str(section.title)]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 5  # four entries and one reversal, no total row
    reasons = [row[keys.index("reason")].value for row in rows]
    for injection in (INJECTIONS[0], INJECTIONS[2], INJECTIONS[3]):
        assert "'" + injection in reasons
    assert "迟到五分钟" in reasons  # the control character XML cannot hold is dropped, the export does not fail
    last = rows[-2]  # the reversal was posted on 1 April at 02:00, after the entry of 31 March 23:59
    assert last[keys.index("occurred_at")].value == dt.datetime(2026, 3, 31, 23, 59)
    assert last[keys.index("occurred_at")].number_format == "yyyy-mm-dd hh:mm:ss"
    assert last[keys.index("agent")].value == "王芳"
    assert last[keys.index("amount")].value == 200 and last[keys.index("id")].number_format == "#,##0"
    reversal = rows[-1]
    assert reversal[keys.index("amount")].value == -20 and isinstance(reversal[keys.index("reverses")].value, int)


def test_xlsx_notes_sheet(month, people):
    assessment = month(people.agent.unit.parent)
    book = load_workbook(io.BytesIO(write(assessment, "xlsx", requested_by="王经理 (manager)")))
    notes = book[str(writers.NOTES)]
    values = {row[0]: row[1] for row in notes.iter_rows(values_only=True) if row and row[0]}
    assert values[str(_("Period"))] == PERIOD
    assert values[str(_("Unit"))] == "示范市供电公司"
    assert values[str(_("Requested by"))] == "王经理 (manager)"
    assert values[str(_("Ring limit (seconds)"))] == 10
    generated = values[str(_("Generated at (Asia/Shanghai)"))]
    assert generated == dt.datetime(2026, 4, 1, 2, 0)  # the frozen clock's 02:00 in Shanghai, naive
    for title, formula in FORMULAS:
        assert values[str(title)] == str(formula)


# --- CSV -------------------------------------------------------------------------------------------------

def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_section(rows: list[list[str]], section) -> list[list[str]]:
    """The lines of one section: from its title line to the blank line that closes it."""
    start = rows.index([str(section.title)])
    end = rows.index([], start)
    return rows[start:end]


def test_csv_sections_values_and_notes(month):
    assessment = month()
    rows = read_csv(write(assessment, "csv", requested_by="manager"))
    for section in assessment.sections:
        lines = csv_section(rows, section)
        assert lines[1] == [str(c.title) for c in section.columns]

    agents = assessment.section("agents")
    keys = [c.key for c in agents.columns]
    lines = csv_section(rows, agents)
    assert "单位" in lines[1] and "内网外联" in lines[1]
    wang = row_of(lines, "王芳", keys.index("name"))
    assert wang[keys.index("within_limit_rate")] == "50.00%"
    assert wang[keys.index("calls_answered")] == "2"
    assert wang[keys.index("rule:intranet_violation")] == "200.00"
    assert wang[keys.index("reversals")] == "-20.00"  # a number: never escaped
    assert row_of(lines, "agent2", keys.index("username"))[keys.index("name")] == "'+1"
    assert row_of(lines, "agent2", keys.index("username"))[keys.index("within_limit_rate")] == ""
    assert lines[-1][0] == str(writers.TOTAL) and lines[-1][keys.index("net")] == "220.00"

    entries = assessment.section("entries")
    entry_keys = [c.key for c in entries.columns]
    detail = csv_section(rows, entries)[2:]
    assert len(detail) == 5  # no total row under the detail
    reasons = {row[entry_keys.index("reason")] for row in detail}
    assert reasons >= {"'" + s for s in (INJECTIONS[0], *INJECTIONS[2:])} | {"迟到\x0b五分钟"}
    assert "2026-03-31 23:59:00" in [row[entry_keys.index("occurred_at")] for row in detail]
    assert {row[entry_keys.index("amount")] for row in detail} == {"200.00", "20.00", "-20.00"}

    assert [str(writers.NOTES)] in rows
    assert row_of(rows, str(_("Requested by")))[1] == "manager"
    assert row_of(rows, str(_("Ring limit (seconds)")))[1] == "10"
    assert row_of(rows, str(_("Generated at (Asia/Shanghai)")))[1] == "2026-04-01 02:00:00"
    for title, formula in FORMULAS:
        assert [str(title), str(formula)] in rows


def test_safe_text_escapes_formulas_only():
    for value in [*INJECTIONS, "\tTAB", "\rCR"]:
        assert writers.safe_text(value) == "'" + value
    for value in ["王芳", "95598客户服务中心", "work_order:42", "", "1-2", "a=b"]:
        assert writers.safe_text(value) == value


# --- PDF -------------------------------------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_prints_the_sections_but_not_the_ledger_detail(month, people):
    assessment = month(people.agent.unit.parent)
    text = pdf_text(write(assessment, "pdf", requested_by="manager"))
    assert f"{writers.REPORT_TITLE} {PERIOD} 示范市供电公司" in text
    assert str(writers.LEDGER_ELSEWHERE) in text.replace("\n", "")
    for section in assessment.sections:
        if not section.streamed:
            assert str(section.title) in text
    assert "王芳" in text and "单位" in text  # the Chinese glyphs came through (no tofu, nothing missing)
    assert "迟到早退或交接班不准时" in text and "抢修一班" in text
    assert "申诉成立" not in text and INJECTIONS[0] not in text  # the reasons are in the ledger detail only
    flat = text.replace("\n", "").replace(" ", "")
    for _title, formula in FORMULAS[:3]:
        assert str(formula).replace(" ", "")[:20] in flat


def test_pdf_splits_a_wide_section_and_repeats_the_names(month):
    assessment = month()
    agents = assessment.section("agents")
    reader = PdfReader(io.BytesIO(write(assessment, "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    parts = [line for line in text.splitlines() if line.startswith(str(agents.title) + " (")]
    assert len(parts) >= 2  # 30-odd columns do not fit on one landscape A4 width at a printable size
    assert text.count("王芳") >= len(parts)  # the agent's name repeated in each part
    for column in agents.columns[3:]:
        assert str(column.title).split()[0] in text


def test_pdf_falls_back_to_the_builtin_font(month, monkeypatch, caplog):
    monkeypatch.setattr(pdf_writer, "find_cjk_font", lambda: None)  # where pdf_font looks it up
    with caplog.at_level("WARNING", logger="kpi.reports.writers"):
        data = write(month(), "pdf")
    assert "STSong-Light" in caplog.text
    assert b"/STSong-Light" in data
    text = pdf_text(data)
    assert "王芳" in text and "单位" in text


def test_pdf_uses_an_embedded_truetype_font_when_present(month):
    if writers.find_cjk_font() is None:
        pytest.skip("fonts-wqy-zenhei is not installed (make test installs it when run as root)")
    data = write(month(), "pdf")
    assert b"WenQuanYi" in data and b"/FontFile2" in data  # embedded: prints the same on any reader


# --- the contract ----------------------------------------------------------------------------------------

def test_progress_climbs_from_50_to_99(month):
    for fmt in writers.CONTENT_TYPES:
        seen: list[int] = []
        write(month(), fmt, progress=seen.append)
        assert seen == sorted(set(seen)) and seen[0] >= 50 and seen[-1] == 99, (fmt, seen)


def test_filename_and_content_types(month, people):
    title = str(writers.REPORT_TITLE).replace(" ", "_")  # 月度考核 once the catalogue has it
    assert writers.filename(month(people.agent.unit.parent), "xlsx") == f"{title}_{PERIOD}_示范市供电公司.xlsx"
    whole = writers.filename(month(), "csv")
    assert whole == f"{title}_{PERIOD}_{writers.WHOLE_CENTER}.csv".replace(" ", "_")
    assert "/" not in whole and " " not in whole
    assert writers.CONTENT_TYPES["csv"] == "text/csv; charset=utf-8"
    assert writers.CONTENT_TYPES["pdf"] == "application/pdf"
    assert writers.CONTENT_TYPES["xlsx"].endswith("spreadsheetml.sheet")
    with pytest.raises(ValueError):
        write(month(), "docx")


# --- a long ledger and awkward titles, without the database ----------------------------------------------

def synthetic(entries: int, title: str = "Ledger entries") -> Assessment:
    moment = at(2026, 10, 31, 23, 59)
    columns = [Column("id", "序号"), Column("at", "时间", Fmt.DATETIME, 18), Column("reason", "原因", Fmt.TEXT, 24),
               Column("amount", "金额", Fmt.MONEY, 10), Column("rate", "比率", Fmt.PERCENT)]
    rows = ({"id": n, "at": moment, "reason": ["-2", "ok"][n % 2], "amount": Decimal("20.00"),
             "rate": None if n % 3 else Decimal("0.8333")} for n in range(1, entries + 1))
    summary = Section("summary", title, columns[:1] + columns[3:],
                      [{"id": 1, "amount": Decimal("12.5"), "rate": Decimal("0.8333")}],
                      total={"amount": Decimal("12.5")})
    return Assessment(period="2026-10", unit=None, start=moment, end=moment, generated_at=moment, ring_limit=10,
                      sections=[summary, Section("entries", title, columns, rows, streamed=True)])


def test_a_long_ledger_streams_into_the_xlsx_with_progress():
    seen: list[int] = []
    book = load_workbook(io.BytesIO(write(synthetic(12_000), "xlsx", progress=seen.append)), read_only=True)
    sheet = book[book.sheetnames[1]]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 12_001 and rows[-1][0] == 12_000
    assert rows[1][2] == "ok" and rows[2][2] == "'-2" and rows[3][4] == pytest.approx(0.8333)
    assert seen == sorted(set(seen)) and seen[-1] == 99
    assert len([p for p in seen if 55 < p < 95]) >= 5  # the bar moves while the detail streams


def test_sheet_names_are_valid_and_unique():
    title = "Penalties [by rule]: a/b*c?d\\e and a title far longer than Excel allows"
    assessment = synthetic(3, title=title)
    book = load_workbook(io.BytesIO(write(assessment, "xlsx")))
    names = book.sheetnames[:2]
    assert len(set(names)) == 2
    for name in names:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_csv_formats_money_percent_and_local_time():
    rows = read_csv(write(synthetic(3), "csv"))
    assert ["1", "12.50", "83.33%"] in rows
    assert [str(writers.TOTAL), "12.50", ""] in rows
    assert ["3", "2026-10-31 23:59:00", "ok", "20.00", "83.33%"] in rows
    assert ["1", "2026-10-31 23:59:00", "ok", "20.00", ""] in rows
    assert ["2", "2026-10-31 23:59:00", "'-2", "20.00", ""] in rows


def test_pdf_of_awkward_text_and_a_number_first_section():
    """Markup characters are printed as they are; a section whose first column is a number still gets 合计."""
    text = pdf_text(write(synthetic(3, title="A <b>&amp; [title]"), "pdf"))
    assert "A <b>&amp; [title]" in text and str(writers.TOTAL) in text and "83.33%" in text


def test_an_empty_month_still_makes_every_file(org, people):
    def assessment():
        return monthly_assessment(period="2025-01", unit=org.city)

    book = load_workbook(io.BytesIO(write(assessment(), "xlsx")))
    ledger = book[str(assessment().section("entries").title)]
    assert [c.value for c in next(ledger.iter_rows(max_row=1))] == [str(c.title) for c in LEDGER_COLUMNS]
    assert ledger.max_row == 1  # the header, no entries
    assert read_csv(write(assessment(), "csv"))[0] == [str(assessment().sections[0].title)]
    assert str(assessment().section("penalties").title) in pdf_text(write(assessment(), "pdf"))
