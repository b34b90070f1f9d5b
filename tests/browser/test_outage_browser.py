"""The outage notice pages in a real browser (Debian's Chromium through Playwright, against ``live_server``):
an agent records a fault notice for 幸福小区 and publishes it; a call from a customer living there shows the
notice's cause, expected restoration and the apology phrase on the caller lookup; the public page lists it.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (see the root conftest.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory
from tickets.models import OutageNotice, OutageState

from . import test_handover_browser as handover

# The handover test's fixtures: one headless Chromium, plain-HTTP cookies.
browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAUSE = "10kV幸福线电缆故障"


def local(moment: dt.datetime) -> str:
    """A datetime-local input's value (Asia/Shanghai)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_agent_publishes_a_notice_and_a_caller_from_the_area_hears_it(live_server, browser, plain_cookies,
                                                                      people):
    caller = CustomerFactory(name="赵六", phone="13711112222", address="示范市幸福小区3栋")
    CustomerFactory(name="钱七", phone="13733334444", address="示范市人民路5号")
    starts_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=20)
    restore_at = starts_at + dt.timedelta(hours=4)
    restore_text = timezone.localtime(restore_at).strftime("%Y-%m-%d %H:%M")
    base = live_server.url

    # The agent records the notice passed on by the operations department.
    agent = log_in(browser, base, "agent")
    agent.click("nav a:has-text('停电信息')")
    agent.wait_for_selector("#outages")
    agent.click("#new-outage")
    agent.select_option("#outage-form select[name=kind]", "fault")
    agent.fill("#outage-form textarea[name=area]", "幸福小区")
    agent.fill("#outage-form input[name=cause]", CAUSE)
    agent.fill("#outage-form input[name=starts_at]", local(starts_at))
    agent.fill("#outage-form input[name=expected_restore_at]", local(restore_at))
    agent.click("#outage-form button[type=submit]")
    agent.wait_for_selector("#outage-state:has-text('已接收')")
    notice = OutageNotice.objects.get()
    assert notice.received_by == people.agent and notice.starts_at == starts_at

    # ... and publishes it.
    agent.click("#publish-form button:has-text('发布')")
    agent.wait_for_selector("#outage-state:has-text('已发布')")
    assert "停电信息已发布" in agent.locator(".messages").inner_text()
    assert CAUSE in agent.locator("#apology").inner_text()
    notice.refresh_from_db()
    assert notice.state == OutageState.PUBLISHED and notice.published_by == people.agent

    # A call from 示范市幸福小区3栋: the caller lookup shows the cause, expected restoration and apology.
    agent.goto(f"{base}/outages/caller/")
    agent.fill("#caller-form input[name=phone]", caller.phone)
    agent.click("#caller-form button[type=submit]")
    card = agent.locator(f"#caller-notice-{notice.pk}")
    card.wait_for()
    assert "赵六" in agent.locator("#caller-customer").inner_text()
    assert card.locator(".notice-cause").inner_text().strip() == CAUSE
    assert card.locator(".notice-restore").inner_text().strip() == restore_text
    apology = card.locator(".apology-text").inner_text()
    assert "非常抱歉" in apology and CAUSE in apology and restore_text in apology

    # A caller from elsewhere hears of no outage.
    agent.fill("#caller-form input[name=phone]", "13733334444")
    agent.click("#caller-form button[type=submit]")
    agent.wait_for_selector("#no-outage")
    assert agent.locator(".caller-notice").count() == 0

    # The public page (no login) lists it.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/public/outages/")
    current = public.locator("#current").inner_text()
    assert "幸福小区" in current and CAUSE in current and restore_text in current
    assert "赵六" not in public.content() and caller.phone not in public.content()
