"""The HTTP API under gunicorn (issue 9): throughput and latency per endpoint at concurrency 1, 10 and 50.

The app runs as in production — ``gunicorn contactcenter.wsgi`` on 127.0.0.1 with ``DEBUG`` off, the bench
``SECRET_KEY``, persistent database connections (``CONN_MAX_AGE`` 60 s) and no access log — against the bench
database. The load comes from **wrk** (Debian's wrk 4: C, epoll, a single thread holds every connection, so it
takes a few per cent of one core where a Python client would measure itself), with a Lua script per endpoint
that varies every request: a token among 50 agents, the caller (half of them existing customers, half new
numbers: the customer lookup and creation), the order among 20,000 open ones (a sample), the queue filters
(owner, state and kind of a sampled order). Each endpoint is driven at 1, 10 and 50 concurrent connections for
a fixed time, after a warm-up, in rounds (every endpoint and concurrency once per round, so a slow moment of the
shared machine hits all of them alike); a figure is the median of the rounds, with the spread. Latencies are
wrk's, from the request written to the response read (p50/p95/p99 of the run). Every response must be 2xx
(the floor: 403), counted by the script.

The *floor* is what the framework costs without the app's work: an authenticated request (token) that DRF
answers 403 (a user without permissions listing work orders): the token and its user, the permissions (one
query), the middleware stack, the JSON error. The issue measured ~2,000/s with 2 workers on this machine idle.

Queries per request are counted in-process (Django's test client, ``CaptureQueriesContext``) for one request of
each endpoint; ``tests/tickets/test_query_counts.py`` asserts they do not grow with the data.
"""

# The endpoints (Lua and in-process), fixtures and server settings are in api_requests.py, shared with the load
# and helpdesk suites; this module runs the rounds and writes the section.
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import http
from ..measure import Block, Check, Figure, Section
from .api_requests import (
    ENDPOINTS,
    Endpoint,
    InProcess,
    expect_lua,
    lua_data,
    prepare_fixtures,
    quiet,
    server_config,
    server_env,
)

SECONDS = float(os.environ.get("BENCH_API_SECONDS", "5"))  # each timed run
WARM_UP_S = float(os.environ.get("BENCH_API_WARMUP", "2"))  # once per endpoint and concurrency, first round
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", "3"))
CONCURRENCY = (1, 10, 50)
JUDGED_AT = 10  # the targets are judged at this concurrency


