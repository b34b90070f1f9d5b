"""The monthly assessment report 月度考核 (issues 7 and 9): XLSX, CSV and PDF of the last complete month
(Asia/Shanghai) for the whole center, on the generated data.

Every run is a fresh process (``/usr/bin/time -v python -m bench.report_runner``) doing what a report worker
does: ``kpi.reports.figures.monthly_assessment`` then ``kpi.reports.writers.write_report`` into a file, in
Chinese. The time is that of those two calls (what the person waiting for the report waits for; the process's
start-up is shown apart), the peak memory is the process's maximum resident set size as ``/usr/bin/time -v``
reports it (interpreter and Django included). Each format runs the bench's repetitions, fewer (never under 3)
when a run is slow. The report must reconcile: its penalty total equals the ledger's sum for the period, and the
XLSX's ledger detail holds every entry of the month.

*Storm*: issue 7's strict reading — a month of 1,000,000 orders and 100,000 ledger entries. In a copy of the bench
database (dropped afterwards), every generated order is moved into the report month, its facts, due times and
callbacks with it (one shift per order: what was late stays late), and every generated call likewise (one shift
per call): the 365 days before G are mapped linearly onto the month. The ledger is not touched (its entries of the
month stay those of the month). The XLSX is measured again on the copy.
"""

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .. import pg
from ..datagen import DUE_COLUMNS, FACT_COLUMNS, SPAN
from ..measure import Check, Figure, Section, Stopwatch, Target

FORMATS = ("xlsx", "csv", "pdf")
MIN_RUNS = 3
RUN_BUDGET_S = 120.0  # per format: as many runs as fit (at least MIN_RUNS, at most ctx.repeat)
STORM_RUNS = 3
TIME_TARGET = Target(limit=60.0, text="under 60 s")  # issue 7 (XLSX)
MEMORY_TARGET = Target(limit=300.0, text="under 300 MB")  # issue 7 (XLSX)


class RunnerFailed(RuntimeError):
    pass


def _report(ctx, period: str, fmt: str, out: Path, database_url: str) -> dict:
    """One report in a fresh process; the runner's JSON plus the process's wall time."""
    args = [ctx.python, "-m", "bench.report_runner", "--database-url", database_url, "--period", period,
            "--format", fmt, "--out", str(out)]
    time_bin = shutil.which("time", path="/usr/bin")
    with Stopwatch() as sw:
        proc = subprocess.run([time_bin, "-v", *args] if time_bin else args, cwd=ctx.repo, capture_output=True,
                              text=True, check=False)
    if proc.returncode != 0:
        raise RunnerFailed(f"`{' '.join(args[1:3])} … --format {fmt}` failed ({proc.returncode}): "
                           f"{proc.stderr[-800:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = sw.seconds
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr) if time_bin else None
    result["max_rss_kib"] = int(match.group(1)) if match else result["peak_kib"]  # else the runner's VmHWM
    return result


