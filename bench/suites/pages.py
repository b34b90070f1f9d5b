"""The agent's pages (issue 6): the console and queue pages' server time, and a call logged through the API
until it is on the agent's console.

Both are measured in-process with Django's test ``Client`` on the generated data (1,000,000 orders), logged in
(``force_login``) as the generated agent who owns the most open orders: the time is that of the whole Django
request — middleware, session, views, queries, templates — without a network or a WSGI server. Each page gets
5 warm-up requests, then 50 timed ones; the target (issue 6) is a p95 under 150 ms.

*Call to panel*: the telephony system logs a call for the agent with ``POST /api/v1/calls/`` (token auth, as a
service account with ``add_call``/``view_call``), and the console (static/js/console.js) polls
``/console/incoming/?after=<id>`` once a second. The poll's phase relative to the call is uniform: the call
reaches the page when the next poll starts — a uniformly random 0–1 s after the API answered — plus that poll's
server time, which is measured (the poll is sent at once and must return the call). Latency = phase + poll.
"""

import cProfile
import io
import pstats
import random
import re
import time
from datetime import timedelta

from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from .. import pg
from ..measure import Block, Check, Figure, Section, Stopwatch, Target, percentile

REQUESTS = 50  # timed requests per page
WARM_UP = 5
CALLS = 30  # calls logged through the API
POLL_INTERVAL_S = 1.0  # static/js/console.js
PAGE_TARGET = Target(limit=150.0, text="p95 under 150 ms", on_p95=True)  # issue 6
PUSH_TARGET = Target(limit=2.0, text="under 2 s")  # issue 6
SEED = 6


