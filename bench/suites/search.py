"""Finding work (issue 18): search, the console's duplicate candidates, a bulk dispatch, and the queue and search
pages against the framework floor — in-process with Django's test ``Client`` on the generated data (1,000,000
orders, PostgreSQL), as in the pages suite.

- **Search** (``GET /api/v1/work-orders/?q=`` and the page ``/orders/search/?q=``): a 2-character Chinese term in a
  third of the orders (停电), a rarer one (窃电), a whole phone number and a fragment of an order number, as an agent
  and as a supervisor (both see the whole tree); 5 warm-up and 50 timed requests each; target p95 under 200 ms.
  The text is served by a GIN index over its character bigrams, the number and phones by pg_trgm (migration 0020);
  the plans of the slowest query of each are below.
- **Duplicate candidates**: ``selectors.repeat_candidates`` for a caller with orders (by customer or phone, and the
  open orders of the last 24 hours at the same address or building), and the console's caller-file fragment that
  shows them; target p95 under 50 ms.
- **Bulk dispatch**: ``POST /api/v1/work-orders/bulk/`` with 200 accepted repairs to a repair crew (rolled back
  afterwards); target under 5 s.
- **Pages against the floor**: CPU time (``time.process_time``) of one request, the median of 60 interleaved rounds:
  the framework floor (an authenticated 403: middleware, session, user, permission check, the 403 answer), the
  queue (50 rows) and the search page (50 results); target: each page at least 20 % of the floor's speed (floor
  time ÷ page time).
"""

import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from .. import pg
from ..measure import AtLeast, Block, Check, Figure, Section, Stopwatch, Target
from .pages import Recorder, _explain, _interpolated, _spread

REQUESTS, WARM_UP = 50, 5
SEARCH_TARGET = Target(limit=200.0, text="p95 under 200 ms", on_p95=True)
CANDIDATES_TARGET = Target(limit=50.0, text="p95 under 50 ms", on_p95=True)
BULK_TARGET = Target(limit=5.0, text="under 5 s")
FLOOR_TARGET = AtLeast(limit=20.0, text="at least 20 % of the floor's speed")
FLOOR_ROUNDS = 60
BULK_ORDERS = 200


def _timed(client: Client, url: str, figure: Figure, section: Section, problems: list[str]) -> Figure:
    for _ in range(WARM_UP):
        client.get(url)
    for _ in range(REQUESTS):
        with Stopwatch() as sw:
            response = client.get(url)
        figure.samples.append(sw.seconds * 1000)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    slowest = max(recorder.queries, default=None)
    count = response.json()["count"] if url.startswith("/api/") and response.status_code == 200 else None
    figure.note = (f"`GET {url}`; {_spread(figure.samples, 'ms')}; {len(recorder.queries)} SQL queries"
                   + (f"; {count:,} results counted (the count stops at 1,000)" if count is not None else ""))
    if slowest is not None:
        section.blocks.append(Block(f"{figure.name}: its slowest query ({slowest[0]:.1f} ms), EXPLAIN ANALYZE",
                                    f"{_interpolated(slowest[1], slowest[2])}\n\n{_explain(slowest[1], slowest[2])}",
                                    collapsed=figure.verdict != "FAIL"))
    return figure


def _cpu_ms(client: Client, url: str) -> float:
    start = time.process_time()
    client.get(url)
    return (time.process_time() - start) * 1000


