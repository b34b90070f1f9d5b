"""PostgreSQL restarted under the running app: gunicorn keeps serving, answers a clean 503 while the database is
gone, reconnects by itself, and loses nothing it said it had saved.

gunicorn (2 workers × 4 threads, DEBUG off, persistent connections with health checks) runs against our
PostgreSQL. Two client threads keep working: one logs calls (POST /api/v1/calls/), one reads (the calls list
through the API, and the home page in a logged-in browser session). Our server is stopped — ``fast`` (clients
disconnected, a clean shutdown) or ``immediate`` (a crash: recovery from the WAL at the next start) — and
started again 2 s later. Then:

* no request hangs (each answered within 5 s) and none fails otherwise than with 503 while the database is
  down: JSON ``{"detail", "code": "database_unavailable"}`` under /api/, a page elsewhere, both with Retry-After;
* every request started after the server is back succeeds, with the same gunicorn (never restarted);
* every call answered 201 is in the database afterwards.
"""

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

from .servers import DEMO_PASSWORD, api_token, app_env, free_port, http_request

pytestmark = pytest.mark.faults

BASELINE_S = 3.0
DOWN_S = 2.0
AFTER_S = 5.0
NO_HANG_S = 5.0
CALLER = "13912340002"  # seed_demo's customer DEMO0002


@dataclass
class Outcome:
    what: str
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    body: bytes = b""
    headers: dict | None = None
    error: str = ""


class Browser:
    """A logged-in session (cookies, CSRF) reading pages, as a person's browser would."""

    def __init__(self, port: int, username: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = self.opener.open(f"{self.base}/accounts/login/", timeout=10).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD,
                                       "csrfmiddlewaretoken": csrf}).encode()
        landed = self.opener.open(f"{self.base}/accounts/login/", data=data, timeout=10)
        assert "/accounts/login/" not in landed.geturl(), "the login did not succeed"

    def get(self, path: str) -> tuple[int, dict, bytes]:
        try:
            with self.opener.open(f"{self.base}{path}", timeout=15) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _timed(what: str, request) -> Outcome:
    started = time.monotonic()
    try:
        status, headers, body = request()
    except Exception as exc:  # noqa: BLE001 (any failure to get an answer is what the test looks for)
        return Outcome(what, started, time.monotonic() - started, None, error=f"{type(exc).__name__}: {exc}")
    return Outcome(what, started, time.monotonic() - started, status, body, headers)


def _api(port: int, method: str, path: str, token: str, body: dict | None = None):
    def request():
        reply = http_request(port, method, path, token=token, body=body, timeout=15)
        return reply.status, reply.headers, reply.body

    return request


def _log_call_body() -> dict:
    now = time.time()
    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 30))
    return {"caller_number": CALLER, "ring_started_at": iso, "answered_at": None,
            "ended_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now)), "agent": "agent1"}


def _clients(port: int, token: str, browser: Browser, stop: threading.Event, outcomes: list[Outcome]):
    def writer():
        while not stop.is_set():
            outcomes.append(_timed("POST /api/v1/calls/", _api(port, "POST", "/api/v1/calls/", token,
                                                                  _log_call_body())))
            time.sleep(0.02)

    def reader():
        while not stop.is_set():
            outcomes.append(_timed("GET /api/v1/calls/", _api(port, "GET", "/api/v1/calls/?page_size=5", token)))
            outcomes.append(_timed("GET / (page)", lambda: browser.get("/")))
            time.sleep(0.02)

    return [threading.Thread(target=writer, daemon=True), threading.Thread(target=reader, daemon=True)]


def _check_503(outcome: Outcome) -> None:
    assert outcome.headers.get("retry-after", "").isdigit(), (outcome.what, outcome.headers)
    if outcome.what.startswith("GET / "):
        assert outcome.headers["content-type"].startswith("text/html"), outcome.headers
        return
    assert outcome.headers["content-type"].startswith("application/json"), (outcome.headers, outcome.body[:200])
    body = json.loads(outcome.body)
    assert body["code"] == "database_unavailable" and body["detail"], body


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restarted_under_the_running_app(mode, postgres, app_db, processes, tmp_path):
    processes.env = app_env(database_url=postgres.url(app_db), broker_url="memory://", var_dir=tmp_path / "var")
    port = free_port()
    gunicorn = processes.gunicorn(port)
    token = api_token(port, "agent1")
    browser = Browser(port, "agent1")
    assert browser.get("/")[0] == 200

    outcomes: list[Outcome] = []
    stop = threading.Event()
    threads = _clients(port, token, browser, stop, outcomes)
    for thread in threads:
        thread.start()
    try:
        time.sleep(BASELINE_S)
        down = time.monotonic()
        postgres.stop(mode)
        time.sleep(DOWN_S)
        postgres.start()
        up = time.monotonic()
        time.sleep(AFTER_S)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert gunicorn.alive(), "gunicorn died"

    no_answer = [o for o in outcomes if o.status is None]
    assert not no_answer, f"{len(no_answer)} requests got no HTTP answer, e.g. {no_answer[0]}"
    slowest = max(outcomes, key=lambda o: o.seconds)
    assert slowest.seconds < NO_HANG_S, f"{slowest.what} took {slowest.seconds:.1f} s"
    unexpected = [o for o in outcomes if o.status not in (200, 201, 503)]
    assert not unexpected, [(o.what, o.status, o.body[:300]) for o in unexpected[:5]]
    unavailable = [o for o in outcomes if o.status == 503]
    for outcome in unavailable:
        _check_503(outcome)
    assert any(o.what.startswith("POST") for o in unavailable), "no write met the outage: it was not exercised"
    assert any(o.what.startswith("GET / ") for o in unavailable), "no page met the outage: it was not exercised"
    assert all(down <= o.started + o.seconds and o.started <= up for o in unavailable), "a 503 outside the outage"
    after = [o for o in outcomes if o.started >= up]
    assert len(after) >= 20 and all(o.status in (200, 201) for o in after), \
        [(o.what, o.status, o.body[:200]) for o in after if o.status not in (200, 201)][:5]

    saved = [int(re.search(rb'"id":\s*(\d+)', o.body).group(1)) for o in outcomes if o.status == 201]
    found = postgres.query(app_db, "SELECT count(*) FROM tickets_call WHERE id = ANY(%s)", [saved])[0][0]
    assert found == len(saved), f"{len(saved) - found} calls answered 201 are not in the database"

    first_ok = min((o.started + o.seconds for o in after), default=up) - up
    print(f"\nPostgreSQL stop -m {mode}, down {up - down:.1f} s: {len(outcomes)} requests, "
          f"{sum(o.status in (200, 201) for o in outcomes)} served, {len(unavailable)} answered 503 "
          f"(Retry-After {unavailable[0].headers['retry-after']} s), none other; slowest {slowest.what} "
          f"{slowest.seconds * 1000:.0f} ms; first success {first_ok * 1000:.0f} ms after the server was back; "
          f"{len(saved)} calls answered 201, all in the database")
