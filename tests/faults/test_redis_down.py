"""Redis (the Celery broker) stopped under the running app: the hotline keeps working, and what was owed
meanwhile is done once Redis is back.

The app runs for real — gunicorn (2 workers × 4 threads, as bin/run-local), a Celery worker and beat with the
database scheduler — against our PostgreSQL and our redis-server. The complaint reply limit is set to one
minute (an admin-editable SLA row) and beat's sweep to every 2 seconds, so complaints accepted just before and
during the outage come due while Redis is down. Then:

* calls and work orders are still accepted (201) and the API still reads (200), each answered in under 2 s:
  nothing in their request path waits for the broker;
* a monthly report asked for meanwhile is accepted (202) and stays queued (its row is the outbox); its one try
  to send the message on commit fails fast (under 5 s; about 0.6 s on an idle machine);
* no breach is posted while Redis is down (nothing sweeps), and the worker and beat outlive the outage;
* once Redis is back, beat's sweeps reach the worker again and post each breach of those complaints exactly
  once (checked again after more sweeps); ``reports_dispatch_queued`` sends the queued report, and the
  worker makes it: done, downloadable.
"""

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest

from .servers import api_token, app_env, free_port, http_request, manage, path_of, wait_until

pytestmark = pytest.mark.faults

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUICK = 2.0  # seconds: an answer that waited for the broker would take longer (kombu retries, connect timeouts)
REPORT_ASKED = "POST /api/v1/reports/monthly/"
# The report request is the one that does try the broker (its message is sent on commit, the row being the outbox):
# that try fails fast while Redis refuses connections — about 0.6 s of kombu's connect retries, more under load.
REPORT_BOUND = 5.0
CALLER = "13912340002"  # seed_demo's customer DEMO0002
SWEEP = "kpi.tasks.sweep_deadlines"
DISPATCH = """
from kpi.reports.services import reports_dispatch_queued
print("sent", reports_dispatch_queued())
"""


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


