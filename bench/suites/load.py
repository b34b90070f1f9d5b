"""The load test (issue 8): 200 agents at peak for 2 minutes, against gunicorn on loopback.

``locust --headless`` (one process, FastHttpUser: gevent and a C HTTP client) runs ``bench/locustfile.py``:
each simulated agent takes call after call — the telephony system logs it, the agent looks at the queue, then
creates an order (70 %), opens an order and urges it (20 %) or looks one up through the API (10 %), with
think times between (see the locustfile). The agents are spawned at 20 a second, the statistics are reset once
all 200 run, and the test goes on for 2 minutes from there. Same server and data as the API suite (gunicorn,
``DEBUG`` off, the bench database). Every response must be 2xx: the error rate must be 0.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import http
from ..measure import Block, Check, Figure, Section
from . import api_requests as api

USERS = int(os.environ.get("BENCH_LOAD_USERS", "200"))
SPAWN_RATE = 20
STEADY_S = int(os.environ.get("BENCH_LOAD_SECONDS", "120"))


def _locust() -> str | None:
    candidate = Path(sys.executable).parent / "locust"  # the bench's own virtualenv ([bench] extra)
    return str(candidate) if candidate.exists() else shutil.which("locust")


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines())) if path.exists() else []


def _float(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def run(ctx) -> Section:
    section = Section(title="Load test: 200 agents at peak (issue 8)", intro=__doc__.split("\n\n", 1)[1].strip())
    started = time.perf_counter()
    log = ctx.log
    locust = _locust()
    if locust is None:
        section.checks.append(Check("locust is installed (pip install -e '.[bench]')", False, "not found: nothing "
                                    "measured"))
        return section
    background = http.background_busy()
    fx = api.prepare_fixtures(log)
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    data_path = workdir / "data.json"
    data_path.write_text(json.dumps(fx.as_dict(), ensure_ascii=False), encoding="utf-8")
    spawn_s = USERS / SPAWN_RATE
    run_time = int(spawn_s + STEADY_S)
    server_config = api.server_config()
    env = api.server_env(ctx.database_url)
    prefix = workdir / "locust"
    command = [locust, "-f", str(ctx.repo / "bench" / "locustfile.py"), "--headless", "--users", str(USERS),
               "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{run_time}s", "--reset-stats", "--only-summary",
               "--csv", str(prefix), "--loglevel", "WARNING"]
    log(f"bench: load: {USERS} agents for {STEADY_S} s (+ {spawn_s:.0f} s spawning) against gunicorn with "
        f"{server_config.text} …")
    with http.Gunicorn(repo=ctx.repo, config=server_config, log=log, env=env) as server:
        server_cpu0 = server.cpu_seconds()
        busy0, total0 = http.machine_cpu()
        wall0 = time.perf_counter()
        proc = subprocess.Popen([*command, "--host", server.url], cwd=ctx.repo, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "BENCH_LOCUST_DATA": str(data_path)})
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.stdout.close()
        returncode = os.waitstatus_to_exitcode(status)
        busy1, total1 = http.machine_cpu()
        wall = time.perf_counter() - wall0
        server_cpu = server.cpu_seconds() - server_cpu0
        server_tail, server_log = server.tail(), server.error_text()
    section.files["load-locust.txt"] = f"# {' '.join(command)} --host {server.url}\n{output}"
    if server_log.strip():
        section.files["load-gunicorn-errors.log"] = server_log
    locust_cpu = usage.ru_utime + usage.ru_stime
    machine_busy = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0

    stats_path = Path(f"{prefix}_stats.csv")
    rows = _csv(stats_path)
    failure_rows = _csv(Path(f"{prefix}_failures.csv"))
    if not rows:
        shutil.rmtree(workdir, ignore_errors=True)
        section.checks.append(Check("The load test ran", False, f"locust exited {returncode}; no statistics: "
                                    f"{output[-500:]}"))
        section.duration_s = time.perf_counter() - started
        return section
    shutil.rmtree(workdir, ignore_errors=True)
    per_type = [r for r in rows if r["Name"] != "Aggregated"]
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    requests = int(total["Request Count"]) if total else 0
    failures = int(total["Failure Count"]) if total else 0

    table = ["| request | requests | failures | requests/s | p50 ms | p95 ms | p99 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in per_type + ([total] if total else []):
        name = "**all**" if r["Name"] == "Aggregated" else f"`{r['Name']}`"
        table.append(f"| {name} | {int(r['Request Count']):,} | {int(r['Failure Count'])} | "
                     f"{_float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | {r['99%']} | "
                     f"{_float(r['Max Response Time']):.0f} |")
    rps = _float(total["Requests/s"]) if total else 0.0
    section.figures.append(Figure("Load test: throughput (all request types)", "requests/s", [rps],
                                  higher_is_better=True,
                                  note=f"{USERS} agents, {requests:,} requests in {STEADY_S} s; what 200 agents at "
                                  "this pace offer (see the locustfile): the server is far from saturated"))
    if total:
        section.figures.append(Figure("Load test: p95 latency, all request types", "ms", [_float(total["95%"])],
                                      note=f"locust's p95 over every request of the {STEADY_S} s"))
    section.checks.append(Check("Load test: error rate 0 (every response 2xx)", requests > 0 and failures == 0,
                                f"{failures} failures of {requests:,} requests"
                                + (": " + "; ".join(f"{f['Method']} {f['Name']}: {f['Error'][:120]} ×"
                                                    f"{f['Occurrences']}" for f in failure_rows[:3])
                                   if failure_rows else "")))
    section.intro += "\n\n" + "\n".join([
        f"Server: gunicorn with **{server_config.text}**. Offered load: **{rps:.1f} requests/s** from {USERS} "
        f"agents (locust's own count over the {STEADY_S} s after spawning). CPU over the whole run "
        f"({wall:.0f} s): gunicorn {server_cpu:.0f} s ({server_cpu / wall * 100:.0f} % of one core), **locust "
        f"{locust_cpu:.0f} s ({locust_cpu / wall * 100:.0f} % of one core)**, the machine {machine_busy * 100:.0f} % "
        f"busy (both cores, everything on it — PostgreSQL and other sessions included; {background * 100:.0f} % "
        "before the test started, with other work only). Latencies are locust's "
        "(request sent to response read, in ms; its percentiles are rounded to 2 significant digits).",
        "",
        *table,
    ])
    if returncode not in (0, 1):  # locust exits 1 when a request failed: that is the check above
        section.blocks.append(Block(f"locust exited {returncode}", output[-3000:]))
    if server_tail.strip():
        section.blocks.append(Block("gunicorn's error log (last lines)", server_tail, collapsed=True, raw=True))
    section.duration_s = time.perf_counter() - started
    return section
