"""The console on the live service (issue 20): in Chromium, the agent's console opens its WebSocket and a call the
telephony system logs through the API appears without any request to the polling URL (the test watches the
network); the live service stopped for 30 s, the console polls meanwhile (in vain), then reconnects by itself and
shows the calls logged while it was away. Behind a server that has no WebSockets (pytest's WSGI live live_service, as
behind a proxy that blocks them) the console polls: tests/browser/test_console_browser.py."""

import json
import os
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.actions import act
from tests.factories import PASSWORD
from tickets.services import work_order_create

from . import test_handover_browser as handover

browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def post_json(url: str, body: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def log_call(base: str, token: str, phone: str) -> dict:
    start = timezone.now() - timezone.timedelta(seconds=20)
    return post_json(f"{base}/api/v1/calls/", {
        "caller_number": phone, "ring_started_at": start.isoformat(), "agent": "agent",
        "answered_at": (start + timezone.timedelta(seconds=4)).isoformat(),
        "ended_at": (start + timezone.timedelta(seconds=15)).isoformat()}, token)


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_a_call_is_pushed_to_the_console_without_polling(live_service, browser, plain_cookies, people, width, height):
    base = live_service.origin
    token = post_json(f"{base}/api/v1/auth/token/", {"username": "telephony", "password": PASSWORD})["token"]
    agent = log_in(browser, base, "agent")
    agent.set_viewport_size({"width": width, "height": height})
    polls = []
    agent.on("request", lambda request: polls.append(request.url) if "/console/incoming/" in request.url else None)
    agent.goto(f"{base}/console/")
    agent.wait_for_selector("#console[data-transport=push]")
    for n in range(3):
        started = time.monotonic()
        logged = log_call(base, token, f"1370000000{n}")
        agent.wait_for_selector(f".call-card[data-call='{logged['id']}']", timeout=2000)
        print(f"\ncall {n} on the console {time.monotonic() - started:.3f} s after the API answered")
    assert polls == [], polls
    assert agent.locator(".call-card").count() == 3


def test_the_console_reconnects_after_30_s_offline_and_gets_what_it_missed(live_service, browser, plain_cookies,
                                                                           people):
    base = live_service.origin
    token = post_json(f"{base}/api/v1/auth/token/", {"username": "telephony", "password": PASSWORD})["token"]
    agent = log_in(browser, base, "agent")
    agent.goto(f"{base}/console/")
    agent.wait_for_selector("#console[data-transport=push]")
    live_service.stop()  # the live service away: the page falls back to polling, which fails too
    agent.wait_for_selector("#console[data-transport=poll]", timeout=5000)
    time.sleep(30)
    live_service.start()  # back on the same port
    missed = log_call(base, token, "13700000009")  # logged just as it came back
    agent.wait_for_selector(f".call-card[data-call='{missed['id']}']", timeout=35000)
    agent.wait_for_selector("#console[data-transport=push]", timeout=35000)


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_the_crews_queue_shows_a_new_dispatch_and_a_row_that_moved_on(live_service, browser, plain_cookies, people,
                                                                      customer, org, width, height):
    base = live_service.origin
    on_page = work_order_create(kind="repair", description="变压器冒烟", caller_number=customer.phone,
                                customer=customer, actor=people.agent)
    act(order=on_page, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    coming = work_order_create(kind="repair", description="整栋楼停电", caller_number=customer.phone,
                               customer=customer, actor=people.agent)
    crew = log_in(browser, base, "repair")
    crew.set_viewport_size({"width": width, "height": height})
    crew.goto(f"{base}/queue/")
    crew.wait_for_selector("#queue-live[data-transport=push]", state="attached")
    row = crew.locator(f"#order-{on_page.pk}")
    assert "已派单" in row.inner_text()

    agent_token = post_json(f"{base}/api/v1/auth/token/", {"username": "agent", "password": PASSWORD})["token"]
    post_json(f"{base}/api/v1/work-orders/{coming.pk}/transitions/dispatch/", {"department": org.repair.pk},
              agent_token)
    notice = crew.locator("#queue-live-notice")
    notice.wait_for(state="visible", timeout=3000)
    assert coming.number in notice.inner_text()
    crew_token = post_json(f"{base}/api/v1/auth/token/", {"username": "repair", "password": PASSWORD})["token"]
    post_json(f"{base}/api/v1/work-orders/{on_page.pk}/transitions/arrive/", {}, crew_token)
    crew.wait_for_selector(f"#order-{on_page.pk}[data-state=arrived]", timeout=3000)
    assert "已派单" not in row.inner_text()
    assert row.locator("td.steps a").inner_text() == "已变更，查看"  # the old state's steps are gone
    if os.environ.get("SCREENSHOTS"):
        crew.screenshot(path=str(SHOTS / f"queue-live-{width}.png"))


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_an_order_page_says_when_someone_else_changes_the_order(live_service, browser, plain_cookies, people,
                                                                 customer, org, width, height):
    base = live_service.origin
    order = work_order_create(kind="repair", description="变压器冒烟", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    crew = log_in(browser, base, "repair2")  # another crew: not theirs, so no socket message may reach them
    page = log_in(browser, base, "agent")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{base}/orders/{order.pk}/")
    page.wait_for_selector("#order-live[data-transport=push]", state="attached")
    crew.goto(f"{base}/queue/")
    crew.wait_for_selector("#queue-live[data-transport=push]", state="attached")
    lead_token = post_json(f"{base}/api/v1/auth/token/", {"username": "lead", "password": PASSWORD})["token"]
    post_json(f"{base}/api/v1/work-orders/{order.pk}/transitions/dispatch/", {"department": org.repair.pk},
              lead_token)
    notice = page.locator("#order-live-notice")
    notice.wait_for(state="visible", timeout=3000)
    assert "lead" in notice.inner_text() and "派单" in notice.inner_text()
    assert page.locator("#order-state").inner_text() == "已派单"
    if os.environ.get("SCREENSHOTS") and width == 1440:
        page.screenshot(path=str(SHOTS / "order-live-1440.png"))
    crew.wait_for_timeout(1000)
    assert crew.locator("#queue-live-notice").is_hidden()  # repair-2 was not told of repair-1's dispatch
