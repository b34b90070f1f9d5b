"""The agent console 来电工作台 in a real browser (Debian's Chromium through Playwright, against ``live_server``):
the telephony system logs calls for the agent through the API and each appears on the open console within 2 s
(measured and printed); the agent takes the newest with Alt+U, the customer's file shows, Alt+3 makes it a
complaint, a line of description and Ctrl+Enter accept it, and the page shows its number and countdown. The
console fits 1366×768, and switches language.

``SCREENSHOTS=1`` also writes docs/screenshots/console.png (1280×800).

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (see the root conftest.py)."""

import datetime as dt
import json
import os
import random
import statistics
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.actions import outage_act
from tests.factories import PASSWORD, UserFactory
from tickets.models import Call, SmsMessage, WorkOrder
from tickets.services import outage_receive, work_order_create
from tickets.sms import sending

from . import test_handover_browser as handover

# The handover test's fixtures: one headless Chromium, plain-HTTP cookies.
browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUSH_TARGET_S = 2.0  # issue 6: a call logged through the API is on the agent's page in under 2 s
SAMPLES = 5
SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "console.png"


def post_json(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def telephony(people):
    """The telephony system's API account: it may log calls, nothing else."""
    user = UserFactory(username="telephony")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_call", "view_call"]))
    return user


@pytest.fixture
def caller(people, customer):
    """张三 has called before (a repair), and a fault outage covers 中山路 now."""
    work_order_create(kind="repair", description="家里停电", caller_number=customer.phone, customer=customer,
                      actor=people.agent2)
    starts = timezone.now() - dt.timedelta(minutes=40)
    notice = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=3), actor=people.lead)
    outage_act(notice=notice, name="publish", actor=people.lead)
    return customer


def log_call(base: str, token: str, phone: str, *, ring: int) -> dict:
    """What the telephony system sends when the agent picks up after ``ring`` seconds."""
    answered = timezone.now()
    return post_json(f"{base}/api/v1/calls/", {
        "caller_number": phone, "ring_started_at": (answered - dt.timedelta(seconds=ring)).isoformat(),
        "answered_at": answered.isoformat(), "ended_at": None, "agent": "agent",
    }, token)


