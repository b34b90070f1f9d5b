"""My queue, the order page and the callbacks in a real browser (Debian's Chromium through Playwright, against
``live_server``): an agent opens the queue and sees a complaint with its running countdown, opens the order page,
records a satisfied callback of a replied complaint from today's callbacks and archives it; a reply with a
forbidden phrase is refused with the phrase shown.

With SCREENSHOTS=1 it also writes docs/screenshots/queue.png and docs/screenshots/order.png (1280×800).
Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (see the root conftest.py)."""

import datetime as dt
import importlib.util
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.actions import act
from tests.factories import PASSWORD, CustomerFactory
from tickets.models import Callback, State, WorkOrder
from tickets.services import work_order_create

from . import test_handover_browser as handover

# The handover test's fixtures: one headless Chromium, plain-HTTP cookies.
browser, plain_cookies = handover.browser, handover.plain_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOTS", "").strip().lower() not in ("", "0", "false", "no", "off")
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
FORBIDDEN = "这事不归我们管"  # seeded forbidden phrase (seed 000 细则 3)
RED = "rgb(180, 35, 24)"  # --danger


def log_in(browser, base_url: str, username: str, landing: str = "/queue/"):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(handover.TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={landing}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}{landing}")
    return page


def fire(order, name, actor, **params) -> WorkOrder:
    return act(order=WorkOrder.objects.get(pk=order.pk), name=name, actor=actor, params=params)


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / name))


@pytest.fixture
def desk(people, org):
    """The agent's open work: an investigated complaint waiting for its reply, a complaint replied yesterday
    (its callback due today: overdue), a repair whose crew is late, a new consultation."""
    zhang = CustomerFactory(name="张三", phone="13900000001", address="示范市中山路1号")
    li = CustomerFactory(name="李四", phone="13900000002", address="示范市人民路8号")
    wang = CustomerFactory(name="王五", phone="13900000003", address="示范市幸福小区3栋")

    def complaint(customer, description):
        order = work_order_create(kind="complaint", description=description, caller_number=customer.phone,
                                  customer=customer, actor=people.agent)
        fire(order, "forward", people.agent)
        fire(order, "dispatch", people.supervision, department=org.marketing.pk)
        return fire(order, "investigate", people.marketing, valid=False)

    waiting = complaint(zhang, "抄表员上门态度恶劣")
    replied = complaint(li, "电费突然增加，怀疑电表有问题")
    replied = fire(replied, "reply", people.marketing, reply_text="经现场校验，电表计量准确，已向您说明。")
    # The reply was yesterday: move its clocks back a day (the callback is due today, and late).
    day = dt.timedelta(days=1)
    WorkOrder.objects.filter(pk=replied.pk).update(
        replied_at=replied.replied_at - day, resolved_at=replied.resolved_at - day,
        callback_due_at=replied.callback_due_at - day - dt.timedelta(minutes=5))
    repair = work_order_create(kind="repair", description="家中停电", caller_number=wang.phone, customer=wang,
                               actor=people.agent)
    fire(repair, "dispatch", people.agent, department=org.repair.pk)
    WorkOrder.objects.filter(pk=repair.pk).update(arrival_due_at=timezone.now() - dt.timedelta(minutes=10))
    work_order_create(kind="consultation", description="咨询阶梯电价", caller_number=li.phone, customer=li,
                      actor=people.agent)
    return waiting, WorkOrder.objects.get(pk=replied.pk)


def countdown_text(page, order) -> str:
    return page.locator(f"#order-{order.pk} [data-countdown]").inner_text().strip()


def test_queue_order_page_and_the_callback_flow_in_the_browser(live_server, browser, plain_cookies, people, desk):
    waiting, replied = desk
    base = live_server.url

    # The agent opens the queue: the complaint is there with its countdown, which runs.
    agent = log_in(browser, base, "agent", landing="/")
    agent.click("nav a[href='/queue/']")
    agent.wait_for_selector("#queue")
    row = agent.locator(f"#order-{waiting.pk}")
    assert waiting.number in row.inner_text() and "投诉" in row.inner_text() and "已调查" in row.inner_text()
    before = countdown_text(agent, waiting)
    assert re.search(r"\d{2}:\d{2}:\d{2}", before)
    agent.wait_for_function(
        "([selector, before]) => document.querySelector(selector).textContent.trim() !== before",
        arg=[f"#order-{waiting.pk} [data-countdown]", before], timeout=3000)
    late = agent.locator(f"#order-{replied.pk} [data-countdown]")
    assert "overdue" in late.get_attribute("class")
    assert late.evaluate("el => getComputedStyle(el).color") == RED
    screenshot(agent, "queue.png")

    # ... and opens the order page from the queue.
    agent.click(f"#order-{waiting.pk} a:has-text('{waiting.number}')")
    agent.wait_for_selector("#order-state")
    assert agent.locator("#order-state").inner_text().strip() == "已调查"
    history = agent.locator("#history").inner_text()
    assert "已受理" in history and "已转监察室" in history and "已派单" in history
    assert agent.locator("#reply-form textarea[name=reply_text][data-phrase-check]").count() == 1

    # Today's callbacks: the replied complaint, called back (satisfied), leaves the list; then it is archived.
    agent.click("nav a[href='/callbacks/']")
    agent.wait_for_selector("#due-callbacks")
    form = agent.locator(f"#callback-{replied.pk}-form")
    form.locator("input[name=reached][value=true]").check()
    form.locator("input[name=satisfied][value=true]").check()
    form.locator("select[name=attitude]").select_option("good")
    form.locator("select[name=quality]").select_option("good")
    form.locator("textarea[name=suggestions]").fill("满意，无意见")
    form.locator("button[type=submit]").click()
    agent.wait_for_selector(f".messages :text('{replied.number}')")
    assert agent.locator(f"#callback-{replied.pk}").count() == 0
    assert WorkOrder.objects.get(pk=replied.pk).state == State.CALLED_BACK
    assert Callback.objects.get(order=replied).satisfied is True

    agent.goto(f"{base}/orders/{replied.pk}/")
    assert agent.locator("#order-state").inner_text().strip() == "已回访"
    assert "满意，无意见" in agent.locator("#callbacks").inner_text()
    agent.click("#archive-form button[type=submit]")
    agent.wait_for_selector("#order-state:has-text('已归档')")
    assert WorkOrder.objects.get(pk=replied.pk).state == State.ARCHIVED

    # A reply with a forbidden phrase is refused, with the phrase shown.
    if importlib.util.find_spec("tickets.services.phrases") is None:
        pytest.skip("the forbidden-phrase check (tickets/services/phrases.py) has not landed yet")
    agent.goto(f"{base}/orders/{waiting.pk}/")
    agent.fill("#reply-form textarea[name=reply_text]", f"您好，{FORBIDDEN}，请您联系物业。")
    agent.click("#reply-form button[type=submit]")
    agent.wait_for_selector("#reply-form .forbidden-phrases")
    assert agent.locator("#reply-form mark.forbidden-phrase").inner_text().strip() == FORBIDDEN
    assert FORBIDDEN in agent.locator("#reply-form .errorlist").inner_text()
    assert agent.locator("#order-state").inner_text().strip() == "已调查"
    assert WorkOrder.objects.get(pk=waiting.pk).state == State.INVESTIGATED
    screenshot(agent, "order.png")
