"""What the HTTP suites send (``api``, ``load``, ``helpdesk``): the fixtures they need from the bench database
(tokens, sessions, samples of phones, orders and queues), the API suite's endpoints — each a Lua ``request()``
for wrk and the same request through Django's test client (queries per request, profiles) — and the servers'
configuration and environment.

Split from ``api.py`` (which runs the rounds and writes the section) so that the other HTTP suites use the same
requests and the same server without importing a suite.
"""

import contextlib
import cProfile
import io
import logging
import os
import pstats
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from .. import http, pg
from ..measure import AtLeast, Target

AGENTS = 50  # tokens (and sessions) of this many agents
ORDER_SAMPLE = 20_000
PHONE_SAMPLE = 2_000
QUEUE_SAMPLE = 500
# gunicorn: see the section's notes for the comparison that chose it; BENCH_API_SERVER=gthread:2:4 overrides.
DEFAULT_SERVER = http.ServerConfig(workers=2, worker_class="sync")  # one per core: measured best here

CREATE_P95 = Target(limit=100.0, text="p95 under 100 ms (median of the runs)", on_median=True)
PAGE_P95 = Target(limit=150.0, text="p95 under 150 ms (median of the runs)", on_median=True)
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

    from contactcenter.tokens import issue_token
    from tickets.models import User
    from tickets.selectors import OPEN_STATES

    agents = list(User.objects.filter(groups__name="agent", is_active=True).order_by("id")[:AGENTS])
    if not agents:
        raise RuntimeError("the bench data set has no agents")
    tokens = [issue_token(a)[1] for a in agents]
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
        telephony_token=issue_token(telephony)[1],
        noperm_token=issue_token(noperm)[1],
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


def lua_data(fx: Fixtures) -> str:
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


def expect_lua(endpoint: Endpoint) -> str:
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
def quiet(logger: str):
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def server_config() -> http.ServerConfig:
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
