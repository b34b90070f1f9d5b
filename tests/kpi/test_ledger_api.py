"""The ledger over HTTP (/api/v1/kpi/entries/, /api/v1/kpi/rules/) and in the admin: the contract's JSON,
periods in Asia/Shanghai, reversal once by a supervisor, manual entries, filters and totals, append-only."""

import datetime as dt
from decimal import Decimal

import pytest

from kpi import services
from kpi.models import EntryKind, LedgerEntry, PenaltyRule
from tickets.models import UnitKind

from ..factories import UnitFactory, UserFactory
from .conftest import at, entries

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/kpi/entries/"
RULES = "/api/v1/kpi/rules/"
NOW = at(2026, 11, 20, 10, 0)


@pytest.fixture
def now(hotline):
    hotline.move_to(NOW)
    return NOW


def manual(actor, rule="intranet_violation", **kwargs) -> LedgerEntry:
    return services.entry_post_manual(rule=PenaltyRule.objects.get(code=rule), actor=actor,
                                      reason=kwargs.pop("reason", "值班长检查发现"), **kwargs)


def late_complaint(hotline, org, accepted: dt.datetime, *, sweep_at: dt.datetime) -> LedgerEntry:
    """A complaint with marketing, not replied in 5 days, swept at ``sweep_at``: its one ledger entry."""
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    hotline.move_to(sweep_at)
    hotline.sweep()
    return entries(order, "complaint_reply_late").get()


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])  # everything on one page here
    return {item["id"] for item in body["results"]}


def snapshot(entry_id: int) -> dict:
    return LedgerEntry.objects.filter(pk=entry_id).values().get()


# --- The entry's JSON --------------------------------------------------------------------------------


def test_an_entry_has_the_contracts_fields(hotline, org, api, people):
    entry = late_complaint(hotline, org, at(2026, 5, 11, 9, 30), sweep_at=at(2026, 5, 16, 9, 31))
    response = api(people.supervisor).get(f"{ENTRIES}{entry.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"id", "rule", "agent", "department", "amount", "occurred_at", "period", "source",
            "reverses"} <= set(body)
    assert body["id"] == entry.pk
    assert body["rule"] == "complaint_reply_late"
    assert body["agent"] is None
    assert body["department"] == org.marketing.pk
    assert body["amount"] == "20.00"
    assert body["occurred_at"] == "2026-05-16T09:30:00+08:00"
    assert body["period"] == "2026-05"
    assert body["source"] == entry.source and body["source"].startswith("work_order:")
    assert body["reverses"] is None

    charged = manual(people.lead, agent=people.agent)
    body = api(people.supervisor).get(f"{ENTRIES}{charged.pk}/").json()
    assert (body["agent"], body["department"], body["amount"]) == ("agent", None, "200.00")


def test_a_breach_at_2359_on_the_last_day_of_a_month_belongs_to_that_month(hotline, org, api, people):
    # Due 23:59 Oct 31 Shanghai = 15:59 UTC Oct 31; due 00:01 Nov 1 Shanghai = 16:01 UTC Oct 31.
    october = late_complaint(hotline, org, at(2026, 10, 26, 23, 59), sweep_at=at(2026, 11, 1, 0, 5))
    november = late_complaint(hotline, org, at(2026, 10, 27, 0, 1), sweep_at=at(2026, 11, 1, 0, 5))
    assert october.occurred_at == dt.datetime(2026, 10, 31, 15, 59, tzinfo=dt.UTC)
    assert november.occurred_at == dt.datetime(2026, 10, 31, 16, 1, tzinfo=dt.UTC)

    supervisor = api(people.supervisor)
    assert supervisor.get(f"{ENTRIES}{october.pk}/").json()["period"] == "2026-10"
    assert supervisor.get(f"{ENTRIES}{november.pk}/").json()["period"] == "2026-11"
    assert ids(supervisor.get(ENTRIES, {"period": "2026-10"})) == {october.pk}
    assert ids(supervisor.get(ENTRIES, {"period": "2026-11"})) == {november.pk}


