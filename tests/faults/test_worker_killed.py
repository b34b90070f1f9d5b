"""A Celery worker killed with SIGKILL in the middle of the deadline sweep, over and over: every breach still gets
exactly one ledger entry — none missing, none doubled — and the killed sweep's message is delivered again
(acks_late) without doubling anything either.

Each trial puts ``FAULTS_KILL_ORDERS`` orders whose deadline has passed into our PostgreSQL (half complaints not
replied within their 5 days, half repairs whose crew never arrived: copies, made with one INSERT … SELECT, of two
orders built through the services six days ago), starts a worker on our Redis, sends the sweep as beat does,
and kills the worker's whole process group with SIGKILL at a random moment while it works (0–300 ms after it
took the message, or just after the sweep's first batch committed). Then a new worker starts: the killed
sweep's message comes back to it (Redis ``visibility_timeout`` shortened to 5 s through
CELERY_BROKER_TRANSPORT_OPTIONS), and the sweep is sent twice more. Then, per order and rule, exactly the
expected entry.

``FAULTS_KILL_TRIALS`` (10), ``FAULTS_KILL_ORDERS`` (1200: more than two batches of 500, so a kill can fall
between two committed batches), ``FAULTS_SEED`` (random) make it repeatable.
"""

import json
import os
import random
import re
import signal
import time
from collections import Counter

import pytest
from celery import Celery

from .servers import app_env, manage, wait_until

pytestmark = pytest.mark.faults

TRIALS = int(os.environ.get("FAULTS_KILL_TRIALS", "10"))
ORDERS = int(os.environ.get("FAULTS_KILL_ORDERS", "1200"))
SEED = int(os.environ.get("FAULTS_SEED", str(random.randrange(1_000_000))))
SWEEP = "kpi.tasks.sweep_deadlines"
TRANSPORT = {"visibility_timeout": 5, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
EXPECTED_RULE = {"complaint": "complaint_reply_late", "repair": "repair_arrival_late"}

# Built through the services six days ago: a complaint (its 5-day reply limit has passed) and a repair dispatched
# to a crew that never arrived (45 minutes, urban). Printed: their ids and the due time the sweep must look at.
MODEL_ORDERS = """
import datetime as dt, json, time_machine
from django.utils import timezone
from tickets.models import Customer, Department, User
from tickets.services import work_order_create
from tests.actions import act
agent = User.objects.get(username="agent1")
customer = Customer.objects.get(account_number="DEMO0002")
crew = Department.objects.get(code="repair-1")
with time_machine.travel(timezone.now() - dt.timedelta(days=6), tick=False):
    complaint = work_order_create(kind="complaint", description="投诉：营业厅服务态度差", caller_number=customer.phone,
                                  customer=customer, actor=agent)
    repair = work_order_create(kind="repair", description="家中停电", caller_number=customer.phone,
                               customer=customer, actor=agent)
    repair = act(order=repair, name="dispatch", actor=agent,
                                   params={"department": crew.pk, "handler": None})
print(json.dumps({order.kind: [order.pk, order.next_due_at.isoformat()] for order in (complaint, repair)}))
"""


class Ledger:
    """Reads and writes our test database directly (one autocommit connection, polled every few ms)."""

    def __init__(self, postgres, database: str) -> None:
        self.connection = postgres.connect(database)

    def sql(self, query: str, params=None) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def model_orders(self, env) -> dict[str, tuple[int, str]]:
        made = json.loads(manage(env, "shell", "--no-imports", "-c", MODEL_ORDERS).strip().splitlines()[-1])
        ids = [pk for pk, _ in made.values()]
        self.sql("UPDATE tickets_workorder SET next_due_at = NULL WHERE id = ANY(%s)", [ids])  # only copies are swept
        return {kind: (pk, due) for kind, (pk, due) in made.items()}

    def copy_due_orders(self, models: dict[str, tuple[int, str]], count: int) -> dict[int, str]:
        """``count`` copies of the model orders (every column but the id and the number), due as the model was."""
        columns = [c for (c,) in self.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets_workorder' "
            "AND column_name NOT IN ('id', 'number', 'next_due_at') ORDER BY ordinal_position")]
        listed = ", ".join(columns)
        made: dict[int, str] = {}
        for index, (kind, (pk, due)) in enumerate(sorted(models.items())):
            share = count // len(models) + (1 if index < count % len(models) else 0)
            rows = self.sql(
                f"INSERT INTO tickets_workorder ({listed}, next_due_at) SELECT {listed}, %s::timestamptz "
                f"FROM tickets_workorder, generate_series(1, %s) WHERE id = %s RETURNING id", [due, share, pk])
            made.update({row[0]: kind for row in rows})
        self.sql("UPDATE tickets_workorder SET number = 'FT' || lpad(id::text, 12, '0') WHERE id = ANY(%s)",
                 [list(made)])
        return made

    def entries(self, orders: dict[int, str]) -> Counter:
        """(order id, rule code) → how many ledger entries."""
        rows = self.sql(
            "SELECT e.source, r.code, count(*) FROM kpi_ledgerentry e JOIN kpi_penaltyrule r ON r.id = e.rule_id "
            "WHERE e.source = ANY(%s) GROUP BY e.source, r.code", [[f"work_order:{pk}" for pk in orders]])
        return Counter({(int(source.split(":")[1]), code): n for source, code, n in rows})

    def count(self, orders: dict[int, str]) -> int:
        return sum(self.entries(orders).values())

    def still_due(self, orders: dict[int, str]) -> int:
        return self.sql("SELECT count(*) FROM tickets_workorder WHERE id = ANY(%s) AND next_due_at <= now()",
                        [list(orders)])[0][0]


