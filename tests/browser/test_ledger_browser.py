"""The ledger 考核台账 in a real browser (Chromium through Playwright, against ``live_server``): a supervisor reads
what caused each entry in words — 工单 <number> linked to the order, 来电 #n — and follows the link to the order,
at 1440×900 and 390×844 (the table scrolls inside its box; the page is never wider than the screen).

``SCREENSHOTS=1`` also writes docs/screenshots/ledger.png and docs/screenshots/ledger-phone.png."""

import pytest
from django.utils import timezone

from kpi import services
from kpi.models import PenaltyRule
from kpi.services import Breach
from tickets.services import work_order_create

from . import test_handover_browser as handover
from .test_search_browser import page_width, shoot

browser, plain_cookies, log_in = handover.browser, handover.plain_cookies, handover.log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_a_supervisor_reads_and_follows_what_caused_an_entry(live_server, browser, plain_cookies, people, org,
                                                             viewport):
    order = work_order_create(kind="repair", description="家里停电", caller_number="13900000001",
                              actor=people.agent)
    now = timezone.now()
    services.post_breaches([
        Breach(rule=PenaltyRule.objects.get(code="repair_arrival_late"), source=f"work_order:{order.pk}",
               occurrence=now.isoformat(), occurred_at=now, department_id=org.repair.pk, unit_id=org.city.pk),
        Breach(rule=PenaltyRule.objects.get(code="ring_over_3"), source="call:42", occurrence="ring",
               occurred_at=now, agent_id=people.agent.pk, unit_id=org.center.pk),
    ])
    supervisor = log_in(browser, live_server.url, "supervisor")
    supervisor.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    supervisor.goto(f"{live_server.url}/kpi/ledger/")
    link = supervisor.locator(f'a[href="/orders/{order.pk}/"]')
    assert link.count() == 1 and order.number in link.inner_text() and "工单" in link.inner_text()
    assert "来电 #42" in supervisor.locator("#entries").inner_text()
    assert "work_order:" not in supervisor.content()
    shoot(supervisor, "ledger.png" if viewport[0] > 400 else "ledger-phone.png")
    wide = supervisor.evaluate("""() => [...document.querySelectorAll('body *')].filter(e =>
        e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e =>
        e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert page_width(supervisor) <= viewport[0], wide
    link.scroll_into_view_if_needed()
    link.click()
    supervisor.wait_for_url(f"**/orders/{order.pk}/")
    assert order.number in supervisor.content()


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_an_entry_posted_appears_on_the_open_ledger_without_a_reload(live_service, browser, plain_cookies, people,
                                                                     org, viewport):
    """On the live service (issue 20): the ledger page's socket tells of the entry, its row goes in at the top."""
    import importlib

    from django.apps import apps

    if not PenaltyRule.objects.exists():  # seeded by a migration; an earlier transactional test flushed them
        importlib.import_module("kpi.migrations.0002_rules_schedule_protection").seed_rules(apps, None)
    rule = PenaltyRule.objects.get(code="intranet_violation")
    older = services.entry_post_manual(rule=rule, actor=people.lead, reason="私接外网", agent=people.agent)
    page = log_in(browser, live_service.origin, "supervisor")
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(f"{live_service.origin}/kpi/ledger/")
    page.wait_for_selector("#ledger-live[data-transport=push]", state="attached")
    page.evaluate("window.notReloaded = true")
    posted = services.entry_post_manual(rule=rule, actor=people.lead, reason="再次私接外网", agent=people.agent2)
    row = page.locator(f"#entry-{posted.pk}")
    row.wait_for(state="attached", timeout=5000)
    first = page.locator("#entries tbody tr").first
    assert first.get_attribute("id") == f"entry-{posted.pk}" and "live-changed" in (first.get_attribute("class") or "")
    assert "再次私接外网" in row.inner_text() and page.locator(f"#entry-{older.pk}").count() == 1
    assert page.locator("#ledger-live-notice").is_visible()
    assert page.evaluate("window.notReloaded") is True
    assert page_width(page) <= viewport[0]


def test_the_english_ledgers_filters_fit_a_phone(live_server, browser, plain_cookies, people, org):
    """English labels of the rules are longer than the Chinese ones: each filter still fits inside the filter panel
    at 390×844 instead of running past the screen's edge."""
    supervisor = log_in(browser, live_server.url, "supervisor")
    supervisor.set_viewport_size({"width": 390, "height": 844})
    supervisor.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    supervisor.goto(f"{live_server.url}/kpi/ledger/")
    assert "KPI ledger" in supervisor.content()
    outside = supervisor.evaluate("""() => {
        const panel = document.querySelector('form.filters').getBoundingClientRect();
        return [...document.querySelectorAll('form.filters select, form.filters input')]
            .filter(e => e.getBoundingClientRect().right > panel.right + 1).map(e => e.name); }""")
    assert outside == []
    assert page_width(supervisor) <= 390