@pytest.mark.parametrize(("occurred_at", "period"), [
    ("2026-10-31T15:59:00Z", "2026-10"), ("2026-10-31T23:59:00+08:00", "2026-10"),
    ("2026-10-31T16:01:00Z", "2026-11"), ("2026-11-01T00:01:00+08:00", "2026-11"),
])
def test_a_manual_entrys_period_is_its_month_in_shanghai(now, api, people, occurred_at, period):
    response = api(people.lead).post(ENTRIES, {"rule": "intranet_violation", "agent": "agent",
                                               "reason": "内网电脑接入互联网", "occurred_at": occurred_at},
                                     format="json")
    assert response.status_code == 201, response.content
    assert response.json()["period"] == period


# --- Reversal: a supervisor, once, as a new entry -------------------------------------------------------


def test_a_supervisor_reverses_an_entry_once(hotline, org, api, people):
    entry = late_complaint(hotline, org, at(2026, 10, 26, 9, 0), sweep_at=at(2026, 10, 31, 9, 5))
    hotline.move_to(NOW)  # the appeal is upheld in November; the reversal stays in October
    supervisor = api(people.supervisor)

    response = supervisor.post(f"{ENTRIES}{entry.pk}/reverse/", {"reason": "申诉成立：客户失联"}, format="json")
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert reversal["id"] != entry.pk
    assert reversal["reverses"] == entry.pk
    assert reversal["amount"] == "-20.00"
    assert reversal["period"] == "2026-10"
    assert reversal["rule"] == "complaint_reply_late" and reversal["department"] == org.marketing.pk
    assert reversal["kind"] == EntryKind.REVERSAL
    assert supervisor.get(f"{ENTRIES}{entry.pk}/").json()["reversed_by"] == reversal["id"]
    count = LedgerEntry.objects.count()
    original = snapshot(entry.pk)

    again = supervisor.post(f"{ENTRIES}{entry.pk}/reverse/", {"reason": "再次申诉"}, format="json")
    assert again.status_code == 409, again.content
    assert again.json()["detail"]
    of_reversal = supervisor.post(f"{ENTRIES}{reversal['id']}/reverse/", {"reason": "撤销冲销"}, format="json")
    assert of_reversal.status_code == 409, of_reversal.content
    assert LedgerEntry.objects.count() == count
    assert snapshot(entry.pk) == original

    net = supervisor.get(f"{ENTRIES}totals/", {"period": "2026-10"}).json()
    assert Decimal(net["net"]) == 0


@pytest.mark.parametrize("who", ["agent", "lead", "manager"])
def test_only_a_supervisor_reverses(now, api, people, who):
    entry = manual(people.lead, agent=people.agent)  # the agent's own entry: they can see it
    response = api(getattr(people, who)).post(f"{ENTRIES}{entry.pk}/reverse/", {"reason": "我不服"}, format="json")
    assert response.status_code == 403, response.content
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


def test_an_agent_cannot_reverse_someone_elses_entry_either(now, api, people):
    entry = manual(people.lead, agent=people.agent2)
    response = api(people.agent).post(f"{ENTRIES}{entry.pk}/reverse/", {"reason": "x"}, format="json")
    assert response.status_code in (403, 404), response.content
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_a_reversal_needs_a_reason(now, api, people, body):
    entry = manual(people.lead, agent=people.agent)
    response = api(people.supervisor).post(f"{ENTRIES}{entry.pk}/reverse/", body, format="json")
    assert response.status_code == 400, response.content
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


# --- Never updated, never deleted -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("who", ["supervisor", "superuser"])
def test_entries_cannot_be_changed_or_deleted_over_http(now, api, people, method, who):
    entry = manual(people.lead, agent=people.agent)
    before, count = snapshot(entry.pk), LedgerEntry.objects.count()
    user = people.supervisor if who == "supervisor" else UserFactory(username="root", is_superuser=True,
                                                                       is_staff=True)
    response = getattr(api(user), method)(f"{ENTRIES}{entry.pk}/", {"amount": "0.00", "reason": "改"},
                                          format="json")
    assert response.status_code == 405, response.content
    assert snapshot(entry.pk) == before
    assert LedgerEntry.objects.count() == count
    collection = getattr(api(user), method)(ENTRIES, {}, format="json")
    assert collection.status_code == 405


# --- Manual entries by a lead or supervisor ------------------------------------------------------------
# (A lead or supervisor posting intranet_violation at its 200 yuan: tests/kpi/rules/test_intranet_violation.py.)


