"""``BENCHMARKS.md`` and the run's full report, both written from scratch by every ``make bench`` run.

``BENCHMARKS.md`` (``full=False``) keeps the header, the Summary, the machine, how it was run, the data set and, per
section, its method, figures, checks, notes and the blocks not marked ``raw`` (the query plans; a line longer than
``CLIP`` characters is cut there). The full report (``full=True``, ``var/bench/<UTC time>/full-report.md``) has
everything besides: every run's value, the raw blocks, lines uncut. Raw tool output (``Section.files``) lies beside
the full report; both reports name the files.
"""

import datetime as dt
from collections import Counter
from pathlib import Path

from .datagen import DataSet
from .measure import Block, Figure, Section

CLIP = 2000  # characters of a block's line in BENCHMARKS.md (a bulk UPDATE's SQL is 23,000)


def _num(value: float, unit: str) -> str:
    if unit in ("entries/s", "rows/s", "requests/s"):
        return f"{value:,.0f}"
    if unit == "MiB":
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _figure_row(f: Figure) -> str:
    target = f.target.text if f.target else ""
    verdict = f"**{f.verdict}**" if f.verdict else ""
    spread = " / ".join(_num(v, f.unit) for v in (f.minimum, f.median, f.maximum))
    if f.target and f.target.on_p95:
        spread += f" (p95 {_num(f.p95, f.unit)})"
    if f.target and f.target.on_p99:
        spread += f" (p99 {_num(f.p99, f.unit)})"
    return f"| {f.name} | {len(f.samples)} | {spread} {f.unit} | {target} | {verdict} |"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def render(*, started: dt.datetime, total_s: float, machine: dict, data: DataSet, sections: list[Section],
           commands: list[str], migrate_s: float, full: bool = True, full_report: str = "",
           short_report: str = "") -> str:
    """``full_report``: where the full report of this run is (as the reader should find it: relative to the
    repository when inside); ``short_report``: where the short one is."""
    out: list[str] = []
    w = out.append
    w("# Benchmarks" if not full else "# Benchmarks: full report")
    w("")
    w(f"Written by `make bench` on {started:%Y-%m-%d %H:%M} UTC (the whole run took {_duration(total_s)}). "
      + ("Each run writes its own folder" if full else "Every run overwrites this file")
      + "; do not edit it by hand. Targets are those of issues 3, 6, 7 and 9.")
    files = sorted(name for section in sections for name in section.files)
    beside = (f", with the raw tool output beside it ({', '.join(f'`{n}`' for n in files)})" if files else "")
    if full:
        w("")
        w(f"This is the **full report** of the run: every run's value, the raw output and the plans in full. "
          f"`{short_report or 'BENCHMARKS.md'}` keeps the summary, the method and the query plans.")
    elif full_report:
        w("")
        w(f"This file keeps the summary, the method, the figures and the query plans. The **full report** of this run "
          f"(every run's value, the commands' output, the per-request listings) was written to `{full_report}`"
          f"{beside}" + ("; `var/` is not committed." if full_report.startswith("var/") else "."))
    if not data.sizes.is_default:
        w("")
        w(f"> **Reduced sizes** ({data.sizes}): these figures are not comparable with the targets.")
    w("")

    w("## Summary")
    w("")
    w("| measurement | runs | min / median / max | target | verdict |")
    w("|---|---:|---|---|---|")
    for section in sections:
        for f in section.figures:
            if f.target:
                w(_figure_row(f))
    w("")
    w("A target is met only when every run is under it (the maximum, not the median), unless the target names the "
      "median, the p95 or the p99 (the 95th or 99th percentile, nearest rank, shown beside the maximum).")
    w("")
    for section in sections:
        for c in section.checks:
            w(f"- **{c.verdict}** {c.name} ({c.detail})")
    bad = [name for name, passed, _ in data.checks if not passed]
    w(f"- **{'FAIL' if bad else 'PASS'}** The generated data set passes its own checks"
      + (f" (failed: {', '.join(bad)})" if bad else "") + " (see Data set)")
    w("")

    w("## Machine and versions")
    w("")
    w(f"- CPU: {machine['cpu_model']}, {machine['cpus']} cores (`nproc`); memory {machine['memory']}")
    w(f"- OS: {machine['os']}, {machine['kernel']}")
    w(f"- Python {machine['python']}, Django {machine['django']}, psycopg2 {machine['psycopg2']}")
    w(f"- PostgreSQL {machine['postgresql']} on 127.0.0.1 (the Debian cluster, settings as installed): "
      + ", ".join(f"`{k}` = {v}" for k, v in machine["pg_settings"].items()))
    w("")

    w("## How it was run")
    w("")
    w("```sh")
    w("\n".join(commands))
    w("```")
    w("")
    w("Each run drops and creates the database `bench`, migrates it "
      f"({migrate_s:.1f} s), generates the data set below, then measures in-process with Django set up on "
      "that database (`DEBUG` off, so Django does not keep every query). Sizes can be lowered for a quick "
      "try (`BENCH_ORDERS`, `BENCH_DUE`, `BENCH_CUSTOMERS`, `BENCH_AGENTS`, `BENCH_LEDGER`); `python -m bench --help` "
      "lists the options.")
    w("")

    _data_section(w, data)
    for section in sections:
        _section(w, section, full=full)
    return "\n".join(out).rstrip() + "\n"


