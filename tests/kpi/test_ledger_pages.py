"""The supervisor's ledger pages 考核台账: list, filters and totals, reversal, manual entry, languages."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone

from kpi import services
from kpi.models import EntryKind, LedgerEntry, PenaltyRule
from kpi.services import Breach
from tests.factories import PASSWORD, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

LEDGER = "/kpi/ledger/"
NEW = "/kpi/ledger/new/"


def reverse_url(entry: LedgerEntry) -> str:
    return f"/kpi/ledger/{entry.pk}/reverse/"


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def as_user(client, user):
    client.force_login(user)
    return client


def breach(rule_code, source, when, **charged) -> LedgerEntry:
    rule = PenaltyRule.objects.get(code=rule_code)
    services.post_breaches([Breach(rule=rule, source=source, occurrence=when.isoformat(), occurred_at=when, **charged)])
    return LedgerEntry.objects.get(key=f"{rule_code}:{source}:{when.isoformat()}")


@pytest.fixture
def ledger(org, people):
    """March 2024: two manual intranet violations (one in a county), rings of two agents, a late repair
    crew, one ring reversed on appeal; April 2024: one more ring."""
    county = UnitFactory(code="county", name="示范县供电公司", parent=org.city)
    agent3 = UserFactory(username="agent3", unit=county, role="agent")
    intranet = PenaltyRule.objects.get(code="intranet_violation")
    e = SimpleNamespace(county=county, agent3=agent3)
    e.intranet = services.entry_post_manual(rule=intranet, actor=people.lead, agent=people.agent,
                                            reason="内网电脑接入手机热点", occurred_at=local(2024, 3, 5, 9))
    e.ring1 = breach("ring_over_3", "call:1", local(2024, 3, 6, 10), agent_id=people.agent.pk,
                     unit_id=org.center.pk)
    e.ring2 = breach("ring_over_3", "call:2", local(2024, 3, 7, 11), agent_id=people.agent2.pk,
                     unit_id=org.center.pk)
    e.repair = breach("repair_arrival_late", "work_order:9", local(2024, 3, 8, 12),
                      department_id=org.repair.pk, unit_id=org.city.pk)
    e.county_intranet = services.entry_post_manual(rule=intranet, actor=people.supervisor, agent=agent3,
                                                   reason="县公司内网外联", occurred_at=local(2024, 3, 9, 15))
    e.reversal = services.entry_reverse(entry=e.ring1, actor=people.supervisor, reason="话务系统故障，申诉成立")
    e.april = breach("ring_over_3", "call:3", local(2024, 4, 2, 8), agent_id=people.agent.pk, unit_id=org.center.pk)
    return e


def listed(response) -> set[int]:
    return {entry.pk for entry in response.context["page"].object_list}


def assert_totals_match(response):
    """The totals are those of every filtered entry (all on one page here)."""
    totals, entries = response.context["totals"], list(response.context["page"].object_list)
    assert totals["net"] == sum((e.amount for e in entries), Decimal("0"))
    assert totals["penalties"] == sum((e.amount for e in entries if e.kind != EntryKind.REVERSAL), Decimal("0"))
    assert totals["reversals"] == sum((e.amount for e in entries if e.kind == EntryKind.REVERSAL), Decimal("0"))
    for row in totals["by_rule"]:
        mine = [e for e in entries if e.rule.code == row["rule"]]
        assert row["net"] == sum((e.amount for e in mine), Decimal("0"))
        assert row["count"] == len([e for e in mine if e.kind != EntryKind.REVERSAL])


# --- the list -----------------------------------------------------------------------------------------


def test_ledger_lists_the_period_with_totals(client, people, ledger):
    response = as_user(client, people.supervisor).get(LEDGER, {"period": "2024-03"})
    assert response.status_code == 200
    assert listed(response) == {ledger.intranet.pk, ledger.ring1.pk, ledger.ring2.pk, ledger.repair.pk,
                                ledger.county_intranet.pk, ledger.reversal.pk}
    assert_totals_match(response)
    totals = response.context["totals"]
    ring = next(row for row in totals["by_rule"] if row["rule"] == "ring_over_3")
    assert (ring["count"], ring["penalties"], ring["reversals"], ring["net"]) == (
        2, Decimal("40.00"), Decimal("-20.00"), Decimal("20.00"))
    assert totals["net"] == Decimal("440.00")  # 200 + 20 + 20 + 20 + 200 − 20
    body = response.content.decode()
    assert "内网外联" in body and "intranet_violation" in body
    assert "2024-03-05 09:00" in body  # occurred_at in Asia/Shanghai
    assert "话务系统故障，申诉成立" in body


def test_reverse_links_only_for_reversible_entries(client, people, ledger):
    body = as_user(client, people.supervisor).get(LEDGER, {"period": "2024-03"}).content.decode()
    assert reverse_url(ledger.ring2) in body
    assert reverse_url(ledger.ring1) not in body  # already reversed
    assert reverse_url(ledger.reversal) not in body  # a reversal


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"period": "2024-04"}, {"april"}),
        ({"period": "2024-03", "unit": "county"}, {"county_intranet"}),
        ({"period": "2024-03", "unit": "city"},  # the city and every unit below it
         {"intranet", "ring1", "ring2", "repair", "county_intranet", "reversal"}),
        ({"period": "2024-03", "unit": "center"}, {"intranet", "ring1", "ring2", "reversal"}),
        ({"period": "2024-03", "agent": "agent"}, {"intranet", "ring1", "reversal"}),
        ({"period": "2024-03", "rule": "ring_over_3"}, {"ring1", "ring2", "reversal"}),
        ({"period": "2024-03", "rule": "ring_over_3", "kind": "automatic"}, {"ring1", "ring2"}),
        ({"period": "2024-03", "department": "repair-1"}, {"repair"}),
        ({"period": ""}, {"intranet", "ring1", "ring2", "repair", "county_intranet", "reversal", "april"}),
    ],
)
def test_filters(client, org, people, ledger, params, expected):
    units = {"county": ledger.county, "city": org.city, "center": org.center}
    if "unit" in params:
        params = {**params, "unit": units[params["unit"]].pk}
    if "department" in params:
        params = {**params, "department": org.repair.pk}
    response = as_user(client, people.manager).get(LEDGER, params)
    assert response.status_code == 200
    assert listed(response) == {getattr(ledger, name).pk for name in expected}
    assert_totals_match(response)


def test_default_period_is_the_current_month(client, people, ledger):
    now = services.entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead,
                                     agent=people.agent2, reason="本月")
    response = as_user(client, people.supervisor).get(LEDGER)
    assert listed(response) == {now.pk}
    assert response.context["filter"].form["period"].value() == timezone.localtime().strftime("%Y-%m")


def test_invalid_filter_is_shown_not_a_500(client, people, ledger):
    response = as_user(client, people.supervisor).get(LEDGER, {"period": "2024-13"})
    assert response.status_code == 200
    assert listed(response) == set()
    assert response.context["filter"].form.errors["period"]


def test_pagination_keeps_totals_for_every_filtered_entry(client, org, people):
    rule = PenaltyRule.objects.get(code="ring_over_3")
    start = local(2024, 5, 1, 8)
    services.post_breaches([
        Breach(rule=rule, source=f"call:{n}", occurrence="1", occurred_at=start + dt.timedelta(minutes=n),
               agent_id=people.agent.pk, unit_id=org.center.pk)
        for n in range(55)
    ])
    client = as_user(client, people.supervisor)
    first = client.get(LEDGER, {"period": "2024-05"})
    second = client.get(LEDGER, {"period": "2024-05", "page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert listed(first).isdisjoint(listed(second))
    assert second.context["totals"]["net"] == Decimal("1100.00")  # 55 × 20
    assert "period=2024-05" in first.content.decode()  # the next-page link keeps the filters


# --- who may see it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LEDGER, NEW, "/kpi/ledger/1/reverse/"])
def test_agent_is_refused(client, people, url):
    assert as_user(client, people.agent).get(url).status_code == 403


@pytest.mark.parametrize("url", [LEDGER, NEW, "/kpi/ledger/1/reverse/"])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_form_logs_in_and_nav_shows_the_ledger(client, people):
    login = client.get("/accounts/login/")
    assert login.status_code == 200 and "登录" in login.content.decode()
    response = client.post("/accounts/login/", {"username": "supervisor", "password": PASSWORD, "next": LEDGER})
    assert response.status_code == 302 and response["Location"] == LEDGER
    body = client.get("/").content.decode()
    assert "客服工单系统" in body and "考核台账" in body and "客服中心主任" in body
    assert 'action="/accounts/logout/"' in body


# --- reversal -----------------------------------------------------------------------------------------


def test_supervisor_reverses_once(client, people, ledger):
    client = as_user(client, people.supervisor)
    form = client.get(reverse_url(ledger.ring2))
    assert form.status_code == 200 and "来电 #2" in form.content.decode()  # the entry being reversed, in words

    response = client.post(reverse_url(ledger.ring2), {"reason": "申诉成立"})
    assert response.status_code == 302
    assert response["Location"] == "/kpi/ledger/?period=2024-03"
    reversal = LedgerEntry.objects.get(reverses=ledger.ring2)
    assert (reversal.kind, reversal.amount, reversal.period, reversal.created_by) == (
        EntryKind.REVERSAL, Decimal("-20.00"), "2024-03", people.supervisor)
    assert "已冲销" in client.get(response["Location"]).content.decode()  # the success message

    again = client.post(reverse_url(ledger.ring2), {"reason": "再次冲销"})
    assert again.status_code == 409
    assert "该记录已被冲销" in again.content.decode()
    assert LedgerEntry.objects.filter(reverses=ledger.ring2).count() == 1


def test_a_reversal_cannot_be_reversed(client, people, ledger):
    response = as_user(client, people.supervisor).post(reverse_url(ledger.reversal), {"reason": "x"})
    assert response.status_code == 409
    assert not LedgerEntry.objects.filter(reverses=ledger.reversal).exists()


def test_reversal_needs_a_reason(client, people, ledger):
    response = as_user(client, people.supervisor).post(reverse_url(ledger.ring2), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not LedgerEntry.objects.filter(reverses=ledger.ring2).exists()


def test_lead_cannot_reverse(client, people, ledger):
    client = as_user(client, people.lead)
    assert client.get(reverse_url(ledger.ring2)).status_code == 403
    assert client.post(reverse_url(ledger.ring2), {"reason": "x"}).status_code == 403
    assert not LedgerEntry.objects.filter(reverses=ledger.ring2).exists()
    body = client.get(LEDGER, {"period": "2024-03"}).content.decode()
    assert reverse_url(ledger.ring2) not in body  # the lead reads the ledger but sees no reverse button


# --- manual entry -------------------------------------------------------------------------------------


def test_lead_posts_a_manual_entry(client, people):
    client = as_user(client, people.lead)
    form = client.get(NEW)
    assert form.status_code == 200
    options = form.context["form"].fields["rule"].queryset
    assert options.first().manual  # manual rules first

    rule = PenaltyRule.objects.get(code="intranet_violation")
    response = client.post(NEW, {"rule": rule.pk, "agent": people.agent.pk, "reason": "内网外联",
                                 "occurred_at": "2024-03-05T09:30"})
    assert response.status_code == 302 and response["Location"] == "/kpi/ledger/?period=2024-03"
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.rule, entry.agent, entry.amount, entry.created_by, entry.period) == (
        EntryKind.MANUAL, rule, people.agent, Decimal("200.00"), people.lead, "2024-03")
    assert entry.occurred_at == local(2024, 3, 5, 9, 30)


def test_manual_entry_for_a_department_with_an_amount(client, org, people):
    rule = PenaltyRule.objects.get(code="repair_arrival_late")
    response = as_user(client, people.supervisor).post(
        NEW, {"rule": rule.pk, "department": org.repair.pk, "amount": "35.5", "amount_reason": "多次超时",
              "reason": "到场超时"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.department, entry.unit, entry.amount, entry.amount_reason) == (
        org.repair, org.city, Decimal("35.50"), "多次超时")


def test_a_lead_has_no_amount_to_change_on_the_manual_entry_page(client, org, people):
    """A lead posts the rule's amount: the page offers no amount field, and an amount sent anyway is ignored."""
    rule = PenaltyRule.objects.get(code="intranet_violation")
    lead = as_user(client, people.lead)
    assert 'name="amount"' not in lead.get(NEW).content.decode()
    response = lead.post(NEW, {"rule": rule.pk, "agent": people.agent.pk, "amount": "5000", "reason": "内网违规"})
    assert response.status_code == 302
    assert LedgerEntry.objects.get().amount == Decimal("200.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "x", "department": "both"}, "__all__"),
        ({"reason": "x", "agent": None}, "__all__"),
        ({"reason": "x", "occurred_at": "2999-01-01T00:00"}, "occurred_at"),  # refused by the service
    ],
)
def test_manual_entry_errors_are_shown_and_nothing_is_posted(client, org, people, data, field):
    rule = PenaltyRule.objects.get(code="intranet_violation")
    post = {"rule": rule.pk, "agent": people.agent.pk, **data}
    if post.get("department") == "both":
        post["department"] = org.repair.pk
    if post.get("agent", "") is None:
        del post["agent"]
    response = as_user(client, people.lead).post(NEW, post)
    assert response.status_code in (200, 400)
    assert response.context["form"].errors[field]
    assert not LedgerEntry.objects.exists()