def test_a_supervisor_posts_a_manual_entry_on_a_department_with_its_own_amount_and_why(now, api, people, org):
    response = api(people.supervisor).post(ENTRIES, {
        "rule": "consultation_reply_late", "department": org.marketing.pk, "amount": "35.50",
        "amount_reason": "连续三次超时", "reason": "咨询答复超时"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["department"], body["amount"], body["amount_reason"]) == (org.marketing.pk, "35.50", "连续三次超时")


# --- Manual amounts (design "Penalties": a manual entry takes the rule's amount; another only by a supervisor) ----


@pytest.mark.parametrize("amount", ["2000.00", "1.00", "20.00"])
def test_a_lead_posts_only_the_rules_amount(now, api, people, amount):
    response = api(people.lead).post(ENTRIES, {"rule": "intranet_violation", "agent": "agent", "amount": amount,
                                               "amount_reason": "我说了算", "reason": "内网违规"}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "amount_not_permitted"
    assert not LedgerEntry.objects.exists()


def test_the_rules_amount_given_explicitly_is_fine_for_a_lead(now, api, people):
    response = api(people.lead).post(ENTRIES, {"rule": "intranet_violation", "agent": "agent", "amount": "200.00",
                                               "reason": "内网违规"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["amount"], response.json()["amount_reason"]) == ("200.00", "")


def test_a_supervisors_other_amount_needs_a_reason(now, api, people):
    response = api(people.supervisor).post(ENTRIES, {"rule": "intranet_violation", "agent": "agent",
                                                     "amount": "100.00", "reason": "内网违规"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "amount_reason"
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(("body", "code"), [
    ({"rule": "intranet_violation", "department": "@marketing"}, "charged_to_agent"),
    ({"rule": "complaint_reply_late", "agent": "agent"}, "charged_to_department"),
    ({"rule": "intranet_violation", "agent": "manager"}, "not_an_agent"),
    ({"rule": "intranet_violation", "agent": "repair"}, "not_an_agent"),
])
def test_a_manual_entry_charges_only_whom_the_rule_names(now, api, people, org, body, code):
    body = {k: (org.marketing.pk if v == "@marketing" else v) for k, v in body.items()}
    response = api(people.supervisor).post(ENTRIES, {**body, "reason": "x"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("who", ["agent", "manager", "repair"])
def test_others_cannot_post_manual_entries(now, api, people, who):
    response = api(getattr(people, who)).post(
        ENTRIES, {"rule": "intranet_violation", "agent": "agent", "reason": "x"}, format="json")
    assert response.status_code == 403, response.content
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("body", [
    {"rule": "intranet_violation", "agent": "agent"},  # no reason
    {"rule": "intranet_violation", "agent": "agent", "reason": ""},
    {"rule": "intranet_violation", "agent": "agent", "reason": "  "},
    {"rule": "intranet_violation", "reason": "x"},  # neither agent nor department
    {"rule": "intranet_violation", "agent": "agent", "department": "@marketing", "reason": "x"},  # both
    {"rule": "no_such_rule", "agent": "agent", "reason": "x"},
    {"rule": "intranet_violation", "agent": "nobody", "reason": "x"},
    {"rule": "intranet_violation", "agent": "agent", "reason": "x", "amount": "-5"},
    {"rule": "intranet_violation", "agent": "agent", "reason": "x", "amount": "0"},
    {"rule": "intranet_violation", "agent": "agent", "reason": "x", "occurred_at": "2026-12-20T10:00:00+08:00"},
    {"rule": "intranet_violation", "agent": "agent", "reason": "x", "occurred_at": "2026-11-20T10:00:00"},
])
def test_a_bad_manual_entry_is_400_and_posts_nothing(now, api, people, org, body):
    body = {k: (org.marketing.pk if v == "@marketing" else v) for k, v in body.items()}
    response = api(people.lead).post(ENTRIES, body, format="json")
    assert response.status_code == 400, response.content
    assert not LedgerEntry.objects.exists()


# --- Filters and totals ----------------------------------------------------------------------------------


@pytest.fixture
def ledger(hotline, org, people):
    """Entries in two months, three units (center and county under city), agents and a department."""
    county = UnitFactory(code="county", name="示范县供电公司", kind=UnitKind.COUNTY, parent=org.city)
    agent3 = UserFactory(username="agent3", unit=county, seat="9001", role="agent")
    auto = late_complaint(hotline, org, at(2026, 11, 10, 9, 0), sweep_at=at(2026, 11, 15, 9, 1))
    hotline.move_to(NOW)
    e = {
        "auto": auto,
        "agent_nov": manual(people.lead, agent=people.agent, occurred_at=at(2026, 11, 3, 10, 0)),
        "agent2_oct": manual(people.supervisor, agent=people.agent2, amount=Decimal("150"),
                             amount_reason="多次违规", occurred_at=at(2026, 10, 15, 10, 0)),
        "agent3_nov": manual(people.supervisor, "late_or_early", agent=agent3, occurred_at=at(2026, 11, 5, 8, 5)),
        "marketing_nov": manual(people.lead, "consultation_reply_late", department=org.marketing,
                                occurred_at=at(2026, 11, 6, 8, 5)),
    }
    e["reversal"] = services.entry_reverse(entry=e["agent_nov"], actor=people.supervisor, reason="申诉成立")
    return {name: entry.pk for name, entry in e.items()} | {"_county": county.pk}


FILTERS = [
    ({}, {"auto", "agent_nov", "agent2_oct", "agent3_nov", "marketing_nov", "reversal"}),
    ({"period": "2026-11"}, {"auto", "agent_nov", "agent3_nov", "marketing_nov", "reversal"}),
    ({"period": "2026-10"}, {"agent2_oct"}),
    ({"period": "2026-09"}, set()),
    ({"unit": "@city"}, {"auto", "agent_nov", "agent2_oct", "agent3_nov", "marketing_nov", "reversal"}),
    ({"unit": "@center"}, {"agent_nov", "agent2_oct", "reversal"}),
    ({"unit": "@county"}, {"agent3_nov"}),
    ({"unit": "@center", "period": "2026-11"}, {"agent_nov", "reversal"}),
    ({"agent": "agent"}, {"agent_nov", "reversal"}),
    ({"agent": "agent3"}, {"agent3_nov"}),
    ({"department": "@marketing"}, {"auto", "marketing_nov"}),
    ({"kind": "manual"}, {"agent_nov", "agent2_oct", "agent3_nov", "marketing_nov"}),
    ({"kind": "automatic"}, {"auto"}),
    ({"kind": "reversal"}, {"reversal"}),
]


RULE_FILTERS = [
    ({"rule": "intranet_violation"}, {"agent_nov", "agent2_oct", "reversal"}),
    ({"rule": ["intranet_violation", "late_or_early"]}, {"agent_nov", "agent2_oct", "reversal", "agent3_nov"}),
    ({"rule": ["late_or_early", "consultation_reply_late"]}, {"agent3_nov", "marketing_nov"}),
    ({"rule": "complaint_reply_late", "period": "2026-11"}, {"auto"}),
]


def _params(params: dict, ledger: dict, org) -> dict:
    places = {"@city": org.city.pk, "@center": org.center.pk, "@county": ledger["_county"],
              "@marketing": org.marketing.pk}
    return {k: places.get(v, v) if isinstance(v, str) else v for k, v in params.items()}


@pytest.mark.parametrize(("params", "expected"), [*FILTERS, *RULE_FILTERS])
def test_filters_and_totals_agree(ledger, api, people, org, params, expected):
    client = api(people.supervisor)
    query = _params(params, ledger, org)
    listed = client.get(ENTRIES, query)
    assert ids(listed) == {ledger[name] for name in expected}

    rows = listed.json()["results"]
    totals = client.get(f"{ENTRIES}totals/", query)
    assert totals.status_code == 200, totals.content
    totals = totals.json()
    def total(selected) -> Decimal:
        return sum((Decimal(r["amount"]) for r in selected), Decimal(0))

    assert Decimal(totals["net"]) == total(rows)
    assert Decimal(totals["penalties"]) == total(r for r in rows if r["kind"] != "reversal")
    assert Decimal(totals["reversals"]) == total(r for r in rows if r["kind"] == "reversal")
    by_rule = {item["rule"]: item for item in totals["by_rule"]}
    assert set(by_rule) == {r["rule"] for r in rows}
    for code, item in by_rule.items():
        mine = [r for r in rows if r["rule"] == code]
        assert Decimal(item["net"]) == sum((Decimal(r["amount"]) for r in mine), Decimal(0))
        assert item["count"] == len([r for r in mine if r["kind"] != "reversal"])


def test_the_totals_of_the_ledger_fixture_by_hand(ledger, api, people):
    totals = api(people.supervisor).get(f"{ENTRIES}totals/", {"period": "2026-11"}).json()
    by_rule = {item["rule"]: item for item in totals["by_rule"]}
    assert by_rule["intranet_violation"]["penalties"] == "200.00"
    assert by_rule["intranet_violation"]["reversals"] == "-200.00"
    assert by_rule["intranet_violation"]["net"] == "0.00"
    assert by_rule["late_or_early"]["net"] == "20.00" and by_rule["late_or_early"]["count"] == 1
    assert by_rule["consultation_reply_late"]["net"] == "20.00"
    assert by_rule["complaint_reply_late"]["net"] == "20.00"
    assert totals["net"] == "60.00"


def test_a_bad_period_filter_is_400(ledger, api, people):
    assert api(people.supervisor).get(ENTRIES, {"period": "2026-13"}).status_code == 400
    assert api(people.supervisor).get(f"{ENTRIES}totals/", {"period": "11/2026"}).status_code == 400


def test_an_agent_sees_only_their_own_entries(ledger, api, people):
    client = api(people.agent)
    assert ids(client.get(ENTRIES)) == {ledger["agent_nov"], ledger["reversal"]}
    assert ids(client.get(ENTRIES, {"agent": "agent2"})) == set()
    assert client.get(f"{ENTRIES}{ledger['agent2_oct']}/").status_code == 404
    totals = client.get(f"{ENTRIES}totals/").json()
    assert Decimal(totals["penalties"]) == Decimal("200.00") and Decimal(totals["net"]) == 0
    assert ids(api(people.agent2).get(ENTRIES)) == {ledger["agent2_oct"]}


def test_a_manager_sees_everything_but_posts_nothing(ledger, api, people):
    client = api(people.manager)
    assert len(ids(client.get(ENTRIES))) == 6
    count = LedgerEntry.objects.count()
    assert client.post(ENTRIES, {"rule": "intranet_violation", "agent": "agent", "reason": "x"},
                       format="json").status_code == 403
    assert client.post(f"{ENTRIES}{ledger['agent3_nov']}/reverse/", {"reason": "x"},
                       format="json").status_code == 403
    assert LedgerEntry.objects.count() == count


def test_anonymous_sees_nothing(ledger, api):
    assert api(None).get(ENTRIES).status_code in (401, 403)
    assert api(None).get(RULES).status_code in (401, 403)


# --- Rules -------------------------------------------------------------------------------------------------


def test_a_supervisor_changes_a_rules_amount_and_switches_it_off(hotline, org, api, people):
    client = api(people.supervisor)
    response = client.patch(f"{RULES}complaint_reply_late/", {"amount": "30.00"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "30.00"
    assert client.get(f"{RULES}complaint_reply_late/").json()["amount"] == "30.00"
    entry = late_complaint(hotline, org, at(2026, 5, 11, 9, 30), sweep_at=at(2026, 5, 16, 9, 31))
    assert entry.amount == Decimal("30.00")  # new breaches cost the new amount

    response = client.patch(f"{RULES}complaint_reply_late/", {"enabled": False}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    hotline.move_to(at(2026, 6, 1, 9, 0))
    order = hotline.complaint_with(org.marketing)
    hotline.move_to(at(2026, 6, 6, 9, 1))
    hotline.sweep()
    assert not entries(order).exists()


def test_a_rules_code_and_target_are_read_only(api, people):
    response = api(people.supervisor).patch(f"{RULES}ring_over_3/", {"code": "x", "charged_to": "department",
                                                                      "threshold": 12}, format="json")
    assert response.status_code == 200, response.content
    rule = PenaltyRule.objects.get(pk=response.json()["id"])
    assert (rule.code, rule.charged_to, rule.threshold) == ("ring_over_3", "agent", 12)


def test_a_negative_rule_amount_is_400(api, people):
    response = api(people.supervisor).patch(f"{RULES}ring_over_3/", {"amount": "-1"}, format="json")
    assert response.status_code == 400
    assert PenaltyRule.objects.get(code="ring_over_3").amount == Decimal("20.00")


@pytest.mark.parametrize("who", ["agent", "lead", "manager"])
def test_others_cannot_change_rules(api, people, who):
    client = api(getattr(people, who))
    assert client.get(f"{RULES}ring_over_3/").status_code == 200  # everyone who judges or is judged may read
    response = client.patch(f"{RULES}ring_over_3/", {"amount": "0.00"}, format="json")
    assert response.status_code == 403, response.content
    assert PenaltyRule.objects.get(code="ring_over_3").amount == Decimal("20.00")


@pytest.mark.parametrize(("who", "method"), [
    ("superuser", "delete"), ("superuser", "put"), ("superuser", "post"),
    ("supervisor", "delete"), ("supervisor", "put"), ("supervisor", "post"),
])
def test_rules_are_never_deleted_or_replaced_over_http(api, people, who, method):
    user = people.supervisor if who == "supervisor" else UserFactory(username="root", is_superuser=True,
                                                                       is_staff=True)
    client = api(user)
    url = RULES if method == "post" else f"{RULES}ring_over_3/"
    response = getattr(client, method)(url, {"code": "ring_over_3", "amount": "1.00"}, format="json")
    assert response.status_code == 405, response.content
    assert PenaltyRule.objects.filter(code="ring_over_3", amount=Decimal("20.00")).exists()


def test_the_seeded_rules(api, people):
    rules = {r["code"]: r for r in api(people.supervisor).get(RULES, {"page_size": 100}).json()["results"]}
    assert {"outage_publish_late", "late_or_early", "intranet_violation", "ring_over_3", "no_cleaning",
            "first_question", "callback_missed", "attitude_complaint", "complaint_reply_late",
            "repair_arrival_late", "consultation_reply_late", "report_reply_late",
            "suggestion_reply_late"} <= set(rules)
    assert rules["intranet_violation"]["amount"] == "200.00" and rules["intranet_violation"]["manual"] is True
    assert rules["attitude_complaint"]["amount"] == "100.00"
    assert rules["ring_over_3"]["threshold"] == 10
    assert rules["repair_arrival_late"]["charged_to"] == "department"
    assert rules["complaint_reply_late"]["charged_to"] == "department"
    assert rules["callback_missed"]["charged_to"] == "agent"


# --- The admin: entries are read-only, for a superuser too ----------------------------------------------


@pytest.fixture
def admin_client_root(client, db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    return client


def test_the_admin_lists_entries_but_refuses_add_change_delete(admin_client_root, now, people):
    entry = manual(people.lead, agent=people.agent)
    before = snapshot(entry.pk)
    client = admin_client_root

    listing = client.get("/admin/kpi/ledgerentry/")
    assert listing.status_code == 200
    assert f"/admin/kpi/ledgerentry/{entry.pk}/change/" in listing.content.decode()
    assert b"delete_selected" not in listing.content

    assert client.get("/admin/kpi/ledgerentry/add/").status_code == 403
    assert client.post("/admin/kpi/ledgerentry/add/", {"amount": "1"}).status_code == 403
    assert client.get(f"/admin/kpi/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/kpi/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/kpi/ledgerentry/{entry.pk}/change/", {"amount": "0.00"}).status_code == 403
    client.post("/admin/kpi/ledgerentry/", {"action": "delete_selected", "_selected_action": [entry.pk],
                                            "post": "yes"})
    assert snapshot(entry.pk) == before


def test_the_admin_never_deletes_rules(admin_client_root):
    rule = PenaltyRule.objects.get(code="ring_over_3")
    assert admin_client_root.get("/admin/kpi/penaltyrule/").status_code == 200
    assert admin_client_root.post(f"/admin/kpi/penaltyrule/{rule.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client_root.get("/admin/kpi/penaltyrule/add/").status_code == 403
    assert PenaltyRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize("params", [{"agent": "nobody"}, {"rule": "no_such_rule"}, {"unit": "999999"},
                                    {"kind": "bonus"}])
def test_an_unknown_filter_value_is_400(ledger, api, people, params):
    assert api(people.supervisor).get(ENTRIES, params).status_code == 400