def _data_section(w, data: DataSet) -> None:
    s = data.sizes
    w("## Data set")
    w("")
    w(f"Generated at G = {data.generated_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC in "
      f"**{data.seconds:.0f} s**, with set-based SQL (`INSERT … SELECT … generate_series`; foreign-key "
      "triggers skipped during the load and every key checked afterwards; secondary indexes dropped and "
      "rebuilt around the big inserts), then `VACUUM (ANALYZE)` and `CHECKPOINT`. The random draws are "
      "seeded (`setseed`), so every run builds the same center relative to G.")
    w("")
    w("| table | rows |")
    w("|---|---:|")
    labels = {"tickets_unit": "units", "tickets_department": "departments",
              "tickets_user": "users (agents, shift leads, supervisors, a manager)",
              "tickets_customer": "customers", "tickets_workorder": "work orders (12 months)",
              "tickets_call": "calls", "tickets_callback": "callbacks (attempts)",
              "kpi_ledgerentry": "ledger entries (sweeps, events, manual, reversals)"}
    for table, label in labels.items():
        if table in data.counts:
            w(f"| {label} | {data.counts[table]:,} |")
    w(f"| due work orders at G | {s.due:,} |")
    w("")
    w("- **Work orders** are accepted over the 365 days before G; the center took over its county hotlines during "
      "the year, so the daily volume grows towards G (2.5 times the year's average at G, ∝ (1 − age/365 d)^1.5). "
      "Kinds repair 50 %, consultation 20 %, complaint 15 %, suggestion 10 %, report 5 %. Each went through its "
      "kind's machine as far as its age allowed, with the facts that path implies (dispatched, arrived, replied … "
      "at): older orders are archived (after their callback, when one was needed: reached, or three unreached "
      "attempts), recent ones open; 3 % stalled in an open state (the backlog), 1 % were cancelled as duplicates "
      "within half an hour, half of the consultations were answered on the call, 8 % of the complaint-like "
      "orders were reopened once by an unsatisfied callback. A strained center: nearly half of the arrival and "
      "callback deadlines and a third of the reply deadlines are missed (the shares below), so that the last "
      "complete month holds over 100,000 ledger entries (issue 7). Area types follow the customer (urban 60 %, rural "
      "30 %, remote 10 %); owners are the 300 agents; departments are those a dispatch would pick (county repair "
      "crew or marketing office, city supervision office or operations).")
    w("- **Calls**: the call each order was accepted on (answered at its owner's seat, from its customer), and "
      "half as many again: follow-ups, abandoned calls (half of them rang at a seat), silent, wrong-number and "
      "harassing calls; about 5 % of answered calls rang longer than 10 s (3 rings). **Callbacks**: one row per "
      "attempt, reached or not, with the ratings; repair and consultation customers are satisfied 80 % of the "
      "time, complaint-like ones unless the callback reopened the order.")
    w("- **Due columns** come from the active SLA policies in the database, working days included (the "
      "calendar table, through `tickets.calendar.add_working_days`); callback sampling is "
      "`WorkOrder.sample_for_callback` (sha256 of the number). A sample of orders is recomputed with the "
      "app's own `tickets.sla.recompute_deadlines` (check below).")
    w("- **next_due_at** is what the minutely sweep leaves: the earliest due time after G, NULL when nothing "
      f"is pending. The **{s.due:,} due orders** (every {s.orders // s.due}-th id) each have one deadline that "
      "passed, unmet, in the hour before G, and `next_due_at` still on it: 40 % repairs whose crew is not on "
      "site, 20 % repairs whose crew arrived late (the restore deadline is next), 20 % complaints not "
      "replied, 20 % complaints, reports and suggestions not called back (their reply deadline is next).")
    w("- **The ledger** holds what past sweeps posted: every deadline before G (before the hour, for the due "
      "orders) that was missed, every valid attitude finding and every call that rang too long at a seat "
      "(`ring_over_3`); kpi's event cursors (`ring_over_3`, `attitude_complaint`) stand at G, others start at "
      "the first sweep. Plus the shift leads' manual entries (one per 400 orders) and reversals of appeals "
      "upheld by a supervisor (one entry in 250). A sample is compared with what `kpi.sweeps` judges, and "
      "`kpi.events.judge_calls` re-reads the last two days (checks below).")
    w("")
    if data.shape:
        w("| over the year | share |")
        w("|---|---:|")
        for what, value in data.shape:
            w(f"| {what} | {value} |")
        w("")
    if data.month:
        w(f"| the report month {data.report_period} (the last complete month, Asia/Shanghai) | how many |")
        w("|---|---:|")
        for what, value in data.month:
            w(f"| {what} | {value} |")
        w("")
    w("| step | time | rows |")
    w("|---|---:|---:|")
    for step in data.steps:
        w(f"| {step.name} | {step.seconds:.1f} s | {'' if step.rows is None else f'{step.rows:,}'} |")
    w("")
    w("| check on the generated data | verdict | detail |")
    w("|---|---|---|")
    for name, passed, detail in data.checks:
        w(f"| {name} | **{'PASS' if passed else 'FAIL'}** | {detail} |")
    w("")
    for warning in data.warnings:
        w(f"> {warning}")
        w("")
    w("<details><summary>Orders by kind and state, and how many have a next_due_at (are in wo_next_due_idx)"
      "</summary>")
    w("")
    w("| kind | state | orders | with next_due_at |")
    w("|---|---|---:|---:|")
    for kind, state, n, with_due in data.mix:
        w(f"| {kind} | {state} | {n:,} | {with_due:,} |")
    w("")
    w("Sizes on disk: " + ", ".join(f"`{name}` {size}" for name, size in data.sizes_on_disk) + ".")
    w("")
    w("</details>")
    w("")