def _measure(ctx, period: str, fmt: str, workdir: Path, *, label: str, runs: int | None = None,
             targets: bool = False, database_url: str | None = None) -> tuple[list[Figure], list[dict]]:
    """Run the report ``runs`` times (or as many as the budget allows); its figures and every run's result."""
    results: list[dict] = []
    wanted = runs
    while wanted is None or len(results) < wanted:
        out = workdir / f"{label.replace(' ', '-')}-{len(results) + 1}.{fmt}"
        result = _report(ctx, period, fmt, out, database_url or ctx.database_url)
        result["path"] = str(out)
        results.append(result)
        ctx.log(f"bench: reports: {label} {fmt} run {len(results)}: {result['report_s']:.1f} s "
                f"(figures {result['figures_s']:.1f} s, file {result['write_s']:.1f} s), "
                f"peak {result['max_rss_kib'] * 1024 / 1e6:.0f} MB (VmHWM {result['peak_kib'] * 1024 / 1e6:.0f} MB), "
                f"file {result['bytes'] / 1e6:.1f} MB")
        if wanted is None:  # decided after the first run: as many as the budget allows, within [3, repeat]
            fit = int(RUN_BUDGET_S // max(result["process_s"], 0.1))
            wanted = min(ctx.repeat, max(MIN_RUNS, fit)) if ctx.repeat >= MIN_RUNS else ctx.repeat
    name = f"{label}: {fmt.upper()}"
    time_figure = Figure(f"{name}, time", "s", [r["report_s"] for r in results],
                         target=TIME_TARGET if targets else None,
                         note="`monthly_assessment` + `write_report` in a fresh process (start-up not counted)")
    memory_figure = Figure(f"{name}, peak memory", "MB", [r["max_rss_kib"] * 1024 / 1e6 for r in results],
                           target=MEMORY_TARGET if targets else None,
                           note="maximum resident set size of the process (`/usr/bin/time -v`), interpreter and "
                                "Django included")
    process_figure = Figure(f"{name}, whole process (real clock)", "s", [r["process_s"] for r in results])
    return [time_figure, memory_figure, process_figure], results


def _ledger_of(period: str) -> tuple:
    return pg.rows("""SELECT count(*) FILTER (WHERE kind <> 'reversal'), coalesce(sum(amount), 0),
                             coalesce(sum(amount) FILTER (WHERE kind <> 'reversal'), 0),
                             coalesce(sum(amount) FILTER (WHERE kind = 'reversal'), 0), count(*)
                      FROM kpi_ledgerentry WHERE period = %s""", [period])[0]


def _reconciles(results: list[dict], period: str, label: str) -> Check:
    """The penalty section's total and the units' total equal the ledger's sums for the period, in every run."""
    from decimal import Decimal

    count, net, penalties, reversals, _ = _ledger_of(period)
    wrong = [r["format"] for r in results
             if (int(r["penalties"]["count"]), Decimal(r["penalties"]["net"]), Decimal(r["penalties"]["penalties"]),
                 Decimal(r["penalties"]["reversals"]), Decimal(r["units_total"]["net"]))
             != (count, net, penalties, reversals, net)]
    return Check(f"{label}: the report's penalty total equals the ledger's sum for {period} (penalties, reversals, "
                 "net; by rule and by unit), in every run",
                 not wrong, f"ledger: {count:,} penalties, net {net:,.2f} yuan; "
                 + (f"differs in {len(wrong)} of {len(results)} runs ({', '.join(sorted(set(wrong)))})"
                    if wrong else f"{len(results)} runs agree"))


def _xlsx_contents(path: str) -> tuple[int, str | None, str]:
    """(rows of the ledger detail sheet, the penalties sheet's net total, the sheet names) read back from a file."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        names = book.sheetnames
        penalties, entries = book[names[3]], book[names[4]]  # agents, departments, units, penalties, entries, notes
        last = None
        for row in penalties.iter_rows(values_only=True):
            if any(v is not None for v in row):
                last = row
        header = next(penalties.iter_rows(min_row=1, max_row=1, values_only=True))
        net = last[len(header) - 1] if last else None
        detail = sum(1 for row in entries.iter_rows(min_row=2, values_only=True) if any(v is not None for v in row))
    finally:
        book.close()
    return detail, None if net is None else f"{net:.2f}", ", ".join(names)


def _rows_text(result: dict) -> str:
    return ", ".join(f"{key} {n:,}" for key, n in result["rows"].items())


def run(ctx) -> Section:
    started = time.perf_counter()
    period = ctx.data.report_period
    section = Section(title="The monthly assessment report (issues 7 and 9)",
                      intro=__doc__.split("\n\n", 1)[1].strip())
    count, net, _, _, entries = _ledger_of(period)
    ctx.log(f"bench: reports: {period}, whole center; the ledger holds {entries:,} entries of the period")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        workdir = Path(tmp)
        runs_of: dict[str, list[dict]] = {}
        try:
            for fmt in FORMATS:
                figures, runs_of[fmt] = _measure(ctx, period, fmt, workdir, label=period, targets=fmt == "xlsx")
                section.figures += figures
        except RunnerFailed as error:
            section.checks.append(Check("Every report run finished", False, str(error)[:400]))
            section.duration_s = time.perf_counter() - started
            return section
        every = [r for results in runs_of.values() for r in results]
        section.checks.append(_reconciles(every, period, period))
        detail, sheet_net, sheets = _xlsx_contents(runs_of["xlsx"][0]["path"])
        section.checks.append(Check(
            f"{period}: the XLSX, read back, lists every ledger entry of the period and its penalty sheet's net "
            "total is the ledger's",
            detail == entries and sheet_net == f"{net:.2f}",
            f"{detail:,} detail rows for {entries:,} entries; net {sheet_net} vs {net:,.2f}"))
        first = runs_of["xlsx"][0]
        section.notes += [
            f"Report month {period} (the last complete month before G, Asia/Shanghai), whole center: "
            f"{int(first['units_total']['accepted_total']):,} orders accepted, "
            f"{int(first['units_total']['calls_offered']):,} calls, {int(first['units_total']['surveyed']):,} "
            f"callbacks reached, {entries:,} ledger entries ({count:,} penalties), net {net:,.2f} yuan.",
            "Rows per section: " + _rows_text(first) + " (the PDF leaves the ledger detail out: "
            + _rows_text(runs_of["pdf"][0]) + ").",
            "File sizes (first run): " + ", ".join(
                f"{fmt.upper()} {runs_of[fmt][0]['bytes'] / 1e6:.1f} MB" for fmt in FORMATS)
            + f". XLSX sheets: {sheets}.",
            "Time split (medians): " + "; ".join(
                f"{fmt.upper()} figures {_median(runs_of[fmt], 'figures_s'):.1f} s + file "
                f"{_median(runs_of[fmt], 'write_s'):.1f} s, start-up {_median(runs_of[fmt], 'startup_s'):.1f} s"
                for fmt in FORMATS) + ".",
            "Peak memory right after Django's start-up, before the report (median, XLSX runs): "
            f"{_median(runs_of['xlsx'], 'peak_after_setup_kib') * 1024 / 1e6:.0f} MB.",
        ]
        _storm(ctx, section, period, workdir)
    section.duration_s = time.perf_counter() - started
    return section


def _median(results: list[dict], key: str) -> float:
    import statistics

    return statistics.median(r[key] for r in results)


def _storm_indexes(cur, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes of ``table`` that back no constraint (as datagen's)."""
    cur.execute("""SELECT c.relname, pg_get_indexdef(i.indexrelid)
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE i.indrelid = %s::regclass
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""", [table])
    return cur.fetchall()


def _storm_copy(url: str) -> tuple[str, object]:
    """A copy of the bench database (``<name>_storm``, file copy), and an admin connection to drop it with."""
    import psycopg2
    from django.db import connection
    from psycopg2 import sql

    name = urlsplit(url).path.lstrip("/")
    copy = f"{name}_storm"
    connection.close()  # a template must have no other session
    admin = psycopg2.connect(**pg._connect_params(url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
        cur.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
            sql.Identifier(copy), sql.Identifier(name)))
    return urlunsplit(urlsplit(url)._replace(path="/" + copy)), admin


def _storm(ctx, section: Section, period: str, workdir: Path) -> None:
    """The storm, in a copy of the bench database (dropped afterwards): the other suites' data stays as it is."""
    import psycopg2
    from psycopg2 import sql

    ctx.log("bench: reports: storm: copying the bench database …")
    try:
        with Stopwatch() as copying:
            url, admin = _storm_copy(ctx.database_url)
    except psycopg2.Error as error:
        section.checks.append(Check("The storm's copy of the bench database could be made", False,
                                    str(error).strip()[:300]))
        return
    conn = psycopg2.connect(**pg._connect_params(url, urlsplit(url).path.lstrip("/")))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            _storm_in(ctx, section, period, workdir, url, cur, copying.seconds)
    finally:
        conn.close()
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(urlsplit(url).path.lstrip("/"))))
        admin.close()


