"""Live updates (issue 20): 500 agents' consoles on WebSockets, a call logged through the API pushed to its agent's
console, against the 1-second poll those 500 consoles make without a socket.

Two servers against the bench database, each a process group of its own, as in production: the API under gunicorn
(the API suite's workers, ``DEBUG`` off, Redis as the cache) and the live service, ``uvicorn
contactcenter.asgi:application`` (one process, ``--ws websockets-sansio``, as ``bin/run-local`` and the ``live``
service of ``docker-compose.yml`` start it), both with ``CHANNEL_LAYER_URL`` on the local Redis: a commit in
gunicorn rings the bell (``contactcenter.live.ring_bell``) through ``channels-redis``, the live process's tailer
reads the outbox once and hands the event to the socket it is for (``tickets.live.ConsoleConsumer``), which sends
what the poll would answer. The agents are the data set's (each with their history of calls) and as many new ones
as it takes (``bench-live-…``, role agent, a seat each), signed in through Django's test client
(``Client.force_login``: a session row, as a login makes it).

The load is a separate process (``python -m bench.live_load``, asyncio, loopback only, every step under a hard
timeout; see that module): it opens every console's socket as the page does (the session cookie, the site's
``Origin``), waits until each has its first message, lets them sit idle, logs the calls through ``POST
/api/v1/calls/`` as the telephony system does (the telephony account's token, one call every 1/rate s, each for the
next agent in turn, whatever the answers) and times each call's arrival on its agent's console; then closes the
sockets and has the same consoles poll ``/console/incoming/?after=…`` as ``static/js/console.js`` does without a
socket: a request, its answer, one second, the next. CPU is each server's process group's (``/proc``: user +
system), as a share of one core; memory is the live process's resident set (``VmRSS``).
"""

import importlib
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from .. import http
from ..measure import Block, Check, Figure, Section, Target, percentile
from .api_requests import server_config, server_env

CONSOLES = int(os.environ.get("BENCH_LIVE_CONSOLES", "500"))
CALLS = int(os.environ.get("BENCH_LIVE_CALLS", "1000"))
RATE = float(os.environ.get("BENCH_LIVE_RATE", "25"))  # calls logged per second
IDLE_S = float(os.environ.get("BENCH_LIVE_IDLE_SECONDS", "10"))  # quiet before the calls, as between calls at night
WARM_CALLS = 40  # before the idle period: the API workers' first requests (not measured)
POLL_S = float(os.environ.get("BENCH_LIVE_POLL_SECONDS", "30"))
POLL_WARMUP_S = 5.0
POLL_MS = 1000  # static/js/console.js: POLL_MS
DRAIN_S = 5.0  # after the last API answer: the calls still missing then are lost
CHANNEL_LAYER_URL = os.environ.get("BENCH_CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/3")  # not the tests' db 0
NEW_AGENT = "bench-live-{:03d}"
NEW_SEATS = 20000  # bench-live-001 sits at 20001
WALLBOARD_RUNS = int(os.environ.get("BENCH_WALLBOARD_RUNS", "30"))

PUSH_P95 = Target(limit=300.0, text="p95 under 300 ms", on_p95=True)
PUSH_P99 = Target(limit=1000.0, text="p99 under 1 s", on_p99=True)
WALLBOARD_P95 = Target(limit=50.0, text="p95 under 50 ms", on_p95=True)


def hard_timeout() -> float:
    """The load process's whole budget: connecting, idle, the calls and their drain, polling, plus slack."""
    return 120 + 2 * IDLE_S + (WARM_CALLS + CALLS) / RATE + 120 + 2 * DRAIN_S + POLL_WARMUP_S + POLL_S + 60