def run(ctx) -> Section:
    from tickets.models import Customer, Department, DepartmentKind, Kind, State, User, WorkOrder
    from tickets.selectors import repeat_candidates

    section = Section(title="Finding work and repeat calls (issue 18)", intro=__doc__.split("\n\n", 1)[1].strip())
    started = time.perf_counter()
    problems: list[str] = []
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        agent_id = pg.scalar("SELECT owner_id FROM tickets_workorder GROUP BY owner_id ORDER BY count(*) DESC, 1 "
                             "LIMIT 1")
        agent = User.objects.get(pk=agent_id)
        supervisor = User.objects.filter(groups__name="supervisor").order_by("pk").first()
        order = WorkOrder.objects.order_by("-pk").only("id", "number", "customer_id").first()
        customer = Customer.objects.get(pk=order.customer_id)
        terms = [("停电", "a 2-character term in a third of the orders"), ("窃电", "a rarer 2-character term"),
                 (customer.phone, "a whole phone number"), (order.number[-7:], "a fragment of an order number")]
        for user in (agent, supervisor):
            if user is None:
                problems.append("no supervisor in the data set")
                continue
            client = Client()
            client.force_login(user)
            for term, what in terms:
                ctx.log(f"bench: search: {user.username} q={term} …")
                figure = Figure(f"Search as {'an agent' if user is agent else 'a supervisor'}: {what} ({term})",
                                "ms", target=SEARCH_TARGET)
                section.figures.append(_timed(client, f"/api/v1/work-orders/?q={term}", figure, section, problems))
            page = Figure(f"The search page as {'an agent' if user is agent else 'a supervisor'} (停电, 50 results)",
                          "ms", target=SEARCH_TARGET)
            section.figures.append(_timed(client, "/orders/search/?q=停电", page, section, problems))

        # The console's duplicate candidates: the selector, and the caller-file fragment that shows them.
        candidates = Figure("Duplicate candidates (`selectors.repeat_candidates`)", "ms", target=CANDIDATES_TARGET)
        for _ in range(WARM_UP + REQUESTS):
            with Stopwatch() as sw:
                found = repeat_candidates(customer=customer, phone=customer.phone, address=customer.address,
                                          kind=Kind.REPAIR)
            candidates.samples.append(sw.seconds * 1000)
        candidates.samples = candidates.samples[WARM_UP:]
        candidates.note = f"{_spread(candidates.samples, 'ms')}; {len(found)} candidates for customer {customer.pk}"
        client = Client()
        client.force_login(agent)
        fragment = Figure("The console's caller file with its candidates (`/console/customer/?phone=`)", "ms",
                          target=CANDIDATES_TARGET)
        section.figures += [candidates, _timed(client, f"/console/customer/?phone={customer.phone}", fragment,
                                               section, problems)]

        # A bulk dispatch of 200 accepted repairs, rolled back.
        crew = Department.objects.filter(kind=DepartmentKind.REPAIR_CREW).order_by("pk").first()
        ids = list(WorkOrder.objects.filter(kind=Kind.REPAIR, state=State.ACCEPTED, outage__isnull=True)
                   .order_by("-pk").values_list("pk", flat=True)[:BULK_ORDERS])
        bulk = Figure(f"Bulk dispatch of {len(ids)} repairs (`POST /api/v1/work-orders/bulk/`)", "s",
                      target=BULK_TARGET)
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries, Stopwatch() as sw:
                response = client.post("/api/v1/work-orders/bulk/", {"orders": ids, "action": "dispatch",
                                                                     "department": crew.pk},
                                        content_type="application/json")
            transaction.set_rollback(True)
        bulk.samples.append(sw.seconds)
        body = response.json() if response.status_code == 200 else {}
        bulk.note = (f"{body.get('done', 0)} done, {body.get('refused', 0)} refused, {len(queries)} SQL queries "
                     f"({len(queries) / max(len(ids), 1):.1f} per order); rolled back")
        if response.status_code != 200 or body.get("done") != len(ids):
            problems.append(f"bulk dispatch: {response.status_code} {str(body)[:200]}")
        section.figures.append(bulk)

        # The queue and the search page against the framework floor (an authenticated 403), interleaved.
        urls = {"floor": "/kpi/audit/", "queue": "/queue/?tab=mine", "search": "/orders/search/?q=停电"}
        assert client.get(urls["floor"]).status_code == 403
        cpu = {name: [] for name in urls}
        for _ in range(5):
            for url in urls.values():
                client.get(url)
        for _ in range(FLOOR_ROUNDS):
            for name, url in urls.items():
                cpu[name].append(_cpu_ms(client, url))
        floor = statistics.median(cpu["floor"])
        for name in ("queue", "search"):
            ratio = Figure(f"{'The queue (50 rows)' if name == 'queue' else 'The search page (50 results)'} "
                           "against the framework floor", "%", target=FLOOR_TARGET, higher_is_better=True)
            ratio.samples = [floor / ms * 100 for ms in cpu[name]]
            ratio.note = (f"CPU per request: median {statistics.median(cpu[name]):.1f} ms against the floor's "
                          f"{floor:.1f} ms (an authenticated 403, `GET {urls['floor']}` as an agent); "
                          f"{FLOOR_ROUNDS} interleaved rounds")
            section.figures.append(ratio)
    section.checks.append(Check("Every request answered as expected", not problems, "; ".join(problems[:5])))
    section.duration_s = time.perf_counter() - started
    return section
