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

import contextlib
import cProfile
import io
import logging
import os
import pstats
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from .. import http, pg
from ..measure import Block, Check, Figure, Section, Target

SECONDS = float(os.environ.get("BENCH_API_SECONDS", "5"))  # each timed run
WARM_UP_S = float(os.environ.get("BENCH_API_WARMUP", "2"))  # once per endpoint and concurrency, first round
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", "3"))
CONCURRENCY = (1, 10, 50)
JUDGED_AT = 10  # the targets are judged at this concurrency
AGENTS = 50  # tokens (and sessions) of this many agents
ORDER_SAMPLE = 20_000
PHONE_SAMPLE = 2_000
QUEUE_SAMPLE = 500
# gunicorn: see the section's notes for the comparison that chose it; BENCH_API_SERVER=gthread:2:4 overrides.
DEFAULT_SERVER = http.ServerConfig(workers=2, worker_class="sync")  # one per core: measured best here

CREATE_P95 = Target(limit=100.0, text="p95 under 100 ms (median of the runs)", on_median=True)
PAGE_P95 = Target(limit=150.0, text="p95 under 150 ms (median of the runs)", on_median=True)


class AtLeast(Target):
    """A throughput target: the median of the runs must reach the limit."""

    def judged(self, samples: list[float]) -> float:
        return statistics.median(samples)

    def met(self, samples: list[float]) -> bool:
        return bool(samples) and self.judged(samples) >= self.limit


CREATE_RPS = AtLeast(limit=400.0, text="at least 400/s (median of the runs)")

DESCRIPTIONS = ["家中停电，空调不能用", "小区整体停电已经一个小时", "电表一直在跳", "门口电线被树压断",
                "电压忽高忽低，灯一闪一闪", "咨询峰谷电价怎么申请", "投诉抢修人员态度差", "建议增加缴费渠道"]
KIND_WEIGHTS = [("repair", 50), ("consultation", 20), ("complaint", 15), ("report", 5), ("suggestion", 10)]


@dataclass
class Fixtures:
    """What the load needs from the bench database: credentials and samples of real rows."""

    agents: list[str]  # usernames
    tokens: list[str]  # their API tokens, same order
    sessions: list[str]  # a logged-in session key of each
    telephony_token: str  # the service account that logs calls
    noperm_token: str  # a user without any permission (the floor)
    phones: list[str]  # existing customers' phones
    order_ids: list[int]  # open orders
    queues: list[tuple[str, str, str]]  # (owner username, state, kind) with orders
    session_cookie: str = "sessionid"
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"agents": self.agents, "tokens": self.tokens, "sessions": self.sessions,
                "telephony_token": self.telephony_token, "phones": self.phones, "order_ids": self.order_ids,
                "queues": self.queues, "session_cookie": self.session_cookie,
                "descriptions": DESCRIPTIONS, "kinds": KIND_WEIGHTS}


def prepare_fixtures(log=print) -> Fixtures:
    """Tokens and sessions for ``AGENTS`` generated agents, a telephony account, a user without permissions,
    and samples of phones, open orders and non-empty queues. Idempotent (the load suite reuses it)."""
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from tickets.models import User
    from tickets.selectors import OPEN_STATES

    agents = list(User.objects.filter(groups__name="agent", is_active=True).order_by("id")[:AGENTS])
    if not agents:
        raise RuntimeError("the bench data set has no agents")
    tokens = [Token.objects.get_or_create(user=a)[0].key for a in agents]
    sessions = []
    for agent in agents:  # a login as the test client makes it: a session row, the configured backend
        client = Client()
        client.force_login(agent)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)

    telephony, created = User.objects.get_or_create(username="bench-api-telephony")
    if created:
        telephony.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="tickets", codename__in=["add_call", "view_call", "log_any_call"]))
    noperm, _ = User.objects.get_or_create(username="bench-api-noperm")

    phones = [r[0] for r in pg.rows(
        "SELECT phone FROM tickets_customer TABLESAMPLE SYSTEM (5) REPEATABLE (9) LIMIT %s", [PHONE_SAMPLE])]
    if len(phones) < 10:
        phones = [r[0] for r in pg.rows("SELECT phone FROM tickets_customer ORDER BY id LIMIT %s", [PHONE_SAMPLE])]
    order_ids = [r[0] for r in pg.rows(
        "SELECT id FROM tickets_workorder WHERE state = ANY(%s) ORDER BY md5(id::text) LIMIT %s",
        [list(OPEN_STATES), ORDER_SAMPLE])]
    queues = [tuple(r) for r in pg.rows(
        """SELECT u.username, w.state, w.kind FROM tickets_workorder w JOIN tickets_user u ON u.id = w.owner_id
           WHERE w.id = ANY(%s) GROUP BY 1, 2, 3 ORDER BY md5(u.username || w.state || w.kind) LIMIT %s""",
        [order_ids[:5000], QUEUE_SAMPLE])]
    log(f"bench: api: {len(agents)} agents with tokens and sessions, {len(phones)} phones, {len(order_ids)} open "
        f"orders, {len(queues)} queues")
    return Fixtures(
        agents=[a.username for a in agents], tokens=tokens, sessions=sessions,
        telephony_token=Token.objects.get_or_create(user=telephony)[0].key,
        noperm_token=Token.objects.get_or_create(user=noperm)[0].key,
        phones=phones, order_ids=order_ids, queues=queues, session_cookie=settings.SESSION_COOKIE_NAME,
    )


