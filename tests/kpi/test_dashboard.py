"""The manager's dashboard 管理看板 (/kpi/dashboard/): who may open it, that the figures it embeds are the monthly
assessment's (month over month, ending with the current month), its cache, and bad parameters.

February 2026 is made by hand on a frozen clock, through the services (the hotline of ``conftest``); "now" is
2026-03-15 10:00 in Asia/Shanghai:
  complaint A  accepted 02-03, replied 02-05 (on time), called back satisfied 02-05
  complaint B  accepted 02-10, never replied (reply due 02-15: late; the sweep charges marketing)
  repair R1    dispatched 02-12 10:00 (urban: due 10:45), crew on site 10:30 (on time)
  repair R2    dispatched 02-12 11:00 (due 11:45), crew on site 13:00 (late; charged, then reversed on appeal)
  calls        agent answers in 5 s, agent2 in 15 s (charged 20), one call to agent abandoned (charged 20), 02-20
  manual       intranet violation of agent 02-20 (200 yuan)
The sweep of 02-28 charges B's late reply (20) and R2's late crew (20, reversed): net 260 yuan.
"""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpi import services
from kpi.models import LedgerEntry, PenaltyRule
from kpi.reports import trends
from kpi.reports.figures import monthly_assessment
from kpi.selectors import ledger_totals
from tests.factories import UnitFactory, UserFactory, logged_call
from tickets.models import Kind, UnitKind

from .conftest import at

pytestmark = pytest.mark.django_db

URL = "/kpi/dashboard/"
NOW = at(2026, 3, 15, 10, 0)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache outlives a test's database: ids repeat after a rollback, so start and end empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def february(hotline, org, people, customer):
    hotline.move_to(at(2026, 2, 3, 9, 0))
    complaint_a = hotline.complaint_with(org.marketing)
    hotline.fire(complaint_a, "investigate", valid=False)
    hotline.move_to(at(2026, 2, 5, 9, 0))
    hotline.fire(complaint_a, "reply", reply_text="经核实，抄表员按规定作业，已向您说明。")
    hotline.move_to(at(2026, 2, 5, 15, 0))
    hotline.fire(complaint_a, "callback", reached=True, satisfied=True, attitude="good", quality="good")

    hotline.move_to(at(2026, 2, 10, 9, 0))
    hotline.complaint_with(org.marketing)

    for dispatched, on_site in ((at(2026, 2, 12, 10, 0), dt.timedelta(minutes=30)),
                                (at(2026, 2, 12, 11, 0), dt.timedelta(hours=2))):
        hotline.move_to(dispatched)
        repair = hotline.create(Kind.REPAIR, area_type="urban")
        hotline.fire(repair, "dispatch", department=org.repair.pk)
        hotline.move_to(dispatched + on_site)
        hotline.fire(repair, "arrive")
    late_repair = repair

    hotline.move_to(at(2026, 2, 20, 12, 0))
    ring = at(2026, 2, 20, 9, 0)
    for agent, seconds in ((people.agent, 5), (people.agent2, 15), (people.agent, None)):
        answered = ring + dt.timedelta(seconds=seconds) if seconds is not None else None
        logged_call(caller_number=customer.phone, ring_started_at=ring, answered_at=answered,
                    ended_at=ring + dt.timedelta(minutes=3), agent=agent, logged_by=people.telephony, customer=customer)
        ring += dt.timedelta(minutes=10)
    services.entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead,
                               agent=people.agent, reason="内网电脑接入手机热点", occurred_at=at(2026, 2, 20, 9, 30))
    hotline.move_to(at(2026, 2, 28, 12, 0))
    hotline.sweep()
    late = LedgerEntry.objects.get(rule__code="repair_arrival_late", source=f"work_order:{late_repair.pk}")
    services.entry_reverse(entry=late, actor=people.supervisor, reason="道路塌方，申诉成立")
    hotline.move_to(NOW)


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def embedded(response) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, "the page embeds its figures with json_script"
    return json.loads(match[1])


def as_percent(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate * 100)


# --- who may open it ------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/kpi/dashboard/")


@pytest.mark.parametrize("who", ["agent", "repair", "lead"])
def test_agents_department_handlers_and_shift_leads_are_refused(client, people, who):
    assert page(client, getattr(people, who)).status_code == 403


@pytest.mark.parametrize("who", ["manager", "supervisor"])
def test_managers_and_supervisors_see_it_with_the_nav_link(client, people, who):
    response = page(client, getattr(people, who))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/kpi/dashboard/" class="active"' in body
    for chart in ("complaints", "arrival", "service", "penalties", "ranking"):
        assert f'<canvas id="chart-{chart}"' in body
    assert "/static/vendor/chart.js/chart.umd.min.js" in body and "/static/js/dashboard.js" in body
    assert "<script>" not in body  # no inline JavaScript: only json_script and files


