"""The load test (issue 8): agents of a busy hotline at peak, for ``locust --headless`` (bench/suites/load.py).

Each simulated agent takes one call after another. A call is logged by the telephony system
(``POST /api/v1/calls/``); the agent looks at their queue (``GET /api/v1/work-orders/?owner=…&state=…&kind=…``),
then, as the caller wants:

* 70 %: a new work order, typed in while talking (``POST /api/v1/work-orders/``), then its page
  (``GET /orders/{id}/``);
* 20 %: the caller presses about an order already open: its page, then an urge
  (``POST /api/v1/work-orders/{id}/transitions/urge/``);
* 10 %: a question about an order: its detail through the API (``GET /api/v1/work-orders/{id}/``).

Think times: 5–15 s before the queue view (greeting, the caller's story), 15–30 s to type an order, 3–8 s on
an order page before urging, 5–15 s of wrap-up after the call: a call every 37 s on average per agent, 3.9
requests a call — about 21 requests/s from 200 agents (a peak hour of ~19,000 calls). The agents start at
random points of their first call, as a center's agents do. Every response must be 2xx
(redirects are not followed: a login redirect is a failure).

The data (tokens, sessions, phones, orders, queues) comes from the JSON file named by ``BENCH_LOCUST_DATA``,
written by the suite from the bench database.
"""

import itertools
import json
import os
import random
from datetime import UTC, datetime, timedelta

import gevent
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["BENCH_LOCUST_DATA"], encoding="utf-8") as _f:
    DATA = json.load(_f)
_NEXT_AGENT = itertools.count()
KINDS = [kind for kind, weight in DATA["kinds"] for _ in range(weight)]


def _iso(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


class Agent(FastHttpUser):
    wait_time = constant(0)  # the think times are inside the call (see the module docstring)

    def on_start(self) -> None:
        n = next(_NEXT_AGENT)
        self.rng = random.Random(n)
        i = n % len(DATA["tokens"])
        self.username = DATA["agents"][i]
        self.api_headers = {"Authorization": f"Token {DATA['tokens'][i]}", "Accept": "application/json"}
        self.page_headers = {"Cookie": f"{DATA['session_cookie']}={DATA['sessions'][i]}"}
        self.telephony_headers = {"Authorization": f"Token {DATA['telephony_token']}", "Accept": "application/json"}
        self.queues = [q for q in DATA["queues"] if q[0] == self.username] or DATA["queues"]
        self.think(0, 45)  # agents are at random points of their calls when the test starts

    def think(self, low: float, high: float) -> None:
        gevent.sleep(self.rng.uniform(low, high))

    def request(self, method: str, path: str, name: str, headers: dict, body: dict | None = None) -> dict | None:
        with self.client.request(method, path, name=name, headers=headers, json=body, catch_response=True,
                                 allow_redirects=False) as response:
            if 200 <= (response.status_code or 0) < 300:
                response.success()
                if method == "POST" and name.endswith("work-orders/"):
                    return response.json()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
        return None

    def caller(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(DATA["phones"])
        return f"17{self.rng.randrange(10**9):09d}"

    @task
    def take_a_call(self) -> None:
        phone = self.caller()
        self.request("POST", "/api/v1/calls/", "POST /api/v1/calls/", self.telephony_headers, {
            "caller_number": phone, "agent": self.username, "ring_started_at": _iso(8), "answered_at": _iso(2),
            "ended_at": None})
        self.think(5, 15)
        owner, state, kind = self.rng.choice(self.queues)
        self.request("GET", f"/api/v1/work-orders/?owner={owner}&state={state}&kind={kind}",
                     "GET /api/v1/work-orders/?owner&state&kind", self.api_headers)
        roll = self.rng.random()
        if roll < 0.7:
            self.think(15, 30)
            created = self.request("POST", "/api/v1/work-orders/", "POST /api/v1/work-orders/", self.api_headers, {
                "kind": self.rng.choice(KINDS), "description": self.rng.choice(DATA["descriptions"]),
                "caller_number": phone})
            if created:
                self.request("GET", f"/orders/{created['id']}/", "GET /orders/{id}/", self.page_headers)
        elif roll < 0.9:
            order = self.rng.choice(DATA["order_ids"])
            self.request("GET", f"/orders/{order}/", "GET /orders/{id}/", self.page_headers)
            self.think(3, 8)
            self.request("POST", f"/api/v1/work-orders/{order}/transitions/urge/",
                         "POST /api/v1/work-orders/{id}/transitions/urge/", self.api_headers, {"note": "客户来电催办"})
        else:
            order = self.rng.choice(DATA["order_ids"])
            self.request("GET", f"/api/v1/work-orders/{order}/", "GET /api/v1/work-orders/{id}/", self.api_headers)
        self.think(5, 15)