def prepare(log) -> dict:
    """``CONSOLES`` agents able to take calls, each with a seat and a signed-in session; a telephony account's
    token; the newest call's id (the ``after`` the console page starts from)."""
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    from contactcenter.tokens import issue_token
    from tickets.models import User
    from tickets.selectors.console import last_call_id

    group = Group.objects.get(name="agent")
    agents = list(User.objects.filter(groups=group, is_active=True).exclude(seat="")
                  .exclude(username__startswith="bench-").order_by("id")[:CONSOLES])
    generated = len(agents)
    if len(agents) < CONSOLES:
        unit = agents[0].unit_id if agents else None
        names = [NEW_AGENT.format(i) for i in range(1, CONSOLES - len(agents) + 1)]
        have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        new = []
        for i, name in enumerate(names, 1):
            if name not in have:
                user = User(username=name, seat=str(NEW_SEATS + i), unit_id=unit, is_active=True)
                user.set_unusable_password()
                new.append(user)
        User.objects.bulk_create(new)
        added = list(User.objects.filter(username__in=names).order_by("username"))
        group.user_set.add(*added)
        agents += added
    sessions = []
    for agent in agents:  # a login as the test client makes it: a session row, the configured backend
        client = Client()
        client.force_login(agent)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    telephony, created = User.objects.get_or_create(username="bench-live-telephony")
    if created:
        telephony.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="tickets", codename__in=["add_call", "view_call", "log_any_call"]))
    log(f"bench: live: {len(agents)} agents signed in ({generated} of the data set, {len(agents) - generated} new)")
    return {"agents": [{"username": a.username, "session": s} for a, s in zip(agents, sessions, strict=True)],
            "generated": generated, "telephony_token": issue_token(telephony)[1], "after": last_call_id(),
            "cookie_name": settings.SESSION_COOKIE_NAME}