class Hotline:
    """An agent and a supervisor using the API of our gunicorn; every answer's time is kept."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.agent = api_token(port, "agent1")
        self.supervisor = api_token(port, "supervisor1")
        self.timings: list[tuple[str, float]] = []

    def call(self, method: str, path: str, *, token: str, body: dict | None = None, expect: int):
        reply = http_request(self.port, method, path, token=token, body=body, timeout=30)
        self.timings.append((f"{method} {path.split('?')[0]}", reply.seconds))
        assert reply.status == expect, (method, path, reply.status, reply.body[:500])
        return reply

    def log_call(self) -> int:
        now = dt.datetime.now(SHANGHAI)
        body = {"caller_number": CALLER, "ring_started_at": _iso(now - dt.timedelta(seconds=40)),
                "answered_at": _iso(now - dt.timedelta(seconds=36)), "ended_at": _iso(now), "agent": "agent1"}
        return self.call("POST", "/api/v1/calls/", token=self.agent, body=body, expect=201).json()["id"]

    def complaint(self) -> int:
        body = {"kind": "complaint", "description": "投诉：抢修人员服务态度差", "caller_number": CALLER}
        return self.call("POST", "/api/v1/work-orders/", token=self.agent, body=body, expect=201).json()["id"]

    def read(self) -> None:
        self.call("GET", "/api/v1/work-orders/?page_size=20", token=self.agent, expect=200)
        self.call("GET", "/api/v1/calls/?page_size=20", token=self.agent, expect=200)

    def slowest(self, since: int = 0, *, report: bool = False) -> tuple[str, float]:
        return max(((name, s) for name, s in self.timings[since:] if (name == REPORT_ASKED) == report),
                   key=lambda t: t[1])


def _one_minute_replies_and_a_quick_sweep(postgres, database: str) -> None:
    """Complaints get one minute to be replied to (SLA rows are data an admin edits), and beat sends the sweep
    every 2 seconds instead of every minute."""
    postgres.query(database, "UPDATE tickets_slapolicy SET measure = 'minutes', amount = 1 "
                             "WHERE order_kind = 'complaint' AND deadline = 'reply'")
    (every_2s,) = postgres.query(database, "INSERT INTO django_celery_beat_intervalschedule (every, period) "
                                           "VALUES (2, 'seconds') RETURNING id")[0]
    updated = postgres.query(database, "UPDATE django_celery_beat_periodictask SET interval_id = %s "
                                       "WHERE task = %s RETURNING id", [every_2s, SWEEP])
    assert len(updated) == 1


def _entries(postgres, database: str, orders: list[int]) -> dict[int, list[str]]:
    rows = postgres.query(database, "SELECT e.source, r.code FROM kpi_ledgerentry e JOIN kpi_penaltyrule r "
                                    "ON r.id = e.rule_id WHERE e.source = ANY(%s)",
                          [[f"work_order:{pk}" for pk in orders]])
    found: dict[int, list[str]] = {}
    for source, code in rows:
        found.setdefault(int(source.split(":")[1]), []).append(code)
    return found


def _sweeps_done(worker) -> int:
    return len(re.findall(rf"Task {re.escape(SWEEP)}\[[^\]]+\] succeeded", worker.output()))


def test_redis_stopped_requests_still_served_and_owed_work_done_after(postgres, app_db, redis_server, processes,
                                                                      tmp_path):
    var = tmp_path / "var"
    _one_minute_replies_and_a_quick_sweep(postgres, app_db)
    processes.env = app_env(database_url=postgres.url(app_db), broker_url=redis_server.url, var_dir=var)
    port = free_port()
    processes.gunicorn(port)
    worker = processes.worker("worker", concurrency=2)
    beat = processes.beat(var)
    worker.wait_for(rf"Task {re.escape(SWEEP)}\[[^\]]+\] succeeded", timeout=60)  # beat → Redis → worker works
    hotline = Hotline(port)
    before = [hotline.complaint() for _ in range(3)]

    # --- Redis stops --------------------------------------------------------------------------------------
    redis_server.stop()
    outage_started = time.monotonic()
    during_from = len(hotline.timings)
    calls = [hotline.log_call() for _ in range(5)]
    during = [hotline.complaint() for _ in range(3)]
    hotline.read()
    reply = hotline.call("POST", "/api/v1/reports/monthly/", token=hotline.supervisor, expect=202,
                         body={"period": (dt.datetime.now(SHANGHAI).replace(day=1) - dt.timedelta(days=1))
                               .strftime("%Y-%m"), "format": "csv"})
    report_id, report_path = reply.json()["id"], path_of(reply.headers["location"])
    assert hotline.call("GET", report_path, token=hotline.supervisor, expect=200).json()["status"] == "queued"

    orders = before + during
    (last_due,) = postgres.query(app_db, "SELECT max(reply_due_at) - now() FROM tickets_workorder WHERE id = ANY(%s)",
                                 [orders])[0]
    assert dt.timedelta(0) < last_due <= dt.timedelta(minutes=1)
    # Until every complaint is due (and a few failed beat ticks more), the hotline keeps working.
    deadline = time.monotonic() + last_due.total_seconds() + 6
    while time.monotonic() < deadline:
        calls.append(hotline.log_call())
        hotline.read()
        time.sleep(2)
    name, slowest = hotline.slowest(during_from)
    assert slowest < QUICK, f"{name} took {slowest:.2f} s while Redis was down"
    _, report_took = hotline.slowest(during_from, report=True)
    assert report_took < REPORT_BOUND, f"asking for the report took {report_took:.2f} s while Redis was down"
    assert postgres.query(app_db, "SELECT count(*) FROM tickets_call WHERE id = ANY(%s)", [calls])[0][0] == len(calls)
    assert _entries(postgres, app_db, orders) == {}, "a breach was posted while nothing could sweep"
    assert postgres.query(app_db, "SELECT status FROM kpi_reportrun WHERE id = %s", [report_id]) == [("queued",)]
    assert worker.alive() and beat.alive(), "the worker or beat did not outlive the outage"
    outage = time.monotonic() - outage_started

    # --- Redis is back ------------------------------------------------------------------------------------
    redis_server.start()
    back = time.monotonic()
    print(f"\nRedis down {outage:.0f} s: {len(hotline.timings) - during_from} requests, slowest {name} "
          f"{slowest * 1000:.0f} ms (the report request {report_took * 1000:.0f} ms); {len(orders)} complaints "
          "came due meanwhile")
    print(manage(processes.env, "shell", "--no-imports", "-c", DISPATCH).strip())
    wait_until(lambda: len(_entries(postgres, app_db, orders)) == len(orders), timeout=120,
               what="every breach posted after Redis came back", interval=0.5)
    posted = time.monotonic() - back
    sweeps = _sweeps_done(worker)
    wait_until(lambda: _sweeps_done(worker) >= sweeps + 2, timeout=60, what="two more sweeps", interval=0.5)
    assert _entries(postgres, app_db, orders) == {pk: ["complaint_reply_late"] for pk in orders}

    run = wait_until(lambda: (r := hotline.call("GET", report_path, token=hotline.supervisor, expect=200).json())
                     ["status"] in ("done", "failed") and r, timeout=120, what="the queued report done", interval=1)
    assert run["status"] == "done", run
    assert run["progress"] == 100 and run["download_url"]
    file = hotline.call("GET", path_of(run["download_url"]), token=hotline.supervisor, expect=200)
    assert len(file.body) == run["size"] > 0
    print(f"after Redis came back: the {len(orders)} breaches posted in {posted:.1f} s (each once, "
          f"{_sweeps_done(worker) - sweeps} sweeps later still once); the report done in "
          f"{time.monotonic() - back:.1f} s ({run['size']} bytes)")