class Recorder:
    """``connection.execute_wrapper``: every statement of one request, with its parameters and duration."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql, params))


def _spread(samples: list[float], unit: str) -> str:
    fmt = "{:.1f}" if unit == "ms" else "{:.2f}"
    return (f"p50 {fmt.format(percentile(samples, 50))} {unit}, p95 {fmt.format(percentile(samples, 95))} {unit}, "
            f"max {fmt.format(max(samples))} {unit}")


def _explain(sql: str, params) -> str:
    if not sql.lstrip().upper().startswith("SELECT"):
        return "(not a SELECT: not explained)"
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            text = "\n".join(row[0] for row in cur.fetchall())
        transaction.set_rollback(True)
    return text


def _interpolated(sql: str, params) -> str:
    with connection.cursor() as cur:
        return cur.cursor.mogrify(sql, params).decode()


def _shape(sql: str) -> str:
    return re.sub(r"%s(, %s)+", "%s, …", sql)


class Pages:
    def __init__(self, ctx, section: Section) -> None:
        self.ctx, self.section = ctx, section
        self.statuses: list[str] = []

    def measure(self, client: Client, name: str, url: str, note: str) -> Figure:
        log = self.ctx.log
        log(f"bench: pages: {url}: {WARM_UP} warm-up and {REQUESTS} timed requests …")
        bad = 0
        for _ in range(WARM_UP):
            bad += client.get(url).status_code != 200
        figure = Figure(name, "ms", target=PAGE_TARGET)
        for _ in range(REQUESTS):
            with Stopwatch() as sw:
                response = client.get(url)
            figure.samples.append(sw.seconds * 1000)
            bad += response.status_code != 200
        if bad:
            self.statuses.append(f"{url}: {bad} of {WARM_UP + REQUESTS} not 200")
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            client.get(url)
        total_sql = sum(ms for ms, _, _ in recorder.queries)
        slowest = max(recorder.queries, default=None)
        figure.note = (f"`GET {url}`; {_spread(figure.samples, 'ms')}; **{len(recorder.queries)} SQL queries** per "
                       f"request, {total_sql:.1f} ms in SQL in one instrumented request"
                       + (f", the slowest {slowest[0]:.1f} ms" if slowest else "") + (f"; {note}" if note else ""))
        log(f"bench: pages: {url}: {_spread(figure.samples, 'ms')}, {len(recorder.queries)} queries "
            f"[{figure.verdict}]")
        if slowest is not None:
            failed = figure.verdict == "FAIL"
            title = (f"{name}: {'MISSED THE TARGET — ' if failed else ''}its slowest query ({slowest[0]:.1f} ms), "
                     "EXPLAIN (ANALYZE, BUFFERS)")
            text = f"{_interpolated(slowest[1], slowest[2])}\n\n{_explain(slowest[1], slowest[2])}"
            self.section.blocks.append(Block(title, text, collapsed=not failed))
            if failed:
                self.section.blocks.append(Block(f"{name}: where one request spends its time (cProfile, by own "
                                                 "time, top 25)", _profile(client, url)))
                self.section.notes.append(f"**{name} missed the target**: the slowest of its "
                                          f"{len(recorder.queries)} queries took {slowest[0]:.1f} ms: "
                                          f"`{_shape(slowest[1])[:300]}` (plan below).")
        return figure


def _profile(client: Client, url: str) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(client.get, url)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(25)
    return out.getvalue().strip()


def _subject():
    """The generated agent who owns the most open orders, and the customer among theirs with the most orders."""
    agent_id, owned = pg.rows("SELECT owner_id, count(*) FROM tickets_workorder GROUP BY owner_id "
                              "ORDER BY 2 DESC, 1 LIMIT 1")[0]
    customer_id, orders = pg.rows(
        """SELECT customer_id, count(*) FROM tickets_workorder
           WHERE customer_id IN (SELECT customer_id FROM tickets_workorder WHERE owner_id = %s)
           GROUP BY customer_id ORDER BY 2 DESC, 1 LIMIT 1""", [agent_id])[0]
    return agent_id, owned, customer_id, orders


def _telephony():
    from django.contrib.auth.models import Permission

    from contactcenter.tokens import issue_token
    from tickets.models import User

    user = User.objects.create(username="bench-telephony")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="tickets",
                                                         codename__in=["add_call", "view_call", "log_any_call"]))
    return issue_token(user)[1]


def _push(ctx, agent, phones: list[str], section: Section) -> tuple[Figure, Figure, Figure, list[str]]:
    """CALLS calls logged through the API for ``agent``; each polled for at once (see the module docstring)."""
    from tickets.selectors.console import last_call_id

    rng = random.Random(SEED)
    api = Client(HTTP_AUTHORIZATION=f"Token {_telephony()}")
    console = Client()
    console.force_login(agent)
    push = Figure("Call logged through the API → on the agent's console (1 s polling modelled)", "s",
                  target=PUSH_TARGET)
    posted = Figure("`POST /api/v1/calls/`, server time", "ms")
    polled = Figure("The poll that brings the call (`/console/incoming/?after=…`), server time", "ms")
    problems = []
    after = last_call_id()
    ctx.log(f"bench: pages: {CALLS} calls through the API for {agent.username} …")
    for n in range(CALLS + 1):  # the first is a warm-up
        answered = timezone.now()
        body = {"caller_number": phones[n % len(phones)], "agent": agent.username, "ended_at": None,
                "ring_started_at": (answered - timedelta(seconds=4)).isoformat(), "answered_at": answered.isoformat()}
        with Stopwatch() as sw:
            response = api.post("/api/v1/calls/", body, content_type="application/json")
        if response.status_code != 201:
            problems.append(f"POST /api/v1/calls/ answered {response.status_code}: {response.content[:200]!r}")
            break
        call_id = response.json()["id"]
        phase = rng.uniform(0, POLL_INTERVAL_S)  # the next poll starts this long after the API answered
        with Stopwatch() as poll:
            answer = console.get(f"/console/incoming/?after={after}")
        ids = [c["id"] for c in answer.json().get("calls", [])] if answer.status_code == 200 else []
        if call_id not in ids:
            problems.append(f"call {call_id}: the poll after {after} answered {answer.status_code} with {ids}")
            continue
        after = answer.json()["after"]
        if n == 0:
            continue
        posted.samples.append(sw.seconds * 1000)
        polled.samples.append(poll.seconds * 1000)
        push.samples.append(phase + poll.seconds)
    if push.samples:
        push.note = (f"{_spread(push.samples, 's')} over {len(push.samples)} calls; latency = a uniformly random "
                     f"0–{POLL_INTERVAL_S:.0f} s until the console's next poll + that poll's measured server time "
                     "(the poll returned the call every time). The browser test "
                     "(tests/browser/test_console_browser.py) measures the same end to end in Chromium, from the "
                     "API's answer to the call's card on the page: 0.6–0.8 s median")
        posted.note = f"{_spread(posted.samples, 'ms')}; token auth as a service account, in-process"
        polled.note = f"{_spread(polled.samples, 'ms')}; returns the one new call"
    return push, posted, polled, problems


def run(ctx) -> Section:
    from shifts.models import Shift
    from tickets.models import Customer, User
    from tickets.selectors import OPEN_STATES
    from tickets.selectors.console import last_call_id

    section = Section(title="The agent's pages (issue 6)", intro=__doc__.split("\n\n", 1)[1].strip())
    started = time.perf_counter()
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        agent_id, owned, customer_id, customer_orders = _subject()
        agent = User.objects.get(pk=agent_id)
        customer = Customer.objects.get(pk=customer_id)
        open_mine = pg.scalar("SELECT count(*) FROM tickets_workorder WHERE owner_id = %s AND state = ANY(%s)",
                              [agent_id, list(OPEN_STATES)])
        phones = [customer.phone] + list(Customer.objects.order_by("?").values_list("phone", flat=True)[:9])

        # The calls first: the pages are then measured with the calls the agent has just taken on the console.
        push, posted, polled, problems = _push(ctx, agent, phones, section)

        pages = Pages(ctx, section)
        client = Client()
        client.force_login(agent)
        figures = [
            pages.measure(client, "Console with a selected caller", f"/console/?phone={customer.phone}",
                          f"{agent.username}; the caller {customer.account_number} has {customer_orders} orders"),
            pages.measure(client, "Console, no caller selected", "/console/", ""),
            pages.measure(client, "Incoming-calls poll", f"/console/incoming/?after={last_call_id()}",
                          "nothing new: what the console asks every second"),
            pages.measure(client, "My queue, tab mine", "/queue/",
                          f"{agent.username} owns {owned:,} orders, {open_mine:,} open; first page of 50, "
                          "by nearest deadline"),
        ]
        now = timezone.now()
        if Shift.objects.filter(starts_at__lte=now, ends_at__gt=now, memberships__user=agent).exists():
            figures.append(pages.measure(client, "My queue, tab shift", "/queue/?tab=shift", "the shift on duty"))
        else:
            section.notes.append("*My queue, tab shift* is not measured: the generated data set has no shifts "
                                 "(the tab shows nothing for an agent on no shift on duty).")
    section.figures += figures + [push, polled, posted]
    section.checks += [
        Check("Every page request answered 200", not pages.statuses, "; ".join(pages.statuses)
              or f"{len(figures) * (WARM_UP + REQUESTS + 1)} requests"),
        Check("Every call logged through the API was returned by the next poll", not problems,
              "; ".join(problems[:3]) or f"{CALLS + 1} calls"),
    ]
    section.duration_s = time.perf_counter() - started
    return section