# --- The endpoints: a Lua request() each (wrk), and the same request in-process (queries, profile). ----------


@dataclass
class Endpoint:
    key: str
    title: str
    request: str  # as shown in the report
    lua: str  # defines request()
    target_rps: Target | None = None
    target_p95: Target | None = None
    expect: tuple[int, int] = (200, 299)


def _lua_data(fx: Fixtures) -> str:
    kinds = [k for k, weight in KIND_WEIGHTS for _ in range(weight // 5)]
    return "\n".join([
        f"tokens = {http.lua_list(fx.tokens)}",
        f"agents = {http.lua_list(fx.agents)}",
        f"sessions = {http.lua_list(fx.sessions)}",
        f"phones = {http.lua_list(fx.phones)}",
        f"ids = {http.lua_list(fx.order_ids)}",
        f"queues = {http.lua_list([f'owner={o}&state={s}&kind={k}' for o, s, k in fx.queues])}",
        f"descriptions = {http.lua_list(DESCRIPTIONS)}",
        f"kinds = {http.lua_list(kinds)}",
        f"telephony = {http.lua_string(fx.telephony_token)}",
        f"noperm = {http.lua_string(fx.noperm_token)}",
        f"cookie_name = {http.lua_string(fx.session_cookie)}",
        """
function json_headers(token)
  return {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json",
          ["Accept"] = "application/json"}
end
function caller()
  -- half existing customers (found by phone), half new numbers (a customer record is created)
  if math.random() < 0.5 then return pick(phones) end
  return string.format("17%09d", math.random(0, 999999999))
end
function iso(seconds_ago) return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - seconds_ago) end
""",
    ])


ENDPOINTS = [
    Endpoint("floor", "Framework floor (authenticated, answered 403)", "GET /api/v1/work-orders/ as a user "
             "without permissions", """
function request()
  return wrk.format("GET", "/api/v1/work-orders/", {["Authorization"] = "Token " .. noperm,
                    ["Accept"] = "application/json"})
end
""", expect=(403, 403)),
    Endpoint("create", "Create a work order", "POST /api/v1/work-orders/ {kind, description, caller_number}", """
function request()
  local body = '{"kind":"' .. pick(kinds) .. '","description":"' .. pick(descriptions) ..
               '","caller_number":"' .. caller() .. '"}'
  return wrk.format("POST", "/api/v1/work-orders/", json_headers(pick(tokens)), body)
end
""", target_rps=CREATE_RPS, target_p95=CREATE_P95),
    Endpoint("urge", "Fire a transition (urge)", "POST /api/v1/work-orders/{id}/transitions/urge/ on up to "
             "20,000 open orders", """
function request()
  return wrk.format("POST", "/api/v1/work-orders/" .. pick(ids) .. "/transitions/urge/",
                    json_headers(pick(tokens)), '{"note":"客户来电催办"}')
end
"""),
    Endpoint("call", "Log a call", "POST /api/v1/calls/ (the telephony account)", """
function request()
  local body = '{"caller_number":"' .. caller() .. '","ring_started_at":"' .. iso(40) ..
               '","answered_at":"' .. iso(35) .. '","ended_at":"' .. iso(1) .. '","agent":"' .. pick(agents) .. '"}'
  return wrk.format("POST", "/api/v1/calls/", json_headers(telephony), body)
end
"""),
    Endpoint("queue", "Queue with filters", "GET /api/v1/work-orders/?owner=…&state=…&kind=… (first page of 50)",
             """
function request()
  return wrk.format("GET", "/api/v1/work-orders/?" .. pick(queues), json_headers(pick(tokens)))
end
""", target_p95=PAGE_P95),
    Endpoint("detail", "Order (API)", "GET /api/v1/work-orders/{id}/", """
function request()
  return wrk.format("GET", "/api/v1/work-orders/" .. pick(ids) .. "/", json_headers(pick(tokens)))
end
""", target_p95=PAGE_P95),
    Endpoint("page", "Order page (HTML, session)", "GET /orders/{id}/ with a session cookie", """
function request()
  return wrk.format("GET", "/orders/" .. pick(ids) .. "/", {["Cookie"] = cookie_name .. "=" .. pick(sessions)})
end
""", target_p95=PAGE_P95),
]


def _expect_lua(endpoint: Endpoint) -> str:
    """The statuses this endpoint answers when it works (the floor: 403), for bench.http's response()."""
    lo, hi = endpoint.expect
    return f"\nexpect_lo, expect_hi = {lo}, {hi}\n"


# --- In-process: queries per request and a profile -------------------------------------------------------


class InProcess:
    """The same requests through Django's test client (no network, no WSGI server)."""

    def __init__(self, fx: Fixtures) -> None:
        from django.test import Client

        self.fx = fx
        self.n = 0
        self.token = Client(HTTP_AUTHORIZATION=f"Token {fx.tokens[0]}")
        self.telephony = Client(HTTP_AUTHORIZATION=f"Token {fx.telephony_token}")
        self.noperm = Client(HTTP_AUTHORIZATION=f"Token {fx.noperm_token}")
        self.session = Client()
        self.session.cookies[fx.session_cookie] = fx.sessions[0]

    def call(self, key: str, new_customer: bool = False):
        from django.utils import timezone

        self.n += 1
        n, fx = self.n, self.fx
        order = fx.order_ids[(n * 7919) % len(fx.order_ids)]
        phone = f"16{n:09d}" if new_customer else fx.phones[n % len(fx.phones)]
        if key == "floor":
            return self.noperm.get("/api/v1/work-orders/")
        if key == "create":
            return self.token.post("/api/v1/work-orders/", {"kind": "repair", "description": DESCRIPTIONS[0],
                                                            "caller_number": phone},
                                   content_type="application/json")
        if key == "urge":
            return self.token.post(f"/api/v1/work-orders/{order}/transitions/urge/", {"note": "催办"},
                                   content_type="application/json")
        if key == "call":
            now = timezone.now()
            return self.telephony.post("/api/v1/calls/", {
                "caller_number": phone, "agent": fx.agents[0], "ended_at": now.isoformat(),
                "ring_started_at": (now - timedelta(seconds=40)).isoformat(),
                "answered_at": (now - timedelta(seconds=35)).isoformat()}, content_type="application/json")
        if key == "queue":
            owner, state, kind = fx.queues[n % len(fx.queues)]
            return self.token.get(f"/api/v1/work-orders/?owner={owner}&state={state}&kind={kind}")
        if key == "detail":
            return self.token.get(f"/api/v1/work-orders/{order}/")
        if key == "page":
            return self.session.get(f"/orders/{order}/")
        raise ValueError(key)

    def queries(self, key: str, new_customer: bool = False) -> tuple[int, list[str], int, int]:
        """(queries, their SQL, the status, Python function calls) of one request, after a warm-up request.
        The function calls (counted by cProfile) measure the Python work whatever the machine's speed."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.call(key)  # warm: the first request of a client fills caches
        with CaptureQueriesContext(connection) as captured:
            response = self.call(key, new_customer=new_customer)
        sqls = [q["sql"] for q in captured.captured_queries]  # before the next request resets the query log
        profiler = cProfile.Profile()
        profiler.runcall(self.call, key, new_customer=new_customer)
        calls = pstats.Stats(profiler).total_calls
        return len(sqls), sqls, response.status_code, calls

    def profile(self, key: str, requests: int = 30) -> str:
        self.call(key)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            self.call(key)
        profiler.disable()
        elapsed = (time.perf_counter() - started) / requests * 1000
        out = io.StringIO()
        out.write(f"{requests} requests in-process, {elapsed:.1f} ms each under the profiler (wall time: "
                  "`execute` and `commit` are the waits for PostgreSQL)\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(20)
        out.write("The app's own functions and DRF's view and serializer steps, by cumulative time:\n")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
            r"/(tickets|contactcenter)/|rest_framework/(views|serializers|authentication|permissions)\.py", 30)
        root = str(Path(__file__).resolve().parents[2]) + "/"
        return re.sub(r"\S*/site-packages/", "", out.getvalue().replace(root, ""))


@contextlib.contextmanager
def _quiet(logger: str):
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _server_config() -> http.ServerConfig:
    raw = os.environ.get("BENCH_API_SERVER", "").strip()
    if not raw:
        return DEFAULT_SERVER
    kind, workers, *threads = raw.split(":")
    return http.ServerConfig(workers=int(workers), worker_class=kind, threads=int(threads[0]) if threads else 1)


CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/2")


def server_env(database_url: str) -> dict:
    """The servers' environment, as in production: Redis as the shared cache (emptied first: the database was
    rebuilt, entries of an earlier run must not be read)."""
    import redis

    redis.Redis.from_url(CACHE_URL, socket_connect_timeout=5).flushdb()
    return {"DATABASE_URL": database_url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
            "CACHE_URL": CACHE_URL}


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
    with override_settings(ALLOWED_HOSTS=["testserver"]), _quiet("django.request"):
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

    server_config = _server_config()
    env = server_env(ctx.database_url)
    cells = {(ep.key, c): Cell(ep, c) for ep in ENDPOINTS for c in CONCURRENCY}
    warm_bad: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    data_lua = _lua_data(fx)
    log(f"bench: api: gunicorn with {server_config.text}; {len(ENDPOINTS)} endpoints × {CONCURRENCY} connections "
        f"× {ROUNDS} rounds of {SECONDS:g} s (+ {WARM_UP_S:g} s warm-up each in the first round) …")
    with http.Gunicorn(repo=ctx.repo, config=server_config, log=log, env=env) as server:
        for round_no in range(ROUNDS):
            for ep in ENDPOINTS:
                script = data_lua + ep.lua + _expect_lua(ep)
                for c in CONCURRENCY:
                    if round_no == 0 and WARM_UP_S > 0:
                        warm = http.run_wrk(url=server.url, script=script, connections=c, seconds=WARM_UP_S,
                                            workdir=workdir)
                        if warm.errors:
                            warm_bad.append(f"{ep.key} c={c} warm-up: {warm.errors} ({warm.sample[:120]})")
                        server.wait_idle()
                    result = http.run_wrk(url=server.url, script=script, connections=c, seconds=SECONDS,
                                          server=server, workdir=workdir)
                    cells[(ep.key, c)].runs.append(result)
                    server.wait_idle()  # what wrk left queued is served before the next run starts
                    log(f"bench: api: round {round_no + 1} {ep.key:7s} c={c:<3d} {result.rps:7.0f}/s p50 "
                        f"{_ms(result.p50_ms)} p95 {_ms(result.p95_ms)} p99 {_ms(result.p99_ms)} ms"
                        + (f", {result.errors} errors ({result.sample[:100]})" if result.errors else ""))
        server_tail = server.tail()
    shutil.rmtree(workdir, ignore_errors=True)

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
        with override_settings(ALLOWED_HOSTS=["testserver"]), _quiet("django.request"):
            for ep in ENDPOINTS:
                if any(f.name.startswith(ep.title + ",") for f in missed):
                    section.blocks.append(Block(f"{ep.title}: MISSED THE TARGET — where one request spends its "
                                                "time in-process (cProfile)", inproc.profile(ep.key)))

    env_text = ", ".join(f"{k}={v}" for k, v in env.items() if k != "DATABASE_URL")
    section.intro += "\n\n" + "\n".join([
        f"Server: `gunicorn contactcenter.wsgi` with **{server_config.text}** ({env_text}); each timed run "
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
                                "\n\n".join(query_blocks), lang="sql", collapsed=True))
    if server_tail.strip():
        section.blocks.append(Block("gunicorn's error log (last lines)", server_tail, collapsed=True))
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
