"""Text messages as their users meet them, in Chromium at 1440×900 and 390×844: a supervisor corrects an SMS template
in the admin (a placeholder its moment does not fill is refused in words, the corrected text saved) and reads the
message log; an agent and the repair crew see on the order page what the caller was texted.

``SCREENSHOTS=1`` writes docs/screenshots/sms-*.png."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.actions import act
from tickets.models import SmsTemplate
from tickets.services import work_order_create
from tickets.sms import sending

from . import test_handover_browser as handover

browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def shot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS") and name.endswith("-1440.png"):  # the README shows the wide ones
        page.screenshot(path=str(SHOTS / name), full_page=False)


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_a_supervisor_edits_a_template_and_the_order_page_shows_the_texts(live_server, browser, plain_cookies, people,
                                                                         customer, org, width, height):
    base = live_server.url
    order = work_order_create(kind="repair", description="整栋楼停电", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    sending.send_due()

    people.supervisor.is_staff = True
    people.supervisor.save(update_fields=["is_staff"])
    supervisor = log_in(browser, base, "supervisor")
    supervisor.set_viewport_size({"width": width, "height": height})
    supervisor.goto(f"{base}/admin/tickets/smstemplate/")
    assert "抢修人员到达现场" in supervisor.locator("#result_list").inner_text()
    arrived = SmsTemplate.objects.get(trigger="arrived")
    supervisor.goto(f"{base}/admin/tickets/smstemplate/{arrived.pk}/change/")
    supervisor.fill("#id_body", "抢修人员已到达{area}，工单{number}")
    supervisor.click("input[name=_save]")
    error = supervisor.locator(".errorlist").first
    error.wait_for()
    assert "{area}" in error.inner_text() and "{number}" in error.inner_text()
    shot(supervisor, f"sms-template-refused-{width}.png")
    supervisor.fill("#id_body", "工单{number}：抢修人员已到达现场。")
    supervisor.click("input[name=_save]")
    supervisor.wait_for_url(f"{base}/admin/tickets/smstemplate/")
    arrived.refresh_from_db()
    assert arrived.body == "工单{number}：抢修人员已到达现场。"

    supervisor.goto(f"{base}/admin/tickets/smsmessage/")
    log = supervisor.locator("#result_list").inner_text()
    assert customer.phone in log and "已发送" in log and "工单派发" in log
    shot(supervisor, f"sms-log-{width}.png")

    for username in ("agent", "repair"):
        page = log_in(browser, base, username)
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/orders/{order.pk}/")
        texts = page.locator("#order-sms")
        assert "工单受理" in texts.inner_text() and "工单派发" in texts.inner_text()
        assert texts.locator(".sms-sent").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= max(width, 604)
        if username == "agent":
            texts.scroll_into_view_if_needed()
            shot(page, f"sms-order-{width}.png")
        page.close()
