"""The wallboard 监控大屏 in Chromium (issue 20, item 4): on the live service, its figures change when the telephony
system logs a call through the API and when an order goes overdue (its deadline passes and the sweep runs), without
a reload; one screen with no scrolling at 1920×1080 (and 1440×900), a scrolling column on a phone that does not
break. The 1920×1080 screenshot goes to docs/screenshots/wallboard-1920.png."""

import datetime as dt
import importlib
import time
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone

from kpi import sweeps
from kpi.models import PenaltyRule
from kpi.services import entry_post_manual
from tests.actions import act, outage_act
from tests.factories import PASSWORD, CustomerFactory
from tickets.models import WorkOrder
from tickets.services import call_log, outage_receive, work_order_create
from tickets.services.workorders.repair import work_order_link_outage

from . import test_handover_browser as handover
from .test_live_browser import log_call, post_json

browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture
def busy_center(people, org):
    """A morning's work: answered and abandoned calls, open orders of several kinds, a crew due within the hour, a
    published fault with a repair call linked to it, and a penalty."""
    if not PenaltyRule.objects.exists():  # seeded by a migration; an earlier transactional test flushed them
        importlib.import_module("kpi.migrations.0002_rules_schedule_protection").seed_rules(django_apps, None)
    now = clear_of_midnight()
    # The wallboard counts today's calls (Asia/Shanghai) on the live server's own clock: they ring within today.
    since_midnight = (timezone.localtime(now) - local_midnight(now)).total_seconds()
    window = min(50 * 60, since_midnight - 100)
    for n, (ago, ring) in enumerate([(50, 3), (40, 5), (30, None), (20, 4), (10, 14), (5, 2)]):
        start = now - dt.timedelta(seconds=80 + (window - 80) * ago / 50)  # ended (≤ 74 s long) before now
        call_log(caller_number=f"1390000010{n}", ring_started_at=start, logged_by=people.telephony, agent=people.agent,
                 answered_at=start + dt.timedelta(seconds=ring) if ring else None,
                 ended_at=start + dt.timedelta(seconds=(ring or 6) + 60 * bool(ring)))
    customer = CustomerFactory(address="示范市解放路8号")
    for kind in ("repair", "repair", "complaint", "consultation", "suggestion"):
        work_order_create(kind=kind, description="客户来电", caller_number=customer.phone, customer=customer,
                          actor=people.agent)
    crew = work_order_create(kind="repair", description="变压器冒烟", caller_number=customer.phone, customer=customer,
                             actor=people.agent)
    act(order=crew, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    # A long area: on a phone its row must not widen the page.
    fault = outage_receive(kind="fault", area="中山路 中山一村 中山二村 建设路9号小区 建设路11号小区",
                           cause="10kV中山线故障",
                           starts_at=now - dt.timedelta(minutes=20), expected_restore_at=now + dt.timedelta(hours=3),
                           actor=people.agent)
    outage_act(notice=fault, name="publish", actor=people.agent)
    linked = work_order_create(kind="repair", description="家里没电", caller_number="13900000001",
                               customer=CustomerFactory(address="示范市中山路1号"), actor=people.agent)
    if linked.outage_id is None:  # the published notices are read through a cache a second old: link it by hand
        work_order_link_outage(order=linked, actor=people.agent, outage=fault)
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, reason="私接外网",
                      agent=people.agent2)
    return crew