def _sender(broker_url: str) -> Celery:
    """A bare Celery client: sends by task name, as beat does, with the task's own expiry."""
    app = Celery("fault-tests", broker=broker_url, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)
    return app


def _send_sweep(sender: Celery) -> str:
    return sender.send_task(SWEEP, expires=55).id


def _done(task_id: str) -> str:
    return rf"Task {re.escape(SWEEP)}\[{task_id}\] succeeded in [\d.]+s: '(?P<summary>[^']*)'"


def _kill_trial(trial: int, *, ledger: Ledger, models, processes, sender: Celery, rng: random.Random) -> dict:
    started = time.monotonic()
    orders = ledger.copy_due_orders(models, ORDERS)
    expected = Counter({(pk, EXPECTED_RULE[kind]): 1 for pk, kind in orders.items()})
    assert ledger.count(orders) == 0

    # 1. A worker takes the sweep and is killed with SIGKILL (its whole process group) while it works.
    doomed = processes.worker(f"doomed{trial}")
    task_id = _send_sweep(sender)
    doomed.wait_for(rf"Task {re.escape(SWEEP)}\[{task_id}\] received", timeout=30)
    took = time.monotonic()
    if trial % 2 == 0:
        delay = rng.uniform(0, 0.3)
        time.sleep(delay)
        how = f"{delay * 1000:.0f} ms after it took the message"
    else:
        wait_until(lambda: ledger.count(orders) > 0 or re.search(_done(task_id), doomed.output()), timeout=60,
                   what="the sweep's first committed batch", interval=0.005)
        how = f"{(time.monotonic() - took) * 1000:.0f} ms after it took the message, its first batch committed"
    processes.kill(doomed, signal.SIGKILL)
    finished_first = re.search(_done(task_id), doomed.output()) is not None
    at_kill = ledger.count(orders)

    # 2. A new worker: the killed sweep's unacknowledged message comes back to it; two more sweeps follow.
    heir = processes.worker(f"heir{trial}")
    summaries = []
    if not finished_first:
        summaries.append(heir.wait_for(_done(task_id), timeout=60)["summary"])  # redelivered (acks_late)
    for _ in range(2):
        summaries.append(heir.wait_for(_done(_send_sweep(sender)), timeout=60)["summary"])
    processes.stop(heir)

    # 3. Exactly one entry per breach: none missing, none doubled, nothing else; no order left due.
    found = ledger.entries(orders)
    missing, doubled = expected - found, {key: n for key, n in found.items() if n > 1}
    extra = set(found) - set(expected)
    assert not missing and not doubled and not extra, (
        f"trial {trial}: {len(missing)} missing, {len(doubled)} doubled, {len(extra)} unexpected entries")
    assert ledger.still_due(orders) == 0
    print(f"trial {trial}: killed {how}: {at_kill}/{len(expected)} entries committed at the kill, "
          f"{'the sweep had finished' if finished_first else 'its message redelivered'}; then {summaries}; "
          f"{len(expected)} entries, each once ({time.monotonic() - started:.1f} s)")
    return {"at_kill": at_kill, "redelivered": not finished_first}


def test_worker_killed_mid_sweep_posts_each_breach_exactly_once(postgres, app_db, redis_server, processes, tmp_path,
                                                                request):
    processes.env = app_env(database_url=postgres.url(app_db), broker_url=redis_server.url, var_dir=tmp_path / "var",
                            CELERY_BROKER_TRANSPORT_OPTIONS=json.dumps(TRANSPORT))
    ledger = Ledger(postgres, app_db)
    request.addfinalizer(ledger.connection.close)
    models = ledger.model_orders(processes.env)
    sender = _sender(redis_server.url)
    rng = random.Random(SEED)
    print(f"\n{TRIALS} trials of {ORDERS} due orders, seed {SEED} (FAULTS_SEED={SEED} repeats the kill moments)")
    started = time.monotonic()

    outcomes = [_kill_trial(trial, ledger=ledger, models=models, processes=processes, sender=sender, rng=rng)
                for trial in range(TRIALS)]

    at_kill = [o["at_kill"] for o in outcomes]
    redelivered = sum(o["redelivered"] for o in outcomes)
    print(f"kills: {at_kill.count(0)} before any batch committed, {sum(0 < n < ORDERS for n in at_kill)} between "
          f"batches, {at_kill.count(ORDERS)} after the last; {redelivered} of {TRIALS} messages redelivered; "
          f"{time.monotonic() - started:.0f} s")
    assert redelivered > 0, "every kill came after the sweep had finished: the redelivery was never exercised"