def test_a_manager_starts_on_the_dashboard(client, people):
    client.force_login(people.manager)
    response = client.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "kpi/dashboard.html"
    assert 'id="dashboard-data"' in response.content.decode()


# --- the figures ------------------------------------------------------------------------------------------------


def test_twelve_months_ending_with_the_current_month_in_shanghai(client, people, time_machine):
    # 2026-03-31 17:00 UTC is already April 1st in Shanghai.
    time_machine.move_to(dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC), tick=False)
    data = embedded(page(client, people.manager))
    assert [m["period"] for m in data["months"]] == [
        "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01",
        "2026-02", "2026-03", "2026-04"]
    assert data["period"] == "2026-04"
    assert data["unit"] == people.manager.unit.name  # the user's own unit by default


def test_the_embedded_figures_are_the_monthly_assessment(client, people, org, february):
    response = page(client, people.manager, month="2026-02")
    assert response.status_code == 200
    data = embedded(response)
    assert len(data["months"]) == 12 and data["months"][-1]["period"] == "2026-02"
    shown = data["months"][-1]

    # Counted by hand: two complaints accepted, one replied (on time), two repairs due, one crew on time.
    assert (shown["complaints_received"], shown["complaints_handled"], shown["complaint_handling_rate"]) == (2, 1, 50.0)
    assert (shown["complaint_replies_due"], shown["complaint_replies_on_time"], shown["complaint_reply_rate"]) == (
        2, 1, 50.0)
    assert (shown["arrivals_due"], shown["arrivals_on_time"], shown["arrival_rate"]) == (2, 1, 50.0)
    assert (shown["surveyed"], shown["satisfied"], shown["satisfaction_rate"]) == (1, 1, 100.0)
    assert shown["by_rule"] == {"complaint_reply_late": 20.0, "intranet_violation": 200.0, "ring_over_3": 40.0,
                                "repair_arrival_late": 0.0}  # the late crew: charged and reversed, net nothing
    assert (shown["penalties"], shown["reversals"], shown["net"]) == (280.0, -20.0, 260.0)

    # ... and every figure is the report's, for the manager's unit (the city and the center below it).
    report = monthly_assessment(period="2026-02", unit=org.city)
    total = report.section("units").total
    for key in trends.COUNTS:
        assert shown[key] == total[key], key
    for key in trends.RATES:
        assert shown[key] == as_percent(total[key]), key
    for key in trends.MONEY:
        assert shown[key] == float(total[key]), key
    assert shown["by_rule"] == {row["rule"]: float(row["net"]) for row in report.section("penalties").rows}
    assert shown["net"] == float(ledger_totals(LedgerEntry.objects.filter(period="2026-02"))["net"])
    assert [rule["code"] for rule in data["rules"]] == sorted(shown["by_rule"])

    # The ranking: every agent of the report, fewest net penalties first, then the better 3-ring rate.
    agents = report.section("agents").rows
    expected = sorted(agents, key=lambda r: (r["net"], r["within_limit_rate"] is None, -(r["within_limit_rate"] or 0),
                                             r["username"]))
    ranked = data["ranking"]["best"] + data["ranking"]["worst"]
    assert data["ranking"]["agents"] == len(agents)
    assert [a["username"] for a in ranked] == [r["username"] for r in expected]
    assert [a["net"] for a in ranked] == [float(r["net"]) for r in expected]
    assert ranked[-1]["username"] == "agent" and ranked[-1]["net"] == 220.0  # intranet, and the abandoned call
    assert ranked[-2]["username"] == "agent2" and ranked[-2]["net"] == 20.0  # answered after 15 s

    # The months before February had nothing: zeros, and no rate where there was nothing to count.
    january = data["months"][-2]
    assert january["complaints_received"] == 0 and january["complaint_reply_rate"] is None
    assert january["net"] == 0.0


def test_the_figures_are_readable_without_javascript(client, people, february):
    body = page(client, people.manager, month="2026-02").content.decode()
    row = re.search(r'<table id="table-complaints">.*?<th scope="row">2026-02</th>(.*?)</tr>', body, re.S)[1]
    assert [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)] == [
        "2", "1", "50.00", "2", "1", "50.00"]
    assert re.search(r'id="summary-net">.*?<strong>260\.00</strong>', body, re.S)