def _clipped(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if len(line) > CLIP:
            line = line[:CLIP] + f" … [{len(line) - CLIP:,} more characters: see the full report]"
        lines.append(line)
    return "\n".join(lines)


def _block(w, block: Block, *, full: bool) -> None:
    if block.collapsed:
        w(f"<details><summary>{block.title}</summary>")
        w("")
    else:
        w(f"### {block.title}")
        w("")
    w(f"```{block.lang}")
    w((block.text if full else _clipped(block.text)).rstrip())
    w("```")
    w("")
    if block.collapsed:
        w("</details>")
        w("")


def _section(w, section: Section, *, full: bool) -> None:
    w(f"## {section.title}")
    w("")
    if section.intro:
        w(section.intro)
        w("")
    if section.figures:
        w("| measurement | runs | min / median / max | target | verdict |")
        w("|---|---:|---|---|---|")
        for f in section.figures:
            w(_figure_row(f))
        w("")
        for f in section.figures:
            if f.note:
                w(f"- *{f.name}*: {f.note}.")
        w("")
        if full:
            w("Every run, in order:")
            w("")
            for f in section.figures:
                w(f"- {f.name} ({f.unit}): " + ", ".join(_num(v, f.unit) for v in f.samples))
            w("")
    if section.checks:
        w("| check | verdict | detail |")
        w("|---|---|---|")
        for c in section.checks:
            w(f"| {c.name} | **{c.verdict}** | {c.detail} |")
        w("")
    for note in section.notes:
        w(f"- {note}")
    if section.notes:
        w("")
    for block in section.blocks:
        if full or not block.raw:
            _block(w, block, full=full)
    left_out = [b.title for b in section.blocks if b.raw]
    if not full and (left_out or section.figures):
        parts = ["every run's value"] if section.figures else []
        counts = Counter(left_out)
        parts += [f"“{title}”" + (f" ({n} of them)" if n > 1 else "") for title, n in counts.items()]
        w(f"*In the full report only:* {', '.join(parts)}.")
        w("")
    if section.files:
        w("*Raw output of this section, beside the full report:* "
          + ", ".join(f"`{name}`" for name in sorted(section.files)) + ".")
        w("")
    if section.duration_s:
        w(f"*This section took {_duration(section.duration_s)}.*")
        w("")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# --- python -m bench --only …: the sections run, merged into the BENCHMARKS.md of an earlier full run -----------

UPDATED = "> **Re-measured since:** "  # the header's line for a section re-run alone


def _chunks(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The lines before the first ``## `` heading, and each ``## `` section as (title, its lines)."""
    head: list[str] = []
    chunks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            chunks.append((line[3:].strip(), [line]))
        elif chunks:
            chunks[-1][1].append(line)
        else:
            head.append(line)
    return head, chunks


def _table_names(lines: list[str], header: str) -> set[str]:
    """The first cells of the rows of the table that starts with ``header``."""
    names, inside = set(), False
    for line in lines:
        if line.startswith(header):
            inside = True
        elif inside and line.startswith("|---"):
            continue
        elif inside and line.startswith("| "):
            names.add(line[2:].split(" | ", 1)[0])
        elif inside:
            inside = False
    return names


def _is_check_line(line: str, names: set[str]) -> bool:
    return any(line.startswith(f"- **{verdict}** {name} (") for verdict in ("PASS", "FAIL") for name in names)


def merge(existing: str, update: str, sections: list[Section], *, note: str) -> str:
    """``existing`` (a ``BENCHMARKS.md`` written by a whole run) with the sections of ``update`` (written by a run
    of some suites only, ``--only``) put in place of theirs (or appended), their Summary rows and checks replaced
    (those of the earlier run of the same sections dropped, found by the names in that section's own tables), and
    ``note`` said in the header, once per section. The rest — the other sections, the machine, the data set of the
    whole run — is kept as it was."""
    head, chunks = _chunks(existing)
    _, new_chunks = _chunks(update)
    new = dict(new_chunks)
    titles = [s.title for s in sections]
    old = dict(chunks)
    figure_names, check_names = set(), set()
    for section in sections:
        figure_names |= {f.name for f in section.figures}
        check_names |= {c.name for c in section.checks}
        if section.title in old:  # what the earlier run of this section reported, renamed since or not
            figure_names |= _table_names(old[section.title], "| measurement |")
            check_names |= _table_names(old[section.title], "| check |")
    merged: list[tuple[str, list[str]]] = []
    for title, lines in chunks:
        if title == "Summary" and "Summary" in new:
            lines = _merge_summary(lines, new["Summary"], figure_names, check_names)
        elif title in titles and title in new:
            lines = new[title]
        merged.append((title, lines))
    for title in titles:
        if title not in old and title in new:
            if merged and merged[-1][1] and merged[-1][1][-1].strip():
                merged[-1][1].append("")
            merged.append((title, new[title]))
    head = [line for line in head if not any(line.startswith(f"{UPDATED}“{t}”") for t in titles)]
    while head and not head[-1].strip():
        head.pop()
    for title in titles:  # each a paragraph of its own
        head += ["", f"{UPDATED}“{title}” {note}"]
    head.append("")
    out = head + [line for _, lines in merged for line in lines]
    return "\n".join(out).rstrip() + "\n"


def _merge_summary(lines: list[str], new_lines: list[str], figures: set[str], checks: set[str]) -> list[str]:
    rows = [ln for ln in new_lines if ln.startswith("| ") and not ln.startswith("| measurement |")
            and ln[2:].split(" | ", 1)[0] in figures]
    bullets = [ln for ln in new_lines if _is_check_line(ln, checks)]
    kept = [ln for ln in lines if not (ln.startswith("| ") and ln[2:].split(" | ", 1)[0] in figures)
            and not _is_check_line(ln, checks)]
    last_row = max((i for i, ln in enumerate(kept) if ln.startswith("|")), default=None)
    if last_row is None:
        kept += ["", *rows]
        last_row = len(kept) - 1
    else:
        kept[last_row + 1:last_row + 1] = rows
        last_row += len(rows)
    # the checks: before the data set's own (the last bullet of the Summary), else after the last bullet
    data_bullet = next((i for i, ln in enumerate(kept) if ln.startswith("- **") and "generated data set" in ln), None)
    last_bullet = max((i for i, ln in enumerate(kept) if ln.startswith("- **")), default=None)
    at = data_bullet if data_bullet is not None else (last_bullet + 1 if last_bullet is not None else len(kept))
    kept[at:at] = bullets
    return kept
