"""The manager's dashboard in a real browser (Debian's Chromium through Playwright, against ``live_server``): a
manager logs in, lands on the dashboard, and every chart is drawn by Chart.js (served from static/vendor, no CDN)
from the figures of six months of history; another unit and month can be chosen; no console errors.

With SCREENSHOTS=1 it also writes docs/screenshots/dashboard.png (1280 wide, the whole page).
Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (see the root conftest.py)."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from kpi import services
from kpi.models import LedgerEntry, PenaltyRule
from kpi.reports.trends import periods_until
from kpi.services import Breach
from tests.actions import act
from tests.factories import PASSWORD, CustomerFactory, UserFactory, logged_call
from tests.test_security import NO_LIVE_SERVICE
from tickets.models import User, WorkOrder
from tickets.services import work_order_create

from . import test_handover_browser as handover

# The handover test's fixtures: one headless Chromium, plain-HTTP cookies.
browser, plain_cookies = handover.browser, handover.plain_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOTS", "").strip().lower() not in ("", "0", "false", "no", "off")
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
CHARTS = ("chart-complaints", "chart-arrival", "chart-service", "chart-penalties", "chart-ranking")
NAMES = {"agent": ("王", "芳"), "agent2": ("李", "强"), "agent3": ("张", "伟"), "agent4": ("刘", "洋"),
         "agent5": ("陈", "静"), "agent6": ("杨", "磊")}

# Six months, oldest first: complaints accepted (of which replied on time, replied late), repairs (of which the
# crew was late), each agent's calls by ring seconds, manual penalties.
HISTORY = [
    (4, 2, 1, 5, 2, (4, 6, 12, 8), 1),
    (6, 4, 1, 6, 2, (5, 14, 7, 9), 0),
    (5, 3, 1, 7, 1, (3, 5, 11, 6), 1),
    (7, 5, 2, 6, 1, (4, 5, 8, 13), 0),
    (5, 4, 1, 8, 0, (3, 4, 6, 9), 0),
    (3, 1, 0, 3, 1, (5, 9, 12, 4), 0),  # the current month: the rest is not due yet
]


def fire(order, name, actor, **params) -> WorkOrder:
    return act(order=WorkOrder.objects.get(pk=order.pk), name=name, actor=actor, params=params)


def month_week(period: str, now: dt.datetime) -> tuple[dt.datetime, dt.timedelta]:
    """When a month's facts happen: a week from the 10th at 09:00; in the current month, the second half of the
    time since the 1st (so everything lies in the past)."""
    start = timezone.make_aware(dt.datetime(int(period[:4]), int(period[5:]), 1))
    if start.strftime("%Y-%m") == timezone.localtime(now).strftime("%Y-%m"):
        return start + (now - start) / 2, (now - start) / 2
    return start + dt.timedelta(days=9, hours=9), dt.timedelta(days=7)


@pytest.fixture
def history(people, org):
    """Six months of a small center, made through the services on a travelling clock (then back to now)."""
    cache.clear()  # ids repeat between tests; figures of an earlier test must not be served
    agents = [people.agent, people.agent2] + [
        UserFactory(username=f"agent{i}", unit=org.center, seat=f"800{i}", role="agent") for i in (3, 4, 5, 6)]
    for username, (last, first) in NAMES.items():
        User.objects.filter(username=username).update(last_name=last, first_name=first)
    customers = [CustomerFactory(phone=f"1390000{i:04d}") for i in range(8)]
    rules = {rule.code: rule for rule in PenaltyRule.objects.all()}
    now = timezone.now()
    periods = periods_until(timezone.localtime(now).strftime("%Y-%m"), len(HISTORY))

    for index, (period, month) in enumerate(zip(periods, HISTORY, strict=True)):
        complaints, on_time, replied_late, repairs, late, rings, manual = month
        moment, week = month_week(period, now)
        current = index == len(HISTORY) - 1
        if current and week < dt.timedelta(hours=12):  # just after midnight on the 1st: only calls
            complaints = repairs = 0
        with time_machine.travel(moment, tick=False) as clock:
            breaches = []
            orders = []
            for n in range(complaints):
                owner = agents[(n + index) % len(agents)]
                order = work_order_create(kind="complaint", description="抄表员服务态度差",
                                          caller_number=customers[n].phone, customer=customers[n], actor=owner)
                fire(order, "forward", owner)
                fire(order, "dispatch", people.supervision, department=org.marketing.pk)
                orders.append((fire(order, "investigate", people.marketing, valid=False), owner))
            # Replies on time (2 days on), late ones (6 days on: past the 5-day limit), each called back.
            for replied, at_fraction in ((orders[:on_time], 2 / 7), (orders[on_time:on_time + replied_late], 6 / 7)):
                clock.move_to(moment + week * at_fraction, tick=False)
                for n, (order, owner) in enumerate(replied):
                    fire(order, "reply", people.marketing, reply_text="经核实，已向您说明情况。")
                    fire(order, "callback", owner, reached=True, satisfied=(n + index) % 4 != 3,
                         attitude="good", quality="good")
            for order, _owner in orders[on_time:] if not current else []:
                breaches.append(Breach(rule=rules["complaint_reply_late"], source=f"work_order:{order.pk}",
                                       occurrence="reply", occurred_at=order.reply_due_at,
                                       department_id=org.marketing.pk, unit_id=org.marketing.unit_id))
            for n in range(repairs):
                clock.move_to(moment + week * (n + 1) / (2 * repairs + 2), tick=False)
                order = work_order_create(kind="repair", description="家中停电", caller_number=customers[n].phone,
                                          customer=customers[n], actor=agents[n % len(agents)], area_type="urban")
                order = fire(order, "dispatch", agents[n % len(agents)], department=org.repair.pk)
                clock.move_to(timezone.now() + dt.timedelta(minutes=80 if n < late else 30), tick=False)
                fire(order, "arrive", people.repair)
                if n < late:
                    breaches.append(Breach(rule=rules["repair_arrival_late"], source=f"work_order:{order.pk}",
                                           occurrence="arrival", occurred_at=order.arrival_due_at,
                                           department_id=org.repair.pk, unit_id=org.repair.unit_id))
            # The calls, spread over the second half of the week; then the clock stands at its end.
            clock.move_to(moment + week, tick=False)
            spacing = week / 2 / (len(agents) * len(rings) + 2)
            for n, agent in enumerate(agents):
                for k, seconds in enumerate(rings):
                    seconds += n  # the later agents answer a little slower
                    ring = moment + week / 2 + spacing * (n * len(rings) + k)
                    answered = ring + dt.timedelta(seconds=seconds)
                    call = logged_call(caller_number=customers[k].phone, ring_started_at=ring,
                                       answered_at=answered, ended_at=answered + dt.timedelta(seconds=1), agent=agent,
                                       logged_by=people.telephony)
                    if seconds > 10:
                        breaches.append(Breach(rule=rules["ring_over_3"], source=f"call:{call.pk}", occurrence="ring",
                                               occurred_at=ring, agent_id=agent.pk, unit_id=agent.unit_id))
            services.post_breaches(breaches)
            for n in range(manual):
                services.entry_post_manual(rule=rules["intranet_violation"], actor=people.lead, agent=agents[-1 - n],
                                           reason="内网电脑接入手机热点", occurred_at=moment)
        if index == 1:  # an appeal upheld: the first late crew of that month
            first = LedgerEntry.objects.filter(rule__code="repair_arrival_late", period=period).order_by("id").first()
            services.entry_reverse(entry=first, actor=people.supervisor, reason="道路塌方，申诉成立")
    yield periods
    cache.clear()


def log_in(browser, base_url: str, username: str, problems: list[str]):
    """A fresh context logged in through the login form, landing on ``/``; console errors, page errors and
    requests leaving the live server are written to ``problems``."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(handover.TIMEOUT_MS)
    page = context.new_page()

    def console(message):
        # The browser's own request for /favicon.ico (the site has none) is not the page's error; nor the bell's
        # socket finding no live service on pytest's WSGI server (the page polls then: tests/test_security.py).
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") \
                and not NO_LIVE_SERVICE.search(message.text):
            problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"request off the server: {request.url}")
            if not request.url.startswith(base_url) else None)
    page.goto(f"{base_url}/accounts/login/?next=/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


CHART_STATE = """(id) => {
  const canvas = document.getElementById(id);
  const chart = canvas && window.Chart ? window.Chart.getChart(canvas) : undefined;
  if (!chart) return null;
  const values = chart.data.datasets.flatMap((d) => d.data);
  return {
    width: canvas.getBoundingClientRect().width, height: canvas.getBoundingClientRect().height,
    labels: chart.data.labels, datasets: chart.data.datasets.length,
    values: values.length, drawn: values.filter((v) => v !== null && v !== 0).length,
  };
}"""


def charts(page) -> dict:
    page.wait_for_function(
        "(ids) => window.Chart && ids.every((id) => window.Chart.getChart(document.getElementById(id)))",
        arg=list(CHARTS))
    return {chart_id: page.evaluate(CHART_STATE, chart_id) for chart_id in CHARTS}


def test_a_manager_lands_on_the_dashboard_and_every_chart_is_drawn(live_server, browser, plain_cookies, people,
                                                                   history):
    periods = history
    problems: list[str] = []
    page = log_in(browser, live_server.url, "manager", problems)

    # Home is the dashboard, for the manager's own unit, ending with the current month.
    assert page.locator("#dashboard-filters select[name=unit] option[selected]").inner_text().strip() == \
        people.manager.unit.name
    assert page.locator("#dashboard-filters select[name=month]").input_value() == periods[-1]
    state = charts(page)
    for chart_id, chart in state.items():
        assert chart["width"] > 0 and chart["height"] > 0, chart_id
        assert chart["datasets"] > 0 and chart["values"] > 0 and chart["drawn"] > 0, (chart_id, chart)
    for chart_id in ("chart-complaints", "chart-arrival", "chart-service", "chart-penalties"):
        assert state[chart_id]["labels"][-6:] == periods, chart_id  # month over month, ending now
        assert len(state[chart_id]["labels"]) == 12
    assert state["chart-penalties"]["datasets"] == 4  # complaint_reply_late, intranet, repair_arrival_late, ring_over_3
    assert len(state["chart-ranking"]["labels"]) == 6  # every agent: there are fewer than twice ten

    # The numbers are on the page too: the ranking table, and the tables under the charts.
    assert page.locator("#table-ranking tbody tr").count() == 6
    page.locator("#table-complaints").locator("xpath=ancestor::details").locator("summary").click()
    assert page.locator("#table-complaints tbody tr").count() == 12
    if SCREENSHOTS:
        page.locator("#table-complaints").locator("xpath=ancestor::details").locator("summary").click()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "dashboard.png"), full_page=True)

    # Another unit and an earlier month: the whole center, ending with the month before.
    page.select_option("#dashboard-filters select[name=unit]", "")
    page.select_option("#dashboard-filters select[name=month]", periods[-2])
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(rf"/kpi/dashboard/\?unit=&month={periods[-2]}$"))
    state = charts(page)
    assert state["chart-complaints"]["labels"][-1] == periods[-2]
    assert page.locator("h1").inner_text().endswith(periods[-2])

    assert problems == []