def local_midnight(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def clear_of_midnight(before: int = 180, after: int = 240) -> dt.datetime:
    """Now, unless the local day ends within `before` seconds or began less than `after` seconds ago: then wait
    until `after` seconds into the new day, so that a test's calls and its page both fall on one day."""
    now = timezone.now()
    next_midnight = local_midnight(now) + dt.timedelta(days=1)
    if (next_midnight - now).total_seconds() < before:
        time.sleep((next_midnight - now).total_seconds() + after)
    elif (now - local_midnight(now)).total_seconds() < after:
        time.sleep(after - (now - local_midnight(now)).total_seconds())
    return timezone.now()


def value(page, selector: str) -> str:
    return page.locator(selector).get_attribute("data-value") or ""


def scroll_size(page) -> dict:
    return page.evaluate("""() => ({
        height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
        innerHeight: window.innerHeight, innerWidth: window.innerWidth})""")


def test_the_wallboard_follows_calls_and_deadlines_live(live_service, browser, plain_cookies, people, org,
                                                      busy_center):
    base = live_service.origin
    token = post_json(f"{base}/api/v1/auth/token/", {"username": "telephony", "password": PASSWORD})["token"]
    board = log_in(browser, base, "supervisor")
    board.set_viewport_size({"width": 1920, "height": 1080})
    board.goto(f"{base}/kpi/wallboard/")
    board.wait_for_selector("#wallboard[data-transport=push]")
    board.evaluate("window.notReloaded = true")
    assert value(board, "#wb-calls-offered") == "6"
    assert value(board, "#wb-outages") == "1" and value(board, "#wb-outage-calls") == "1"
    assert value(board, "#wb-overdue") == "0" and value(board, "#wb-due-soon") == "1"

    size = scroll_size(board)
    assert size["height"] <= size["innerHeight"] and size["width"] <= size["innerWidth"], size
    SHOTS.mkdir(parents=True, exist_ok=True)
    board.screenshot(path=str(SHOTS / "wallboard-1920.png"))

    log_call(base, token, "13700000001")  # the telephony system logs a call through the API
    board.wait_for_selector("#wb-calls-offered[data-value='7']", state="attached", timeout=15000)

    # The crew's time runs out (its deadline moved into the past, as the clock would) and the sweep judges it.
    past = timezone.now() - dt.timedelta(minutes=1)
    WorkOrder.objects.filter(pk=busy_center.pk).update(arrival_due_at=past, next_due_at=past)
    sweeps.sweep_deadlines(now=timezone.now())
    board.wait_for_selector("#wb-overdue[data-value='1']", state="attached", timeout=15000)
    assert value(board, "#wb-due-soon") == "0"
    assert "抢修一班" in board.locator("#wb-departments").inner_text()
    assert board.evaluate("window.notReloaded") is True


@pytest.mark.parametrize("width, height, scrolls", [(1440, 900, False), (390, 844, True)])
def test_the_wallboard_fits_a_laptop_and_does_not_break_on_a_phone(live_service, browser, plain_cookies, people,
                                                                   busy_center, width, height, scrolls):
    base = live_service.origin
    board = log_in(browser, base, "lead")
    board.set_viewport_size({"width": width, "height": height})
    board.goto(f"{base}/kpi/wallboard/")
    board.wait_for_selector("#wallboard[data-transport=push]")
    size = scroll_size(board)
    assert size["width"] <= size["innerWidth"], size  # never sideways
    if not scrolls:
        assert size["height"] <= size["innerHeight"], size
    assert board.locator("#wb-calls-offered").is_visible()
    board.screenshot(path=str(SHOTS / f"wallboard-{width}.png"), full_page=True)


def test_the_wallboard_polls_when_there_is_no_socket(live_server, browser, plain_cookies, people, busy_center):
    """Behind a server without WebSockets (pytest's WSGI live server, as behind a proxy that blocks them)."""
    board = log_in(browser, live_server.url, "manager")
    board.goto(f"{live_server.url}/kpi/wallboard/")
    assert value(board, "#wb-calls-offered") == "6"
    call_log(caller_number="13700000002", ring_started_at=timezone.now() - dt.timedelta(seconds=30),
             answered_at=timezone.now() - dt.timedelta(seconds=27), ended_at=timezone.now(),
             logged_by=people.telephony, agent=people.agent)
    board.wait_for_selector("#wb-calls-offered[data-value='7']", state="attached", timeout=12000)
    assert board.locator("#wallboard").get_attribute("data-transport") is None
