"""What public APIs cost where private internals were used before (issue 17), measured in-process on the bench
database (CPU time per call, the best of several rounds of 2,000 calls, after a warm-up).

Until issue 17 the order's hot path reached into private internals of Django, DRF, django-csp and redis-py; each
was removed or rewritten on public, documented APIs. For each, the figure is the cost of doing it the plain public
way per request, beside what our public rewrite costs where there is one:

- **Serializers** (DRF's ``_args``/``_kwargs`` rebinding, removed): an order's detail written by DRF's own
  ``Serializer.to_representation`` on a fresh serializer, against ``contactcenter.drf.PlannedOutput`` (fields built
  once per class, written through DRF's public field API); the order's input validated by DRF on a fresh
  serializer (every field deep-copied), against ``PlannedInput``.
- **Rows** (Django's SQL compiler, removed): the caller's lookup and the order's INSERT through the ORM, against
  ``contactcenter.rows`` rewritten on public APIs (statements written once per model; the fields' own conversions).
- **The CSP header** (eight private django-csp attributes, removed): what django-csp's own middleware spends to build
  the header of a response (``build_policy``), paid by every response now.
- **The message storage** (made on first use through a private attribute, removed): Django's
  ``MessageMiddleware`` building the storage for a request that never uses it (every API request).
- **The Redis client** (one per connection pool through Django's private client internals, removed): a
  ``cache.get`` through Django's own Redis backend; a request reads the cache's generations at most once a second
  per process (``contactcenter.cache``), so an API request in steady state makes no Redis call at all.
- **The auth cache** (pickled users with their password hash and token, removed): a token's user from the cache as
  an entry without secrets (``contactcenter.auth``), rebuilt with ``Model.from_db``.
"""

import time

from ..measure import Figure, Section

ROUNDS, CALLS = 5, 2000


def _per_call_us(fn, calls: int = CALLS, rounds: int = ROUNDS) -> list[float]:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            fn()
        samples.append((time.process_time() - start) / calls * 1e6)
    return samples


def run(ctx) -> Section:
    from csp.utils import build_policy
    from django.contrib.messages.storage import default_storage
    from django.contrib.sessions.backends.cache import SessionStore
    from django.core.cache import cache
    from django.db import transaction
    from django.test import RequestFactory
    from rest_framework import serializers
    from rest_framework.request import Request

    from contactcenter.auth import CachedTokenAuthentication
    from contactcenter.rows import insert_numbered, newest
    from contactcenter.tokens import issue_token
    from tickets import selectors
    from tickets.models import Customer, User, WorkOrder
    from tickets.serializers import WorkOrderCreateSerializer, WorkOrderDetailSerializer

    started = time.perf_counter()
    section = Section(title="What public APIs cost (issue 17)", intro=__doc__.split("\n\n", 1)[1].strip())
    agent = User.objects.filter(groups__name="agent", is_active=True).order_by("id").first()
    request = Request(RequestFactory().get("/"))
    request.user = agent
    context = {"request": request}
    order = selectors.work_order_detail(agent, selectors.visible_work_orders(agent).order_by("-id").first().pk)
    body = {"kind": "consultation", "description": "咨询电价", "caller_number": "13812340001"}
    phone = Customer.objects.order_by("-id").values_list("phone", flat=True).first()

    def drf_detail():
        serializer = WorkOrderDetailSerializer(order, context=context)
        serializers.Serializer.to_representation(serializer, order)

    def drf_input():
        serializer = WorkOrderCreateSerializer(data=body)
        serializers.Serializer.to_internal_value(serializer, body)

    def orm_insert():
        with transaction.atomic():
            copy = WorkOrder.objects.get(pk=order.pk)
            copy.pk, copy.number = None, copy.number_prefix()
            copy.save(force_insert=True)
            transaction.set_rollback(True)

    def rows_insert():
        with transaction.atomic():
            copy = WorkOrder.objects.get(pk=order.pk)
            copy.pk, copy.number = None, copy.number_prefix()
            insert_numbered(copy, "number", digits=7)
            transaction.set_rollback(True)

    def fetch_only():
        with transaction.atomic():
            WorkOrder.objects.get(pk=order.pk)
            transaction.set_rollback(True)

    token = issue_token(agent)[1].encode()  # as the Authorization header hands it over
    authentication = CachedTokenAuthentication()
    plain_request = RequestFactory().get("/api/v1/")
    plain_request.session = SessionStore()  # as SessionMiddleware leaves it (the message storage falls back to it)
    figures = [
        ("Order detail written by DRF (fresh serializer)", drf_detail, CALLS),
        ("Order detail written by PlannedOutput", lambda: WorkOrderDetailSerializer(order, context=context).data,
         CALLS),
        ("Order input validated by DRF (fields deep-copied)", drf_input, CALLS),
        ("Order input validated by PlannedInput", lambda: WorkOrderCreateSerializer(data=body).is_valid(), CALLS),
        ("Caller lookup through the ORM", lambda: Customer.objects.filter(phone=phone).order_by("-id").first(), 500),
        ("Caller lookup through contactcenter.rows.newest", lambda: newest(Customer, phone=phone), 500),
        ("Order INSERT through the ORM (and its rollback, the row read first)", orm_insert, 300),
        ("Order INSERT through contactcenter.rows (and its rollback, the row read first)", rows_insert, 300),
        ("(the row read and the rollback alone)", fetch_only, 300),
        ("CSP header built by django-csp, per response", build_policy, CALLS),
        ("Message storage built by Django, per request", lambda: default_storage(plain_request), CALLS),
        ("cache.get through Django's Redis backend (no request makes one in steady state)",
         lambda: cache.get("bench:nothing"), 500),
        ("Token's user from the auth cache (no secret in it)", lambda: authentication.authenticate_credentials(token),
         CALLS),
    ]
    for name, fn, calls in figures:
        ctx.log(f"bench: costs: {name}")
        section.figures.append(Figure(name, "µs", _per_call_us(fn, calls)))
    section.notes.append("CPU time of this process per call (the database's own time is not in it); the best round "
                         "is the minimum shown.")
    section.duration_s = time.perf_counter() - started
    return section