def wallboard(ctx) -> tuple[list[Figure] | None, str, Block | None]:
    """The wallboard's refresh (``kpi.wallboard.figures(now=None)``) in-process, ``WALLBOARD_RUNS`` calls after a
    warm-up, Django's cache cleared before each (the figures are computed, never read back). Returns the figures
    (its query set, the whole call) and the queries of one refresh with their times; or None, why not and None when
    ``kpi.wallboard`` is not there (yet)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        module = importlib.import_module("kpi.wallboard")
    except ModuleNotFoundError as missing:
        if missing.name not in ("kpi.wallboard", "kpi"):
            raise
        return None, "`kpi.wallboard` does not exist in this tree", None
    figures = getattr(module, "figures", None)
    if figures is None:
        return None, "`kpi.wallboard` has no `figures()`", None
    cache.clear()
    figures(now=None)  # warm: imports, the first connection's catalog look-ups
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        figures(now=None)
    count = len(captured.captured_queries)
    # The target is the refresh's query set (issue 20): the time its queries spend in the database driver, summed
    # per refresh (``connection.execute_wrapper``); the whole call, Python included, is shown beside it.
    query_set = Figure("Wallboard refresh: its query set at 1,000,000 orders (SQL time per refresh)", "ms",
                     target=WALLBOARD_P95,
                     note=f"in-process on the bench data set, {WALLBOARD_RUNS} refreshes after a warm-up, "
                     f"`django.core.cache.cache.clear()` before each (the ring limit and the departments' names "
                     f"read again); {count} SQL queries per refresh, their execution times summed")
    whole = Figure("Wallboard refresh: the whole `kpi.wallboard.figures()` call (cache cleared before each)", "ms",
                   note="the same refreshes, timed around the call (the queries, building the figures in Python)")
    spent: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    for _ in range(WALLBOARD_RUNS):
        cache.clear()
        spent.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            figures(now=None)
        whole.samples.append((time.perf_counter() - started) * 1000)
        query_set.samples.append(sum(spent) * 1000)
    cache.clear()
    ctx.log(f"bench: live: wallboard refresh queries median {query_set.median:.1f} ms, p95 {query_set.p95:.1f} ms; "
            f"the whole call median {whole.median:.1f} ms")
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    block = Block("The wallboard refresh's queries (one refresh after the warm-up, the slowest first; seconds as "
                  "Django timed them)", "\n\n".join(f"-- {q['time']} s\n{q['sql']}" for q in queries), lang="sql",
                  collapsed=True)
    return [query_set, whole], "", block


def _pct(cpu_s: float, seconds: float) -> float:
    return cpu_s / seconds * 100 if seconds else 0.0


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def run(ctx) -> Section:
    section = Section(title="Live updates: 500 consoles pushed over WebSockets, against 1 s polling (issue 20)",
                      intro=__doc__.split("\n\n", 1)[1].strip())
    started = time.perf_counter()
    log = ctx.log

    board, board_missing, board_queries = wallboard(ctx)
    background = http.background_busy()
    fx = prepare(log)
    env = {**server_env(ctx.database_url), "CHANNEL_LAYER_URL": CHANNEL_LAYER_URL}
    config = server_config()
    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    cfg_path, out_path = workdir / "load.json", workdir / "result.json"
    log(f"bench: live: {CONSOLES} consoles on uvicorn, {CALLS} calls at {RATE:g}/s through gunicorn with "
        f"{config.text}, then {POLL_S:g} s of polling …")
    command = [ctx.python, "-m", "bench.live_load", str(cfg_path), str(out_path)]
    with http.Gunicorn(repo=ctx.repo, config=config, log=log, env=env) as web, \
            http.Uvicorn(repo=ctx.repo, log=log, env=env) as live:
        origin = web.url  # the pages' origin: the site, an allowed host
        pids = {"live": live.pid, "web": web.proc.pid}
        cfg_path.write_text(json.dumps({
            **fx, "api": web.url, "live": live.ws_url, "origin": origin, "pids": pids,
            "calls": CALLS, "warm_calls": WARM_CALLS, "rate": RATE, "idle_seconds": IDLE_S, "settle_seconds": 3.0,
            "drain_seconds": DRAIN_S,
            "connect_timeout": 120, "poll_ms": POLL_MS, "poll_seconds": POLL_S, "poll_warmup": POLL_WARMUP_S,
            "hard_timeout": hard_timeout()}), encoding="utf-8")
        try:
            proc = subprocess.run(command, cwd=ctx.repo, capture_output=True, text=True, timeout=hard_timeout() + 30)
            load_output = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as expired:  # the load process is killed by run()
            load_output = f"killed after {expired.timeout:.0f} s"
        web_log, live_log = web.error_text(), live.error_text()
        live_command, web_command = live.command, web.command
    result = json.loads(out_path.read_text(encoding="utf-8")) if out_path.exists() else {"error": load_output[-1000:]}
    for path in (cfg_path, out_path):
        path.unlink(missing_ok=True)
    workdir.rmdir()
    if web_log.strip():
        section.files["live-gunicorn-errors.log"] = web_log
    if live_log.strip():
        section.files["live-uvicorn-errors.log"] = live_log
    if load_output.strip():
        section.files["live-load-output.txt"] = load_output

    _report(section, result, fx, config, background, board, board_missing)
    _listener(section, live_log, result)
    if board_queries is not None:
        section.blocks.insert(0, board_queries)
    section.intro += "\n\n" + "\n".join([
        "Commands (ports chosen free on 127.0.0.1):",
        "",
        "```sh",
        " ".join(web_command),
        " ".join(live_command),
        f"CHANNEL_LAYER_URL={CHANNEL_LAYER_URL}  # both servers; CACHE_URL={env['CACHE_URL']}",
        f".venv/bin/python -m bench.live_load <load.json> <result.json>  # {CONSOLES} consoles, {CALLS} calls at "
        f"{RATE:g}/s, {POLL_S:g} s of polling",
        "```",
    ])
    section.duration_s = time.perf_counter() - started
    return section


def _report(section: Section, r: dict, fx: dict, config, background: float, board, board_missing: str) -> None:
    n = len(fx["agents"])
    if board is not None:
        section.figures.extend(board)
    else:
        section.notes.append(f"**The wallboard's refresh (target under 50 ms at 1,000,000 orders) is not measured**: "
                             f"{board_missing}. The hook is `bench.suites.live.wallboard`: once `kpi.wallboard` "
                             "with `figures(*, now=None) -> dict` exists, this suite times it.")
    if "error" in r:
        section.checks.append(Check("The live load ran to the end", False, r["error"][:600]))
    connected = r.get("connected", 0)
    section.checks.append(Check(f"All {n} consoles connected (session cookie, the site's Origin) and got the state now "
                                "(no calls yet)", connected == n and r.get("first_messages_ok", 0) == n,
                                f"{connected} of {n} connected, {r.get('first_messages_ok', 0)} first messages as "
                                "expected" + (f"; errors: {'; '.join(r['connect_errors'])}"
                                              if r.get("connect_errors") else "")))
    rows = r.get("calls_rows", [])
    created = [row for row in rows if row["status"] == 201]
    arrived = [row for row in created if row["from_start_ms"] is not None]
    if rows:
        bad = [row for row in rows if row["status"] != 201]
        section.checks.append(Check("Every call logged through the API was answered 201", not bad,
                                    f"{len(created)} of {len(rows)}" + (f"; first: {bad[0]['status']} "
                                                                        f"{bad[0]['error'][:160]}" if bad else "")))
        lost = len(created) - len(arrived)
        section.checks.append(Check(
            "Every call reached its agent's console, and no other console (none lost)",
            not lost and not r.get("calls_misdelivered") and created and not r.get("closed_early_count"),
            f"{len(arrived)} of {len(created)} arrived within {DRAIN_S:g} s of the last API answer, "
            f"{r.get('calls_misdelivered', 0)} on another agent's console, {r.get('closed_early_count', 0)} sockets "
            "closed during the run" + (f" ({'; '.join(r['closed_early'])})" if r.get("closed_early") else "")))
    if arrived:
        from_start = [row["from_start_ms"] for row in arrived]
        from_response = [row["from_response_ms"] for row in arrived]
        api_ms = [row["api_ms"] for row in created]
        note = (f"{len(arrived)} calls at {RATE:g}/s over {n} consoles; from the start of the API request (the "
                "connection, the API's own work and its commit included) to the message on the agent's socket")
        section.figures.append(Figure(f"Call through the API → its agent's console over WebSocket ({n} consoles), "
                                      "p95", "ms", from_start, target=PUSH_P95, note=note))
        section.figures.append(Figure(f"Call through the API → its agent's console over WebSocket ({n} consoles), "
                                      "p99", "ms", from_start, target=PUSH_P99, note="the same calls"))
        section.figures.append(Figure("Call → console, counted from the API's response", "ms", from_response,
                                      note="the same calls; negative when the push came before the API's answer "
                                      "was read"))
        section.figures.append(Figure(f"`POST /api/v1/calls/` with {n} consoles connected", "ms", api_ms,
                                      note="request start to response read, connection included"))
    rss0, rss1 = r.get("rss_before_kib", 0), r.get("rss_connected_kib", 0)
    if rss0 and rss1 and connected:
        section.figures.append(Figure("Live service memory per idle connection", "KiB",
                                      [(rss1 - rss0) / connected],
                                      note=f"uvicorn's RSS {rss0 / 1024:.1f} MiB after one socket came and went, "
                                      f"{rss1 / 1024:.1f} MiB with {connected} idle consoles: the difference ÷ "
                                      f"{connected}; {r.get('rss_idle_kib', 0) / 1024:.1f} MiB after the idle "
                                      f"period, {r.get('rss_after_calls_kib', 0) / 1024:.1f} MiB after the calls, "
                                      f"{r.get('rss_closed_kib', 0) / 1024:.1f} MiB once every socket was closed"))
    idle, calls, poll = r.get("idle"), r.get("calls"), r.get("poll")
    if idle:
        section.figures.append(Figure(f"Live service CPU, {connected} idle sockets", "% of a core",
                                      [_pct(idle["live_cpu_s"], idle["seconds"])],
                                      note=f"over {idle['seconds']:.0f} s; the tailer reads the outbox once a second "
                                      "while sockets are open"))
    if calls:
        section.figures.append(Figure(f"Live service CPU while {RATE:g} calls/s are pushed", "% of a core",
                                      [_pct(calls["live_cpu_s"], calls["seconds"])],
                                      note=f"over the {calls['seconds']:.0f} s of the calls and their delivery"))
    if poll:
        section.figures.append(Figure(f"Polling: requests answered per second ({n} consoles, once a second)",
                                      "requests/s", [poll["requests"] / poll["seconds"]], higher_is_better=True,
                                      note=f"{poll['requests']:,} requests in {poll['seconds']:.0f} s, "
                                      f"{poll['ok']:,} answered 200"))
        section.figures.append(Figure(f"Polling: gunicorn CPU ({n} consoles)", "% of a core",
                                      [_pct(poll["web_cpu_s"], poll["seconds"])],
                                      note=f"master and workers ({config.text}), nothing else happening"))
        polls_ok = poll["requests"] > 0 and poll["ok"] == poll["requests"]
        section.checks.append(Check("Polling: every poll answered 200", polls_ok,
                                    f"{poll['ok']:,} of {poll['requests']:,}; statuses {poll['statuses']}"))

    # The comparison, as one table.
    table = ["| | push: the live service, sockets open | polling: gunicorn, the 1 s poll |", "|---|---|---|"]
    if idle and poll:
        lat = poll["latencies_ms"]
        offered = n * 1000 / POLL_MS
        table += [
            f"| requests to the servers while nothing happens | 0 (the server pings each socket every 20 s) | "
            f"**{poll['requests'] / poll['seconds']:,.0f}/s** answered of the {offered:,.0f}/s {n} consoles would "
            "make at one a second |",
            f"| server CPU while nothing happens | **{_pct(idle['live_cpu_s'], idle['seconds']):.1f} %** of a core "
            f"(uvicorn, {connected} idle sockets) | **{_pct(poll['web_cpu_s'], poll['seconds']):.0f} %** of a core "
            f"(gunicorn, {config.text}) |",
            f"| the machine (2 cores, PostgreSQL and everything else included) | {idle['machine_busy'] * 100:.0f} % "
            f"busy | {poll['machine_busy'] * 100:.0f} % busy |",
            f"| this load process's CPU | {_pct(idle['load_cpu_s'], idle['seconds']):.1f} % of a core | "
            f"{_pct(poll['load_cpu_s'], poll['seconds']):.0f} % of a core |",
            f"| memory | {(r.get('rss_connected_kib', 0) - r.get('rss_before_kib', 0)) / 1024:.1f} MiB more for "
            f"{connected} sockets (uvicorn RSS {r.get('rss_connected_kib', 0) / 1024:.0f} MiB) | gunicorn's workers, "
            "whatever the number of consoles |",
        ]
        if calls and arrived:
            from_start = [row["from_start_ms"] for row in arrived]
            table.append(
                f"| a call on the console | p50 {_ms(statistics.median(from_start))} / p95 "
                f"{_ms(percentile(from_start, 95))} / p99 {_ms(percentile(from_start, 99))} / max "
                f"{_ms(max(from_start))} ms after the API request started; uvicorn "
                f"{_pct(calls['live_cpu_s'], calls['seconds']):.1f} % of a core and gunicorn "
                f"{_pct(calls['web_cpu_s'], calls['seconds']):.0f} % (logging the calls) at {RATE:g} calls/s | "
                f"the next poll brings it: on average half the interval plus a poll "
                f"(p50 {_ms(statistics.median(lat))}, p95 {_ms(percentile(lat, 95))} ms under this load), "
                f"≈ {POLL_MS / 2 + statistics.median(lat):,.0f} ms |" if lat else "| |")
    section.intro += "\n\n" + "\n".join([
        f"**{n} consoles** ({fx['generated']} agents of the data set, {n - fx['generated']} new); {WARM_CALLS} calls "
        f"to warm the API's workers (delivered, not measured), {IDLE_S:g} s of quiet, then **{CALLS:,} calls** "
        f"at {RATE:g}/s, each for the next agent in turn; polling measured over "
        f"{POLL_S:g} s after {POLL_WARMUP_S:g} s of warm-up. gunicorn with {config.text}; the machine was "
        f"{background * 100:.0f} % busy with other work before the suite started (both cores, 3 s).",
        "",
        *table,
    ])
    if r.get("connect_times_s"):
        times = r["connect_times_s"]
        connect = r.get("connect", {})
        section.notes.append(f"Connecting the {len(times)} consoles ({25} handshakes at a time) took "
                             f"{connect.get('seconds', 0):.1f} s: a socket's handshake and first message p50 "
                             f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; uvicorn "
                             f"used {connect.get('live_cpu_s', 0):.1f} s of CPU for it (sign-in by the session, the "
                             "permission, the state now: a few queries per socket)")
    if poll:
        section.notes.append(f"The polling consoles opened {poll.get('connections', 0):,} connections for "
                             f"{poll.get('all_requests', 0):,} requests, warm-up included (gunicorn's sync workers "
                             "close each connection after its response; a threaded or proxied server would keep "
                             "them alive)")
    section.notes.append("Latencies are measured in the load process: its event loop notices a message a little "
                         "after it arrives when it is busy, so they are on the high side, not the low")
    if r.get("calls_rows"):
        lines = ["phase\tconsole\tcall id\tstatus\tapi ms\tfrom start ms\tfrom response ms"]
        lines += ["\t".join([phase, str(row["console"]), str(row["id"]), str(row["status"]), _cell(row["api_ms"]),
                             _cell(row["from_start_ms"]), _cell(row["from_response_ms"])])
                  for phase in ("warm", "calls") for row in r.get(f"{phase}_rows", [])]
        section.files["live-calls.tsv"] = "\n".join(lines) + "\n"
    extra = {k: v for k, v in r.items() if k not in ("calls_rows", "warm_rows", "connect_times_s", "poll")}
    if poll:
        extra["poll"] = {k: v for k, v in poll.items() if k != "latencies_ms"}
    section.blocks.append(Block("What the load process measured (without the per-call rows and latencies)",
                                json.dumps(extra, indent=1, ensure_ascii=False), lang="json", collapsed=True,
                                raw=True))


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


LISTENER_ERROR = "live: channel layer unavailable"


def _listener(section: Section, live_log: str, r: dict) -> None:
    """Did the live process hear every bell? ``contactcenter.live.Tailer._listen`` logs each time its wait on the
    channel layer fails (then sleeps 5 s, the tailer reading the outbox on its 1 s timer meanwhile); and when were
    the calls that came late (over the p95 target)."""
    failures = live_log.count(LISTENER_ERROR)
    timeouts = live_log.count("Timeout reading from")
    crashed = live_log.count("Exception in ASGI application")
    section.checks.append(Check("The live service heard the bell throughout and no socket ended in an error (no "
                                "channel layer error, no exception in uvicorn's log)", failures == 0 and crashed == 0,
                                f"{failures} × “{LISTENER_ERROR}”, {crashed} × “Exception in ASGI application” (a "
                                f"consumer ended, its socket dropped), {timeouts} redis read timeouts in all"))
    rows = [row for row in r.get("calls_rows", []) if row["from_start_ms"] is not None]
    late = [n for n, row in enumerate(rows) if row["from_start_ms"] >= PUSH_P95.limit]
    if late:
        section.notes.append(
            f"**{len(late)} of {len(rows)} calls took {PUSH_P95.limit:.0f} ms or more** to reach their console; they "
            f"were logged between {late[0] / RATE:.1f} s and {late[-1] / RATE:.1f} s after the first call (the calls "
            f"came at {RATE:g}/s after {IDLE_S:g} s of quiet)")
    if timeouts:
        section.notes.append(
            "**Why the live service missed bells**: redis-py 8 reads with a 5 s socket timeout by default "
            "(`redis._defaults.DEFAULT_SOCKET_TIMEOUT`), and channels-redis waits for a message in `BZPOPMIN` with its "
            "own 5 s timeout (`RedisChannelLayer.brpop_timeout`): after 5 s without a bell the read times out before "
            "Redis answers, `contactcenter.live.Tailer._listen` logs “channel layer unavailable” and sleeps 5 s, and "
            "meanwhile a call waits for the tailer's 1 s timer. So after every quiet moment of 5 s the live process "
            "is deaf for 5 s (production's `CHANNEL_LAYER_URL=redis://redis:6379/2` as much as here). The same "
            "timeout reaches the consumers: with a channel layer configured, every Channels consumer also receives "
            "on a channel of its own (one `BZPOPMIN` per process, shared), and the consumer whose turn it is ends "
            "with the exception (uvicorn: “Exception in ASGI application”), its socket dropped without a close "
            "frame: the page falls back to polling and reconnects. A bare "
            "channels-redis layer on `redis://127.0.0.1:6379/3?socket_timeout=10` waits as it should (checked by "
            "hand): a socket timeout above `brpop_timeout` in the URL, or in a hosts dict of `CHANNEL_LAYERS`, or "
            "`_listen` not sleeping after a timeout, would fix it; this suite measures the configuration as shipped")
