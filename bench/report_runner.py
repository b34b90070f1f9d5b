"""``python -m bench.report_runner``: one monthly assessment report, in a process of its own.

The reports suite starts this once per measured report, under ``/usr/bin/time -v``, so that the peak memory it
reads ("Maximum resident set size") is that of one report, not of the bench. The runner reports its own peak too,
as ``VmHWM`` (``/proc/self/status``): not ``getrusage``'s ``ru_maxrss``, which Linux carries over from the process
that forked it (``execve`` keeps the old image's high-water mark) and so would show the bench's own size.
It does what a report worker does (``kpi.reports.services._produce``): ``monthly_assessment`` for the whole
center, then ``write_report`` into a file, in the default language (Chinese). It prints one JSON line: the
seconds (Django start-up, figures, file), the peak memory, the rows of every section, the file's size and the
totals the suite reconciles with the ledger.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def _peak_kib() -> int:
    """This process's peak resident set size in KiB (VmHWM), or ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _counting(rows, counts: dict, key: str):
    counts[key] = 0
    for row in rows:
        counts[key] += 1
        yield row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_runner", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--format", choices=("xlsx", "csv", "pdf"), required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from bench import config

    config.configure_django_environment(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    from kpi.reports.figures import monthly_assessment
    from kpi.reports.writers import write_report

    ready = time.perf_counter()
    peak_ready = _peak_kib()
    rows: dict[str, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        assessment = monthly_assessment(period=args.period)
        figured = time.perf_counter()
        for section in assessment.sections:
            if section.streamed:
                section.rows = _counting(section.rows, rows, section.key)
            else:
                rows[section.key] = len(section.rows)
        with args.out.open("wb") as out:
            write_report(assessment, args.format, out, requested_by="bench")
    written = time.perf_counter()
    penalties, units = assessment.section("penalties").total, assessment.section("units").total
    print(json.dumps({
        "format": args.format,
        "startup_s": ready - started,
        "figures_s": figured - ready,
        "write_s": written - figured,
        "report_s": written - ready,
        "peak_kib": _peak_kib(),
        "peak_after_setup_kib": peak_ready,
        "rows": rows,
        "bytes": args.out.stat().st_size,
        "penalties": {key: str(penalties[key]) for key in ("count", "penalties", "reversals", "net")},
        "units_total": {key: str(units.get(key)) for key in (
            "net", "accepted_total", "calls_offered", "calls_answered", "calls_abandoned", "callbacks_due",
            "callbacks_done", "surveyed", "satisfied", "arrivals_due", "complaint_replies_due")},
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