def test_a_call_pushed_through_the_api_becomes_a_complaint_in_a_few_keystrokes(live_server, browser, plain_cookies,
                                                                              people, caller, telephony):
    base = live_server.url
    token = post_json(f"{base}/api/v1/auth/token/", {"username": "telephony", "password": PASSWORD})["token"]
    agent = log_in(browser, base, "agent")
    agent.set_viewport_size({"width": 1280, "height": 800})
    agent.click("nav a[href='/console/']")
    agent.wait_for_selector("#console")
    # pytest's live server speaks WSGI only, as behind a proxy that blocks WebSockets: the console polls instead.
    agent.wait_for_selector("#console[data-transport=poll]")

    # Calls logged through the API appear on the open page: measure the time from the API's answer (the call is
    # logged) to the call on the page. Spread over the polling period so the samples are not in phase with it.
    latencies = []
    for n in range(SAMPLES):
        time.sleep(random.uniform(0, 1))
        other = f"1370000{n:04d}"
        logged = log_call(base, token, other if n < SAMPLES - 1 else caller.phone, ring=4 if n < SAMPLES - 1 else 13)
        started = time.monotonic()
        agent.wait_for_selector(f".call-card[data-call='{logged['id']}']", timeout=PUSH_TARGET_S * 1000)
        latencies.append(time.monotonic() - started)
    print(f"\nconsole push latency over {SAMPLES} calls: min {min(latencies):.2f} s, "
          f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s (target < {PUSH_TARGET_S} s)")
    assert max(latencies) < PUSH_TARGET_S
    call = Call.objects.get(pk=logged["id"])
    newest = agent.locator(".call-card").first
    assert newest.get_attribute("data-call") == str(call.pk)
    assert caller.phone in newest.inner_text() and "张三" in newest.inner_text()
    assert "late" in newest.locator(".call-ring").get_attribute("class")  # 13 s: over 3 rings, red
    assert agent.locator(".call-card").count() == SAMPLES

    # Alt+U takes the newest call: the form has it, the customer's file and the outage on their street show.
    agent.keyboard.press("Alt+u")
    agent.wait_for_selector("#customer-record:has-text('张三')")
    assert agent.input_value("#console-form input[name=call]") == str(call.pk)
    assert agent.input_value("#id_caller_number") == caller.phone
    assert agent.locator("#file-orders tbody tr").count() == 1
    assert "10kV中山线故障" in agent.locator("#customer-file .caller-notice").inner_text()

    # Alt+3: a complaint; the description has the focus. A line of text and Ctrl+Enter accept it.
    agent.keyboard.press("Alt+3")
    assert agent.is_checked("#id_classification_3")
    assert agent.evaluate("document.activeElement.id") == "id_description"
    agent.keyboard.type("抄表员态度恶劣")
    assert agent.locator(".phrase-group:not([hidden]) [data-phrases='complaint_accept']").count() == 1
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        agent.screenshot(path=str(SCREENSHOT))
    agent.keyboard.press("Control+Enter")
    agent.wait_for_selector("#created")
    order = WorkOrder.objects.get(kind="complaint")
    assert (order.call_id, order.customer, order.owner, order.description) == (
        call.pk, caller, people.agent, "抄表员态度恶劣")
    assert order.number in agent.locator(".messages").inner_text()
    assert agent.locator("#created-link").inner_text() == order.number
    assert agent.locator("#created-link").get_attribute("href") == f"/orders/{order.pk}/"
    assert agent.locator("#created-deadlines [data-countdown]").count() >= 1
    # The call taken is no longer waiting on the panel; the form is empty for the next call.
    assert agent.locator(f".call-card[data-call='{call.pk}']").count() == 0
    assert agent.input_value("#id_description") == ""

    # Usable at 1366×768: nothing wider than the window, the form's button and the file's top in view.
    agent.set_viewport_size({"width": 1366, "height": 768})
    assert agent.evaluate("document.documentElement.scrollWidth") <= 1366
    agent.goto(f"{base}/console/?call={call.pk}")
    box = agent.locator("#save").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768
    assert agent.locator("#customer-record").bounding_box()["y"] < 768


def test_the_console_switches_language(live_server, browser, plain_cookies, people):
    agent = log_in(browser, live_server.url, "agent")
    agent.goto(f"{live_server.url}/console/")
    assert agent.get_attribute("html", "lang") == "zh-hans"
    assert "停电信息" in agent.locator("nav").inner_text()
    agent.click("button[value=en]")
    agent.wait_for_selector("html[lang=en]")
    assert agent.url.endswith("/console/") and agent.locator("#console").count() == 1
    assert "Outage notices" in agent.locator("nav").inner_text()
    agent.click("button[value=zh-hans]")
    agent.wait_for_selector("html[lang=zh-hans]")
    assert "停电信息" in agent.locator("nav").inner_text() and agent.url.endswith("/console/")


RINGING = Path(settings.BASE_DIR) / "docs" / "screenshots" / "console-ringing.png"


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_a_call_ringing_at_the_seat_pops_the_caller_up(live_server, browser, plain_cookies, people, caller,
                                                       width, height):
    """The switch reports ``ring`` at the agent's seat (calls/events): before the agent picks up, the console names
    the caller and offers their file; at ``end`` the pop goes away."""
    base = live_server.url
    token = post_json(f"{base}/api/v1/auth/token/", {"username": "telephony", "password": PASSWORD})["token"]
    agent = log_in(browser, base, "agent")
    agent.set_viewport_size({"width": width, "height": height})
    agent.goto(f"{base}/console/")
    ringing = agent.locator("#ringing")
    assert ringing.is_hidden()

    now = timezone.now()
    post_json(f"{base}/api/v1/calls/events/", {"call_id": f"pbx-{width}", "event": "ring", "at": now.isoformat(),
                                               "caller_number": caller.phone, "seat": people.agent.seat}, token)
    ringing.wait_for(state="visible", timeout=5000)
    assert caller.phone in ringing.inner_text() and caller.name in ringing.inner_text()
    assert ringing.get_by_role("link").get_attribute("href") == f"/console/?phone={caller.phone}"
    box = ringing.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # on screen at either width
    if os.environ.get("SCREENSHOTS"):
        agent.screenshot(path=str(RINGING.with_name(f"console-ringing-{width}.png")))

    post_json(f"{base}/api/v1/calls/events/", {"call_id": f"pbx-{width}", "event": "end",
                                               "at": timezone.now().isoformat()}, token)
    ringing.wait_for(state="hidden", timeout=5000)
    agent.close()


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_the_caller_asks_for_no_text_messages_without_losing_the_form(live_server, browser, plain_cookies, people,
                                                                      caller, width, height):
    """Mid-call, the caller says "stop texting me": one click in their file, the file says so, what the agent typed
    stays; no message is queued for them from then on; one more click undoes it."""
    base = live_server.url
    agent = log_in(browser, base, "agent")
    agent.set_viewport_size({"width": width, "height": height})
    agent.goto(f"{base}/console/?phone={caller.phone}")
    agent.wait_for_selector("#customer-record:has-text('张三')")
    agent.fill("#id_description", "停电两小时了")
    sms_row = agent.locator("#customer-sms")
    assert "接收短信" in sms_row.inner_text()
    sms_row.get_by_role("button", name="不再发送短信").click()
    agent.wait_for_selector("#customer-sms:has-text('客户要求不发短信')")
    assert agent.input_value("#id_description") == "停电两小时了"
    assert agent.evaluate("document.documentElement.scrollWidth") <= width
    if os.environ.get("SCREENSHOTS"):
        agent.screenshot(path=str(SCREENSHOT.with_name(f"console-sms-opt-out-{width}.png")))
    caller.refresh_from_db()
    assert caller.sms_opt_out is True
    order = work_order_create(kind="repair", description="停电", caller_number=caller.phone, customer=caller,
                              actor=people.agent)
    sending.send_due()
    assert SmsMessage.objects.get(order=order).state == "skipped"  # not sent, and the log says why
    agent.locator("#customer-sms").get_by_role("button", name="恢复发送短信").click()
    agent.wait_for_selector("#customer-sms:not(:has-text('客户要求不发短信'))")
    caller.refresh_from_db()
    assert caller.sms_opt_out is False
    agent.close()