def test_manager_cannot_post_manual_entries(client, people):
    assert as_user(client, people.manager).get(NEW).status_code == 403


# --- languages ----------------------------------------------------------------------------------------


def test_pages_are_chinese_by_default(client, people, ledger):
    client = as_user(client, people.supervisor)
    body = client.get(LEDGER, {"period": "2024-03"}).content.decode()
    assert "考核台账" in body and "按规则汇总" in body and "冲销" in body
    assert "KPI ledger" not in body and "Totals by rule" not in body
    assert "登记考核" in client.get(NEW).content.decode()


def test_pages_are_english_on_request(client, people, ledger):
    client = as_user(client, people.supervisor)
    body = client.get(LEDGER, {"period": "2024-03"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "KPI ledger" in body and "Totals by rule" in body
    assert "考核台账" not in body and "按规则汇总" not in body

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse_url(ledger.ring2)).content.decode()
    assert "Reverse an entry" in body and "冲销考核记录" not in body


def test_the_source_column_names_what_caused_each_entry_in_words(client, ledger, people):
    """A supervisor reading the ledger sees "工单 GZ…" linked to the order, not the key ``work_order:17``; one query
    names every order of the page."""
    from tickets.services import work_order_create

    order = work_order_create(kind="repair", description="停电", caller_number="13900000001", actor=people.agent)
    late = breach("repair_arrival_late", f"work_order:{order.pk}", local(2024, 3, 20, 12), department_id=None,
                  unit_id=None)
    body = as_user(client, people.supervisor).get(LEDGER, {"period": "2024-03"}).content.decode()
    row = body[body.index(f'id="entry-{late.pk}"'):]
    row = row[:row.index("</tr>")]
    assert f'href="/orders/{order.pk}/"' in row and order.number in row and "工单" in row
    assert "work_order:" not in row
    call_row = body[body.index(f'id="entry-{ledger.ring2.pk}"'):]
    assert "来电" in call_row[:call_row.index("</tr>")] and "call:2" not in call_row[:call_row.index("</tr>")]
    manual_row = body[body.index(f'id="entry-{ledger.intranet.pk}"'):]
    assert people.lead.username in manual_row[:manual_row.index("</tr>")]