def _storm_in(ctx, section: Section, period: str, workdir: Path, url: str, cur, copy_s: float) -> None:
    from kpi.reports.figures import month_bounds

    g, sizes = ctx.data.generated_at, ctx.sizes
    start, end = month_bounds(period)
    calls, callbacks = ctx.data.counts.get("tickets_call", 0), ctx.data.counts.get("tickets_callback", 0)
    # t in [G − SPAN, G] → [start, end − 1 s], linearly, in float seconds (an interval scale would be rounded to
    # microseconds: seconds off at the month's end); each row moves by the shift of its anchor, kept in the month.
    t0, first, last = (g - SPAN).timestamp(), start.timestamp(), end.timestamp() - 1
    ratio = (last - first) / SPAN.total_seconds()

    def shift(anchor: str) -> str:
        mapped = f"{first!r} + (extract(epoch FROM {anchor}) - {t0!r}) * {ratio!r}"
        return f"(to_timestamp(LEAST({last!r}, GREATEST({first!r}, {mapped}))) - {anchor})"

    ctx.log(f"bench: reports: storm: copied in {copy_s:.0f} s; moving the {sizes.orders:,} generated orders (and "
            f"calls, callbacks) into {period} …")
    order_columns = (*FACT_COLUMNS, *DUE_COLUMNS, "next_due_at", "created_at", "updated_at")
    with Stopwatch() as sw:
        # The callbacks first: they move with their order, whose accepted_at is still the original.
        cur.execute(f"""UPDATE tickets_callback c SET made_at = c.made_at + {shift('w.accepted_at')}
                   FROM tickets_workorder w WHERE w.id = c.order_id AND c.id <= {callbacks}""")
        # Every SET expression sees the row as it was: the shift is computed from the original anchor each time.
        for table, update in (
            ("tickets_workorder", f"""UPDATE tickets_workorder SET {', '.join(
                f"{c} = {c} + {shift('accepted_at')}" for c in order_columns)} WHERE id <= {sizes.orders}"""),
            ("tickets_call", f"""UPDATE tickets_call SET {', '.join(
                f"{c} = {c} + {shift('ring_started_at')}"
                for c in ('ring_started_at', 'answered_at', 'ended_at', 'created_at'))} WHERE id <= {calls}"""),
        ):
            indexes = _storm_indexes(cur, table)  # rebuilt once afterwards: much faster than row by row
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            cur.execute("SET session_replication_role = replica")  # no per-row foreign-key triggers
            cur.execute(update)
            cur.execute("SET session_replication_role = DEFAULT")
            for _, statement in indexes:
                cur.execute(statement)
        for table in ("tickets_workorder", "tickets_call", "tickets_callback"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    cur.execute("""
        SELECT (SELECT count(*) FROM tickets_workorder WHERE accepted_at >= %(s)s AND accepted_at < %(e)s
                                                         AND state <> 'cancelled'),
               (SELECT count(*) FROM tickets_workorder WHERE id <= %(n)s AND state <> 'cancelled'),
               (SELECT count(*) FROM tickets_call WHERE ring_started_at >= %(s)s AND ring_started_at < %(e)s)""",
                {"s": start, "e": end, "n": sizes.orders})
    moved = cur.fetchone()
    ctx.log(f"bench: reports: storm: {sw.seconds:.0f} s; {moved[0]:,} orders and {moved[2]:,} calls in {period}")
    try:
        figures, results = _measure(ctx, period, "xlsx", workdir, label=f"storm {period}", runs=STORM_RUNS,
                                    targets=True, database_url=url)
    except RunnerFailed as error:
        section.checks.append(Check("Every storm report run finished", False, str(error)[:400]))
        return
    section.figures += figures
    section.checks.append(_reconciles(results, period, f"storm {period}"))
    accepted = int(results[0]["units_total"]["accepted_total"])
    section.checks.append(Check(
        f"storm {period}: every generated order (not cancelled) is in the month and in the report",
        moved[0] >= moved[1] and accepted == moved[0],
        f"{moved[1]:,} generated, {moved[0]:,} accepted in the month, {accepted:,} in the report"))
    section.notes += [
        f"Storm: copying the bench database took {copy_s:.0f} s, moving the data {sw.seconds:.0f} s (UPDATEs with "
        f"the secondary indexes dropped and rebuilt, VACUUM ANALYZE). The month then holds {moved[0]:,} orders and "
        f"{moved[2]:,} calls "
        f"(report: {int(results[0]['units_total']['calls_offered']):,} calls offered, "
        f"{int(results[0]['units_total']['surveyed']):,} callbacks reached); rows per section: "
        f"{_rows_text(results[0])}; XLSX {results[0]['bytes'] / 1e6:.1f} MB; time split (median): figures "
        f"{_median(results, 'figures_s'):.1f} s + file {_median(results, 'write_s'):.1f} s.",
        "The storm runs in a copy of the bench database (`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`), "
        "dropped afterwards: the suites after this one see the generated data as it was.",
    ]
