"""Notifications in Chromium (issue 20): a crew member has their queue open; an agent dispatches an order to the
crew through the API; the queue shows it, the bell counts it, a notice appears in the corner and — the browser
allowing it — a system notification; the notifications page lists it and opening it reads it. Without the live
service (pytest's WSGI server, as behind a proxy that blocks WebSockets) the bell still shows the count."""

import os

import pytest
from django.conf import settings
from django.urls import reverse

from contactcenter.models import Notification
from tests.actions import act
from tests.factories import PASSWORD
from tickets.services import work_order_create

from . import test_handover_browser as handover
from .test_live_browser import SHOTS, post_json

browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The system notifications the page asks the browser for, recorded (the browser's own are then shown as usual).
SPY = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notified = [];
  window.Notification = class extends Real {
    constructor(title, options) { super(title, options); window.__notified.push(options && options.body); }
  };
})();
"""


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_a_dispatch_raises_a_notification_on_the_crews_open_page(live_service, browser, plain_cookies, people,
                                                                  customer, org, width, height):
    base = live_service.origin
    order = work_order_create(kind="repair", description="整栋楼停电", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    crew = log_in(browser, base, "repair")
    crew.context.grant_permissions(["notifications"], origin=base)
    crew.context.add_init_script(SPY)
    crew.set_viewport_size({"width": width, "height": height})
    crew.goto(f"{base}/queue/")
    crew.wait_for_selector("#bell[data-transport=push]", state="attached")
    assert crew.locator("#bell .bell-count").is_hidden()  # nothing unread yet

    token = post_json(f"{base}/api/v1/auth/token/", {"username": "agent", "password": PASSWORD})["token"]
    post_json(f"{base}/api/v1/work-orders/{order.pk}/transitions/dispatch/", {"department": org.repair.pk}, token)
    crew.wait_for_selector("#bell .bell-count:not([hidden])", timeout=3000)
    assert crew.locator("#bell .bell-count").inner_text() == "1"
    toast = crew.locator("#toasts .toast")
    assert toast.inner_text() == f"工单 {order.number} 已派至本部门"
    assert crew.evaluate("window.__notified") == [f"工单 {order.number} 已派至本部门"]
    crew.locator("#queue-live-notice").wait_for(state="visible", timeout=3000)  # and the queue says so
    if os.environ.get("SCREENSHOTS"):
        crew.screenshot(path=str(SHOTS / f"notification-toast-{width}.png"))

    crew.click("#bell")
    crew.wait_for_url(f"{base}/notifications/")
    item = crew.locator("#notification-list li.unread")
    assert item.count() == 1 and order.number in item.inner_text()
    assert crew.evaluate("document.documentElement.scrollWidth") <= width
    if os.environ.get("SCREENSHOTS"):
        crew.screenshot(path=str(SHOTS / f"notifications-{width}.png"), full_page=True)
    item.locator("a").click()
    crew.wait_for_url(f"{base}/orders/{order.pk}/")
    assert Notification.objects.get().read_at is not None
    crew.goto(f"{base}/notifications/")
    assert crew.locator("#notification-list li.read").count() == 1
    crew.wait_for_timeout(300)
    assert crew.locator("#bell .bell-count").is_hidden()


def test_a_notification_arriving_on_the_list_page_is_added_to_it(live_service, browser, plain_cookies, people,
                                                                  customer, org):
    base = live_service.origin
    crew = log_in(browser, base, "repair")
    crew.goto(f"{base}/notifications/")
    crew.wait_for_selector("#bell[data-transport=push]", state="attached")
    order = work_order_create(kind="repair", description="整栋楼停电", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    crew.wait_for_selector("#notification-list li.fresh", timeout=3000)
    assert order.number in crew.locator("#notification-list li").first.inner_text()


def test_preferences_are_saved_from_the_page(live_server, browser, plain_cookies, people):
    crew = log_in(browser, live_server.url, "repair")
    crew.goto(f"{live_server.url}{reverse('notifications')}")
    crew.uncheck("input[name=kinds][value=urged]")
    crew.uncheck("input[name=sound]")
    crew.fill("input[name=due_minutes]", "45")
    crew.click(".notification-preferences button[type=submit]")
    crew.wait_for_selector(".messages li")
    preference = people.repair.notification_preference
    preference.refresh_from_db()
    assert preference.muted == ["urged"] and preference.sound is False and preference.due_minutes == 45
    crew.fill("input[name=due_minutes]", "0")
    crew.click(".notification-preferences button[type=submit]")  # the browser refuses it on the field
    assert crew.evaluate("document.querySelector('input[name=due_minutes]').validity.valid") is False
    crew.evaluate("document.querySelector('.notification-preferences').noValidate = true")
    crew.click(".notification-preferences button[type=submit]")  # and the server too, on the field
    crew.wait_for_selector(".notification-preferences .errorlist")
    preference.refresh_from_db()
    assert preference.due_minutes == 45


def test_without_the_live_service_the_bell_still_counts(live_server, browser, plain_cookies, people, customer, org):
    order = work_order_create(kind="repair", description="整栋楼停电", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    crew = log_in(browser, live_server.url, "repair")
    crew.wait_for_selector("#bell .bell-count:not([hidden])", timeout=5000)
    assert crew.locator("#bell .bell-count").inner_text() == "1"
    assert settings.LIVE_ORIGIN == ""