def test_a_unit_of_its_own_and_the_whole_center(client, people, org, february):
    county = UnitFactory(code="county", name="示范县供电公司", kind=UnitKind.COUNTY, parent=org.city)
    data = embedded(page(client, people.manager, unit=county.pk, month="2026-02"))
    assert data["unit"] == "示范县供电公司"
    assert data["months"][-1]["complaints_received"] == 0 and data["months"][-1]["net"] == 0.0

    whole = embedded(page(client, people.manager, unit="", month="2026-02"))
    assert whole["months"][-1]["complaints_received"] == 2
    total = monthly_assessment(period="2026-02").section("units").total
    assert whole["months"][-1]["net"] == float(total["net"])


def test_with_more_than_twenty_agents_the_best_ten_and_the_worst_ten(client, people, org, hotline):
    hotline.move_to(NOW)
    for i in range(19):
        UserFactory(username=f"extra{i:02d}", unit=org.center, role="agent")
    services.entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead,
                               agent=people.agent2, reason="内网外联", occurred_at=at(2026, 3, 2, 9, 0))
    response = page(client, people.manager)
    ranking = embedded(response)["ranking"]
    assert ranking["agents"] == 21 and len(ranking["best"]) == 10 and len(ranking["worst"]) == 10
    assert [a["rank"] for a in ranking["best"]] == list(range(1, 11))
    assert [a["rank"] for a in ranking["worst"]] == list(range(12, 22))
    assert ranking["worst"][-1]["username"] == "agent2" and ranking["worst"][-1]["net"] == 200.0
    body = response.content.decode()
    assert 'id="ranking-best"' in body and 'id="ranking-worst"' in body and 'id="agent-agent2"' in body


# --- the cache --------------------------------------------------------------------------------------------------


def test_a_second_request_reads_the_cache(client, people, february):
    client.force_login(people.manager)
    client.get("/accounts/login/")  # the session and the user are loaded on every request anyway

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    cold = queries(month="2026-02")
    warm = queries(month="2026-02")
    assert cold > 12 * 7  # seven grouped queries or more per month
    assert warm <= 10 and warm * 5 < cold


def test_closed_months_are_kept_long_and_the_current_month_briefly(org):
    now = at(2026, 3, 15, 10, 0)
    assert trends.cache_timeout("2026-03", now) == trends.SHORT_TIMEOUT == 60
    assert trends.cache_timeout("2026-02", at(2026, 2, 28, 23, 59)) == trends.SHORT_TIMEOUT
    assert trends.cache_timeout("2026-02", at(2026, 3, 1, 0, 0)) == trends.SETTLING_TIMEOUT  # replies still land
    assert trends.cache_timeout("2026-02", at(2026, 3, 7, 23, 59)) == trends.SETTLING_TIMEOUT
    assert trends.cache_timeout("2026-02", at(2026, 3, 8, 0, 0)) == trends.LONG_TIMEOUT
    assert trends.cache_timeout("2025-12", now) == trends.LONG_TIMEOUT
    assert trends.cache_key(org.city, "2026-02") != trends.cache_key(None, "2026-02")
    assert f"v{trends.FIGURES_VERSION}" in trends.cache_key(None, "2026-02")


def test_the_current_month_is_recomputed_after_a_minute(client, people, customer, hotline, time_machine):
    hotline.move_to(NOW)
    client.force_login(people.manager)
    assert embedded(client.get(URL))["months"][-1]["complaints_received"] == 0
    hotline.create(Kind.COMPLAINT)
    assert embedded(client.get(URL))["months"][-1]["complaints_received"] == 0  # cached
    hotline.move_to(NOW + dt.timedelta(seconds=61))
    assert embedded(client.get(URL))["months"][-1]["complaints_received"] == 1


# --- bad parameters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"unit": "abc"}, {"unit": "999999"}, {"unit": "1.5"}, {"month": "2026-13"}, {"month": "March"},
    {"month": "2026-3"}, {"month": "2026-04"}, {"month": "2099-01"}, {"month": "2020-01"}, {"month": ""},
])
def test_bad_parameters_are_a_400_with_the_form(client, people, hotline, params):
    hotline.move_to(NOW)
    response = page(client, people.manager, **params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="errorlist' in body and 'id="dashboard-filters"' in body
    assert 'id="dashboard-data"' not in body


def test_the_selector_refuses_a_future_or_malformed_month(org, hotline):
    from contactcenter.errors import InvalidInput

    hotline.move_to(NOW)
    for until in ("2026-04", "2026-3", "2026-03\n", "March"):
        with pytest.raises(InvalidInput):
            trends.monthly_trends(unit=None, until=until)
    with pytest.raises(InvalidInput):
        trends.monthly_trends(unit=None, months=0)
