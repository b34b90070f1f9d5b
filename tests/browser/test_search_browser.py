"""Finding work and repeat calls in a real browser (issue 18; Chromium through Playwright, against ``live_server``):
``/`` on any page focuses the header's search box, 停电 + Enter lists the archived order it names (at 1440×900 and
390×844, nothing wider than the screen); on the console, the caller's file lists their open order and Alt+R records
the call as an urge on it — no new order.

``SCREENSHOTS=1`` also writes docs/screenshots/search.png and docs/screenshots/repeat-call.png."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tickets.models import OutageNotice, State, WorkOrder
from tickets.services import work_order_create

from . import test_handover_browser as handover

browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def shoot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def history(people, customer):
    archived = work_order_create(kind="consultation", description="中山路1号3栋停电，询问何时恢复",
                                 caller_number="13812340001", actor=people.agent2, answer="已告知预计18点前恢复")
    open_repair = work_order_create(kind="repair", description="家里停电", caller_number=customer.phone,
                                    customer=customer, actor=people.agent2)
    work_order_create(kind="complaint", description="营业厅排队太久", caller_number="13700000002", actor=people.agent2)
    return archived, open_repair


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_slash_focuses_search_and_finds_an_archived_order(live_server, browser, plain_cookies, people, history,
                                                          viewport):
    archived, _ = history
    assert archived.state == State.ARCHIVED
    agent = log_in(browser, live_server.url, "agent")
    agent.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    agent.goto(f"{live_server.url}/queue/")
    agent.keyboard.press("/")
    assert agent.evaluate("document.activeElement.id") == "site-search-q"
    agent.keyboard.type("停电")
    agent.keyboard.press("Enter")
    agent.wait_for_selector("#results")
    rows = agent.locator("#results tbody tr[id^=order-]")
    assert rows.count() == 2  # the archived consultation and the open repair; not the complaint
    assert agent.locator(f"#order-{archived.pk} mark").first.inner_text() == "停电"
    assert page_width(agent) <= viewport[0]
    shoot(agent, "search.png" if viewport[0] > 1000 else "search-phone.png")


def test_a_repeat_call_is_an_urge_in_two_keystrokes(live_server, browser, plain_cookies, people, customer, history):
    _, open_repair = history
    agent = log_in(browser, live_server.url, "agent")
    agent.set_viewport_size({"width": 1440, "height": 900})
    agent.goto(f"{live_server.url}/console/")
    agent.keyboard.press("Alt+f")
    agent.keyboard.type(customer.phone)
    agent.keyboard.press("Enter")  # Find: the caller's file, with their open order
    agent.wait_for_selector("#repeat-orders")
    assert agent.is_checked(f"#urge-{open_repair.pk}")
    shoot(agent, "repeat-call.png")
    agent.keyboard.press("Alt+r")
    agent.wait_for_selector(".messages li.success")
    assert open_repair.number in agent.locator(".messages").inner_text()
    open_repair.refresh_from_db()
    assert open_repair.urge_count == 1
    assert WorkOrder.objects.count() == 3  # no new order
    urge = open_repair.history.get(name="urge")
    assert urge.call is not None and urge.call.caller_number == customer.phone


def test_select_all_and_dispatch_in_bulk(live_server, browser, plain_cookies, people, org):
    repairs = [work_order_create(kind="repair", description=f"第{n}户停电", caller_number=f"1390000{n:04d}",
                                 actor=people.agent) for n in range(3)]
    complaint = work_order_create(kind="complaint", description="投诉", caller_number="13700000001",
                                  actor=people.agent)
    agent = log_in(browser, live_server.url, "agent")
    for width, height in ((1440, 900), (390, 844)):
        agent.set_viewport_size({"width": width, "height": height})
        agent.goto(f"{live_server.url}/queue/")
        assert page_width(agent) <= width
    agent.set_viewport_size({"width": 1440, "height": 900})
    agent.check("#bulk-all")
    assert agent.locator("input[name=orders]:checked").count() == 4
    assert "4" in agent.inner_text("#bulk-count")
    agent.select_option("#bulk-action", "dispatch")
    agent.select_option("#bulk-department", str(org.repair.pk))
    shoot(agent, "bulk.png")
    agent.click("#bulk-submit")
    agent.wait_for_selector("#bulk-results")
    assert agent.locator("tr.bulk-done").count() == 3
    assert agent.locator(f"#bulk-{complaint.pk}.bulk-refused").count() == 1
    assert all(WorkOrder.objects.get(pk=o.pk).state == State.DISPATCHED for o in repairs)
    assert WorkOrder.objects.get(pk=complaint.pk).state == State.ACCEPTED


def test_a_surge_is_proposed_and_becomes_a_notice(live_server, browser, plain_cookies, people):
    for n in range(5):
        work_order_create(kind="repair", description="家里突然停电", caller_number=f"1390001{n:04d}",
                          address=f"示范市幸福小区{n + 1}号楼{n + 1}01", actor=people.agent2)
    agent = log_in(browser, live_server.url, "agent")
    agent.set_viewport_size({"width": 1440, "height": 900})
    agent.goto(f"{live_server.url}/console/")
    proposal = agent.locator("#surges .surge")
    assert proposal.count() == 1 and "示范市幸福小区" in proposal.inner_text()
    shoot(agent, "surge.png")
    proposal.locator("a.button").click()
    agent.wait_for_selector("#surge-proposal")
    assert agent.input_value("#id_area") == "示范市幸福小区"
    agent.fill("#id_cause", "10kV幸福线故障")
    agent.click("#outage-form button[type=submit]")
    agent.wait_for_selector(".messages li.success")
    notice = OutageNotice.objects.get()
    assert notice.proposed_orders.count() == 5
    agent.goto(f"{live_server.url}/console/")
    assert agent.locator("#surges").count() == 0  # handled: no longer proposed