@dataclass
class Cell:
    """One endpoint at one concurrency: a wrk result per round."""

    endpoint: Endpoint
    connections: int
    runs: list[http.WrkResult] = field(default_factory=list)

    def med(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def spread(self, attr: str, fmt: str = "{:,.0f}") -> str:
        values = [getattr(r, attr) for r in self.runs]
        return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def run(ctx) -> Section:
    from django.test.utils import override_settings

    section = Section(title="HTTP API under gunicorn (issue 9)", intro=__doc__.split("\n\n", 1)[1].strip())
    started = time.perf_counter()
    log = ctx.log
    if not http.wrk_available():
        section.checks.append(Check("wrk is installed (apt-get install wrk)", False, "not found on PATH: nothing "
                                    "measured"))
        return section
    background = http.background_busy()
    log(f"bench: api: the machine is {background * 100:.0f} % busy before the suite starts")
    fx = prepare_fixtures(log)

    # Queries per request, in-process (the floor's 403s are not logged as warnings meanwhile).
    rows, query_blocks = [], []
    with override_settings(ALLOWED_HOSTS=["testserver"]), quiet("django.request"):
        inproc = InProcess(fx)
        for ep in ENDPOINTS:
            variants = [("", False)] + ([(" (new customer)", True)] if ep.key in ("create", "call") else [])
            for suffix, new in variants:
                count, sqls, status, calls = inproc.queries(ep.key, new_customer=new)
                rows.append((ep.title + suffix, count, status, calls))
                query_blocks.append(f"-- {ep.title}{suffix}: {count} queries (status {status})\n"
                                    + "\n".join(s[:160] for s in sqls))
    query_table = ["| request | SQL queries | Python function calls | status |", "|---|---:|---:|---:|"]
    query_table += [f"| {title} | {count} | {calls:,} | {status} |" for title, count, status, calls in rows]

    config = server_config()
    env = server_env(ctx.database_url)
    cells = {(ep.key, c): Cell(ep, c) for ep in ENDPOINTS for c in CONCURRENCY}
    warm_bad: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    data_lua = lua_data(fx)
    wrk_out: list[str] = []  # wrk's own output of every run, for api-wrk.txt
    log(f"bench: api: gunicorn with {config.text}; {len(ENDPOINTS)} endpoints × {CONCURRENCY} connections "
        f"× {ROUNDS} rounds of {SECONDS:g} s (+ {WARM_UP_S:g} s warm-up each in the first round) …")
    with http.Gunicorn(repo=ctx.repo, config=config, log=log, env=env) as server:
        wrk_out.append(f"# {' '.join(server.command)}\n")
        for round_no in range(ROUNDS):
            for ep in ENDPOINTS:
                script = data_lua + ep.lua + expect_lua(ep)
                for c in CONCURRENCY:
                    if round_no == 0 and WARM_UP_S > 0:
                        warm = http.run_wrk(url=server.url, script=script, connections=c, seconds=WARM_UP_S,
                                            workdir=workdir)
                        if warm.errors:
                            warm_bad.append(f"{ep.key} c={c} warm-up: {warm.errors} ({warm.sample[:120]})")
                        wrk_out.append(f"# {ep.key}, {c} connections, warm-up\n{warm.stdout}")
                        server.wait_idle()
                    result = http.run_wrk(url=server.url, script=script, connections=c, seconds=SECONDS,
                                          server=server, workdir=workdir)
                    cells[(ep.key, c)].runs.append(result)
                    wrk_out.append(f"# round {round_no + 1}: {ep.key}, {c} connections\n{result.stdout}")
                    server.wait_idle()  # what wrk left queued is served before the next run starts
                    log(f"bench: api: round {round_no + 1} {ep.key:7s} c={c:<3d} {result.rps:7.0f}/s p50 "
                        f"{_ms(result.p50_ms)} p95 {_ms(result.p95_ms)} p99 {_ms(result.p99_ms)} ms"
                        + (f", {result.errors} errors ({result.sample[:100]})" if result.errors else ""))
        server_tail, server_log = server.tail(), server.error_text()
    shutil.rmtree(workdir, ignore_errors=True)
    section.files["api-wrk.txt"] = "\n".join(wrk_out)
    if server_log.strip():
        section.files["api-gunicorn-errors.log"] = server_log

    # Figures: the targets (at JUDGED_AT connections) and the floor.
    for ep in ENDPOINTS:
        cell = cells[(ep.key, JUDGED_AT)]
        if ep.target_rps or ep.key == "floor":
            section.figures.append(Figure(f"{ep.title}, {JUDGED_AT} connections: throughput", "requests/s",
                                          [r.rps for r in cell.runs], target=ep.target_rps, higher_is_better=True,
                                          note=f"`{ep.request}`"))
        if ep.target_p95:
            section.figures.append(Figure(f"{ep.title}, {JUDGED_AT} connections: p95 latency", "ms",
                                          [r.p95_ms for r in cell.runs], target=ep.target_p95,
                                          note=f"`{ep.request}`"))

    table = ["| endpoint | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx / errors | "
             "gunicorn CPU per request | wrk CPU | machine busy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for ep in ENDPOINTS:
        for c in CONCURRENCY:
            cell = cells[(ep.key, c)]
            total = sum(r.requests for r in cell.runs)
            errors = sum(r.errors for r in cell.runs)
            server_ms = sum(r.server_cpu_s for r in cell.runs) / total * 1000 if total else 0.0
            wrk_share = sum(r.wrk_cpu_s for r in cell.runs) / sum(r.seconds for r in cell.runs)
            table.append(
                f"| {ep.title} | {c} | {cell.spread('rps')} | {cell.spread('p50_ms', '{:.1f}')} | "
                f"{cell.spread('p95_ms', '{:.1f}')} | {cell.spread('p99_ms', '{:.1f}')} | "
                f"{max(r.max_ms for r in cell.runs):.0f} | {errors} of {total:,} | {server_ms:.1f} ms | "
                f"{wrk_share * 100:.0f} % of a core | {cell.med('machine_busy') * 100:.0f} % |")

    bad = [f"{key} c={c}: {sum(r.errors for r in cell.runs)} ({next((r.sample for r in cell.runs if r.sample), '…')})"
           for (key, c), cell in cells.items() if any(r.errors for r in cell.runs)]
    total_requests = sum(r.requests for cell in cells.values() for r in cell.runs)
    section.checks.append(Check("Every API response under load was 2xx (the floor: 403), no socket error or timeout",
                                not bad and not warm_bad,
                                "; ".join((bad + warm_bad)[:4])[:600] or f"{total_requests:,} timed requests"))

    # What bounds a missed target, and where the time goes (profiles).
    missed = [f for f in section.figures if f.verdict == "FAIL"]
    for ep in ENDPOINTS:
        if not any(f.name.startswith(ep.title + ",") for f in missed):
            continue
        cell = cells[(ep.key, JUDGED_AT)]
        total = sum(r.requests for r in cell.runs)
        cpu_ms = sum(r.server_cpu_s for r in cell.runs) / total * 1000 if total else 0.0
        rps = cell.med("rps")
        section.notes.append(
            f"**{ep.title} missed its target** at {JUDGED_AT} connections ({rps:,.0f}/s, p95 "
            f"{cell.med('p95_ms'):.0f} ms): gunicorn spent {cpu_ms:.1f} ms of CPU per request, so the 2 cores "
            f"could not serve more than {2000 / cpu_ms:,.0f}/s even with PostgreSQL and everything else idle"
            if cpu_ms else f"**{ep.title} missed its target**")
        if ep.target_p95:
            section.notes[-1] += (f"; with {JUDGED_AT} requests in flight, each waits for the others: "
                                  f"{JUDGED_AT} ÷ {rps:,.0f}/s ≈ {JUDGED_AT / rps * 1000:.0f} ms on average "
                                  "(Little's law)" if rps else "")
        section.notes[-1] += ". Its in-process profile is below."
    if missed:
        with override_settings(ALLOWED_HOSTS=["testserver"]), quiet("django.request"):
            for ep in ENDPOINTS:
                if any(f.name.startswith(ep.title + ",") for f in missed):
                    section.blocks.append(Block(f"{ep.title}: MISSED THE TARGET — where one request spends its "
                                                "time in-process (cProfile)", inproc.profile(ep.key)))

    env_text = ", ".join(f"{k}={v}" for k, v in env.items() if k != "DATABASE_URL")
    section.intro += "\n\n" + "\n".join([
        f"Server: `gunicorn contactcenter.wsgi` with **{config.text}** ({env_text}); each timed run "
        f"{SECONDS:g} s, {ROUNDS} rounds, warm-up {WARM_UP_S:g} s. A cell is the median of the rounds "
        "(min–max in brackets). *gunicorn CPU per request* is the master's and workers' CPU time over the "
        "requests served (PostgreSQL's is not in it); *machine busy* is the share of both cores busy during the "
        "run, everything included (the other sessions on this shared machine too).",
        "",
        *table,
        "",
        f"**The machine was {background * 100:.0f} % busy with other work** (both cores, sampled for 3 s before the "
        "suite started): the figures are only as steady as that allows.",
        "",
        "Queries per request (one request each, in-process, after a warm-up request; the Python function calls "
        "of the same request, counted by cProfile, measure the work whatever the machine's speed):",
        "",
        *query_table,
    ])
    section.blocks.append(Block("The SQL of each request (in-process, first 160 characters of each statement)",
                                "\n\n".join(query_blocks), lang="sql", collapsed=True, raw=True))
    if server_tail.strip():
        section.blocks.append(Block("gunicorn's error log (last lines)", server_tail, collapsed=True, raw=True))
    floor_rps = cells[("floor", JUDGED_AT)].med("rps")
    create_rps = cells[("create", JUDGED_AT)].med("rps")
    if floor_rps and create_rps:
        section.notes.append(
            f"Against the floor measured in the same rounds ({floor_rps:,.0f}/s at {JUDGED_AT} connections), order "
            f"creation runs at **{create_rps / floor_rps * 100:.0f} % of the floor's rate**; the issue's target asks "
            "for 20 % (400/s against the ~2,000/s floor it measured), a ratio that does not depend on how fast the "
            "shared machine happens to be.")
    section.notes.append("The machine has 2 cores shared by gunicorn, PostgreSQL, wrk and whatever else runs: at "
                         f"{JUDGED_AT} and more connections the server is CPU-bound, so throughput is the "
                         "machine's, and the latency at 50 connections is mostly queueing (Little's law: "
                         "p50 ≈ connections ÷ throughput).")
    section.duration_s = time.perf_counter() - started
    return section
