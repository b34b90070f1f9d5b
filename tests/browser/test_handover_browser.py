"""The handover pages in a real browser (Debian's Chromium through Playwright, against ``live_server``):
the outgoing lead signs, the incoming lead flags an order and refuses for cleaning, the outgoing lead signs
again, the incoming lead accepts — and the page and the database agree.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (see the root conftest.py)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.utils import timezone

from shifts import services
from shifts.models import Handover, HandoverItem, HandoverItemKind, HandoverState, OrderShift, ShiftTemplate
from tests.factories import PASSWORD, UserFactory
from tickets.services import work_order_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture
def browser(monkeypatch):
    """One headless Chromium for the test. Playwright's sync API runs an event loop in this thread, so Django's
    async-safety check must be told that the test's own database calls are fine (restored afterwards)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright's loop runs, Django keeps this thread's connections in a context variable: close
        # them here, or PostgreSQL cannot drop the test database at the end of the session.
        connections.close_all()


@pytest.fixture
def plain_cookies(settings):
    """The live server speaks plain HTTP: session and CSRF cookies must not be Secure-only."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def duty(people, customer):
    """The 24-hour duty on now (8:00 → 8:00, lead with agent) hands over to the next one (lead2)."""
    if not ShiftTemplate.objects.exists():  # seeded by a migration; an earlier transactional test flushed them
        importlib.import_module("shifts.migrations.0002_templates_and_schedule").seed(django_apps, None)
    lead2 = UserFactory(username="lead2", unit=people.lead.unit, role="shift_lead")
    template = ShiftTemplate.objects.get(code="duty24")
    now = timezone.localtime()
    day = now.date() if now.time() >= template.start else now.date() - dt.timedelta(days=1)
    outgoing = services.shift_create(unit=people.lead.unit, template=template, date=day, lead=people.lead,
                                     members=[people.agent], actor=people.supervisor)
    incoming = services.shift_create(unit=people.lead.unit, template=template, date=day + dt.timedelta(days=1),
                                     lead=lead2, members=[], actor=people.supervisor)
    order = work_order_create(kind="complaint", description="抄表员态度恶劣", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    return outgoing, incoming, order, lead2


def log_in(browser, base_url: str, username: str):
    """A fresh browser context (its own cookies) logged in through the login form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next=/shifts/mine/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/shifts/mine/")
    return page


def state_label(page) -> str:
    return page.locator("#handover-state").inner_text().strip()


def test_handover_refused_for_cleaning_then_accepted_in_the_browser(live_server, browser, plain_cookies, people,
                                                                  duty):
    outgoing_shift, incoming_shift, order, lead2 = duty
    base = live_server.url

    # The outgoing lead opens the handover from "my shift" and sees the carried order.
    outgoing = log_in(browser, base, "lead")
    outgoing.click(f"#my-shift-{outgoing_shift.pk} button:has-text('打开交接班')")
    outgoing.wait_for_selector("#items")
    assert order.number in outgoing.locator("#items").inner_text()
    assert state_label(outgoing) == "草稿"
    handover = Handover.objects.get(outgoing=outgoing_shift)
    item = HandoverItem.objects.get(handover=handover, kind=HandoverItemKind.ORDER)

    # Ticks the checklist and signs.
    for name in ("cleaning_done", "equipment_ok", "items_counted"):
        outgoing.check(f"#submit-form input[name={name}]")
    outgoing.fill("#submit-form textarea[name=notes]", "设备正常，物品已清点")
    outgoing.click("#submit-form button:has-text('签字交班')")
    outgoing.wait_for_selector("#handover-state:has-text('已交班')")

    # The incoming lead finds it on "my shift", flags the order and refuses for cleaning.
    incoming = log_in(browser, base, "lead2")
    incoming.click(f"a[href='/shifts/handovers/{handover.pk}/review/']")
    incoming.wait_for_selector("#review-form")
    assert order.number in incoming.locator("#items").inner_text()
    incoming.check(f"input[name=flag_{item.pk}]")
    incoming.fill(f"input[name=note_{item.pk}]", "本班可以办结")
    incoming.fill("textarea[name=reason]", "值班室卫生未打扫")
    incoming.check("input[name=for_cleaning]")
    incoming.click("button[value=refuse]")
    incoming.wait_for_selector("#handover-state:has-text('拒绝接班')")
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.REFUSED

    # The outgoing lead sees the refusal and signs again (the checklist is still ticked).
    outgoing.reload()
    assert "值班室卫生未打扫" in outgoing.locator("#refusal").inner_text()
    assert outgoing.is_checked("#submit-form input[name=cleaning_done]")
    outgoing.click("#submit-form button:has-text('签字交班')")
    outgoing.wait_for_selector("#handover-state:has-text('已交班')")

    # The incoming lead reviews again: the flag ticked before the refusal is still there; accepts.
    incoming.goto(f"{base}/shifts/handovers/{handover.pk}/review/")
    assert incoming.is_checked(f"input[name=flag_{item.pk}]")
    assert incoming.input_value(f"input[name=note_{item.pk}]") == "本班可以办结"
    incoming.click("button[value=accept]")
    incoming.wait_for_selector("#handover-state:has-text('已接班')")
    assert state_label(incoming) == "已接班"
    assert "已签字接班" in incoming.locator(".messages").inner_text()

    handover.refresh_from_db()
    assert handover.state == HandoverState.ACCEPTED
    assert handover.accepted_by == lead2 and handover.submitted_by == people.lead
    assert handover.refusal_count == 1 and handover.refused_for_cleaning
    assert handover.cleaning_missed_at is not None
    assert (handover.cleaning_done, handover.equipment_ok, handover.items_counted) == (True, True, True)
    item.refresh_from_db()
    assert (item.flagged, item.flag_note, item.reviewed) == (True, "本班可以办结", True)
    assert OrderShift.objects.get(order=order).shift == incoming_shift
    order.refresh_from_db()
    assert order.owner == people.agent  # the first-question owner does not change
    assert list(handover.history.order_by("at", "id").values_list("name", flat=True)) == [
        "create", "submit", "refuse", "submit", "accept"]
