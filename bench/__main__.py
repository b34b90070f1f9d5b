"""``python -m bench``: build the bench database and data set, run the suites, write ``BENCHMARKS.md``.

``make bench`` runs ``bench/services.sh`` first (PostgreSQL and Redis up), then this. ``BENCHMARKS.md`` keeps the
summary, the method and the plans; the full report of the run and the raw tool output go to
``var/bench/<UTC time>/`` (``--run-dir``), which ``BENCHMARKS.md`` names.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from . import config, pg

REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    from .suites import registry

    suites = registry()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "7")),
                        help="timed runs per measurement (default 7; env BENCH_REPEAT)")
    parser.add_argument("--only", action="append", choices=sorted(suites),
                        help="run only this suite (repeatable); an existing --output keeps every other section: the "
                        "suites run replace theirs, their Summary rows and checks (see bench/report.py merge)")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md", help="default: BENCHMARKS.md")
    parser.add_argument("--run-dir", type=Path, default=None,
                        help="where the full report and the raw output go (default: var/bench/<UTC time>)")
    parser.add_argument("--skip-process", action="store_true",
                        help="skip timing `manage.py sweep_deadlines` as a separate process")
    parser.add_argument("--keep-data", action="store_true", default=os.environ.get("BENCH_KEEP_DATA", "") == "1",
                        help="keep the bench database and the data set an earlier run left in it (no drop, no "
                        "generation: minutes saved), for suites that do not need it fresh, e.g. --only live "
                        "(env BENCH_KEEP_DATA=1); the report says so")
    parser.add_argument("--strict", action="store_true", default=os.environ.get("BENCH_STRICT", "") == "1",
                        help="exit 1 when a target or check fails (env BENCH_STRICT=1)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    started_at, started = dt.datetime.now(dt.UTC), time.perf_counter()
    run_dir = (args.run_dir or REPO / "var" / "bench" / f"{started_at:%Y%m%dT%H%M%SZ}").resolve()
    sizes = config.Sizes.from_env()
    url = config.database_url()
    config.configure_django_environment(url)
    if args.keep_data:
        log(f"bench: database {url.rsplit('/', 1)[-1]!r} kept with its data set (--keep-data)")
    else:
        log(f"bench: database {pg.recreate_database(url)!r} dropped and created")

    import django
    from django.core.management import call_command

    django.setup()
    from . import machine, report
    from .datagen import Generator, kept_data_set
    from .measure import Stopwatch
    from .suites import Context

    with Stopwatch() as sw:
        call_command("migrate", verbosity=0, interactive=False)
    migrate_s = sw.seconds
    log(f"bench: migrated in {migrate_s:.1f} s")
    info = machine.describe()
    if args.keep_data:
        data = kept_data_set(sizes, url)
        log(f"bench: data set kept: {data.counts.get('tickets_workorder', 0):,} work orders")
    else:
        data = Generator(sizes, log=log).build()
        log(f"bench: data set ready in {data.seconds:.0f} s")

    ctx = Context(data=data, sizes=sizes, repeat=args.repeat, database_url=url, repo=REPO, python=sys.executable,
                  log=log, options={"skip_process": args.skip_process})
    # In the registry's order whatever the order of --only (suites rely on what the earlier ones left).
    sections = [suites[name](ctx) for name in suites if not args.only or name in args.only]

    commands = [
        "make bench",
        "# which runs:",
        "bash bench/services.sh     # PostgreSQL (cluster, role app/app) and Redis up on 127.0.0.1",
        f"BENCH_DATABASE_URL={url} .venv/bin/python -m bench"
        + (f" --repeat {args.repeat}" if args.repeat != 7 else ""),
        "# measured in-process: kpi.sweeps.sweep_deadlines(now=...) on DATABASE_URL=<that URL>",
        "# and as processes: /usr/bin/time -v .venv/bin/python manage.py sweep_deadlines",
        "# the monthly report, one process per run: .venv/bin/python -m bench.report_runner --period … --format …",
        "# over HTTP (api, load): .venv/bin/gunicorn contactcenter.wsgi --bind 127.0.0.1:<free port> --workers …,",
        "# driven by wrk with Lua scripts (api), by .venv/bin/locust -f bench/locustfile.py --headless (load)",
        "# side by side (helpdesk): the same, alternating with var/bench-helpdesk/venv/bin/gunicorn",
        "# bench.helpdesk_site.wsgi (django-helpdesk in its own virtualenv, database bench_helpdesk)",
        "# live (issue 20): that gunicorn and .venv/bin/uvicorn contactcenter.asgi:application (CHANNEL_LAYER_URL on",
        "# the local Redis), 500 console sockets and the 1 s poll from .venv/bin/python -m bench.live_load",
    ]
    total_s = time.perf_counter() - started
    full_path, output = run_dir / "full-report.md", args.output.resolve()
    rendered = {full: report.render(started=started_at, total_s=total_s, machine=info, data=data, sections=sections,
                                    commands=commands, migrate_s=migrate_s, full=full, full_report=_shown(full_path),
                                    short_report=_shown(output))
                for full in (True, False)}
    report.write(full_path, rendered[True])
    for section in sections:
        for name, content in section.files.items():
            report.write(run_dir / name, content)
    existing = output.read_text(encoding="utf-8") if args.only and output.exists() else ""
    if "\n## Summary" in existing:  # --only: the other suites' results of the last whole run stay
        sizes_text = "" if sizes.is_default else f" at reduced sizes ({sizes}), not comparable with the targets"
        flags = " ".join(f"--only {name}" for name in args.only) + (" --keep-data" if args.keep_data else "")
        note = (f"by `python -m bench {flags}` on "
                f"{started_at:%Y-%m-%d %H:%M} UTC, "
                + ("on the data set an earlier run left in the database (`--keep-data`: "
                   f"{data.counts.get('tickets_workorder', 0):,} work orders)" if args.keep_data else
                   f"on a data set generated afresh for that run{sizes_text} "
                   f"(G = {data.generated_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC)")
                + f"; its full report: `{_shown(full_path)}`. The rest of this file is the whole run described above.")
        report.write(output, report.merge(existing, rendered[False], sections, note=note))
    else:
        report.write(output, rendered[False])

    failures = []
    log("")
    log("bench: results")
    for section in sections:
        for f in section.figures:
            verdict = f" [{f.verdict} {f.target.text}]" if f.target else ""
            log(f"  {f.name}: median {f.median:,.2f} {f.unit} (min {f.minimum:,.2f}, max {f.maximum:,.2f}){verdict}")
            if f.verdict == "FAIL":
                failures.append(f.name)
        for c in section.checks:
            log(f"  [{c.verdict}] {c.name} ({c.detail})")
            if not c.passed:
                failures.append(c.name)
    for name, passed, detail in data.checks:
        if not passed:
            log(f"  [FAIL] data: {name} ({detail})")
            failures.append(name)
    log(f"bench: the full report and the raw output are in {_shown(run_dir)}/")
    log(f"bench: wrote {args.output} in {total_s / 60:.1f} min; "
        + (f"{len(failures)} FAIL" if failures else "every target and check PASS"))
    return 1 if failures and args.strict else 0


def _shown(path: Path) -> str:
    """A path as the reports name it: relative to the repository when inside it."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
