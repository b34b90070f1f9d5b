"""The wallboard 监控大屏 (issue 20, item 4): each figure from data built through the services on a frozen clock —
today's calls and the 3-ring rate this hour and today, the calls ringing now, who is on duty, the open orders, those
overdue and due within the hour by department, active outages and their linked calls, today's penalties by rule —
the same number of queries whatever the data, and who may see it (the page, its JSON, the ledger's live rows).

Expected values are counted by hand from the scenario, never with the application's own functions."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kpi import sweeps, wallboard
from kpi.models import LedgerEntry, PenaltyRule
from kpi.rules import forget_ring_limit
from kpi.services import entry_post_manual, entry_reverse
from shifts import services as shift_services
from shifts.models import ShiftTemplate
from tests.actions import act, outage_act
from tests.factories import CustomerFactory, logged_call
from tickets.services import call_event, outage_receive, work_order_create

from .conftest import at

NOW = at(2026, 3, 2, 10, 30)  # a Monday, 10:30 in Asia/Shanghai


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def call(people, ring: dt.datetime, answered_after: int | None, phone: str = "13900000009"):
    answered = ring + dt.timedelta(seconds=answered_after) if answered_after is not None else None
    ended = answered + dt.timedelta(seconds=30) if answered else ring + dt.timedelta(seconds=6)  # hung up at 6 s
    return logged_call(caller_number=phone, ring_started_at=ring, answered_at=answered, ended_at=ended,
                       agent=people.agent, logged_by=people.telephony)


def order(people, customer, kind="repair", **extra):
    return work_order_create(kind=kind, description="客户来电", caller_number=customer.phone, customer=customer,
                             actor=people.agent, **extra)


@pytest.fixture
def scenario(people, org, clock):
    """The morning of 2 March 2026, as the center lived it."""
    # Calls: yesterday's (not today), one at 9:10 (today, not this hour), three this hour.
    call(people, at(2026, 3, 1, 23, 50), 3)
    call(people, at(2026, 3, 2, 9, 10), 4)  # within 3 rings
    call(people, at(2026, 3, 2, 10, 5), 4)  # within 3 rings
    call(people, at(2026, 3, 2, 10, 10), 15)  # answered late: ring_over_3, 20 yuan (seed 000 考核 4)
    call(people, at(2026, 3, 2, 10, 20), None)  # abandoned after 6 s (not a breach)
    # Ringing at the seats now: two; one answered (talking), one stale report of ten minutes ago.
    for pbx, seconds_ago in (("pbx-1", 25), ("pbx-2", 5), ("pbx-3", 40), ("pbx-4", 600)):
        call_event(switch_call_id=pbx, event="ring", at=NOW - dt.timedelta(seconds=seconds_ago),
                   caller_number="13800000001", agent=people.agent, seat=people.agent.seat,
                   reported_by=people.telephony)
    call_event(switch_call_id="pbx-3", event="answer", at=NOW - dt.timedelta(seconds=30),
               reported_by=people.telephony)
    # The early shift (8:00–16:00): the lead, agent and agent2 rostered; agent checked in (at 7:35).
    clock.move_to(at(2026, 3, 2, 7, 35), tick=False)
    early = shift_services.shift_create(unit=org.center, template=ShiftTemplate.objects.get(code="early"),
                                        date=dt.date(2026, 3, 2), lead=people.lead,
                                        members=[people.agent, people.agent2], actor=people.supervisor)
    shift_services.shift_check_in(shift=early, user=people.agent)
    # Orders. An urban repair's crew is due on site 45 min after the dispatch.
    customer = CustomerFactory(address="示范市解放路8号")
    clock.move_to(at(2026, 3, 2, 9, 0), tick=False)
    late_repair = order(people, customer)
    act(order=late_repair, name="dispatch", actor=people.agent, params={"department": org.repair.pk})  # due 9:45
    clock.move_to(at(2026, 3, 2, 10, 0), tick=False)
    soon_repair = order(people, customer)
    act(order=soon_repair, name="dispatch", actor=people.agent, params={"department": org.repair2.pk})  # 10:45
    order(people, customer)  # accepted, not dispatched
    order(people, customer, kind="complaint")  # accepted; first contact due tomorrow 10:00
    cancelled = order(people, customer)
    act(order=cancelled, name="cancel", actor=people.lead, params={"reason": "重复来电"})
    # Outages: a fault published at 10:00 with a repair call linked to it; one received, not yet published.
    fault = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=at(2026, 3, 2, 9, 55),
                           expected_restore_at=at(2026, 3, 2, 13, 0), actor=people.agent)
    outage_act(notice=fault, name="publish", actor=people.agent)
    linked = work_order_create(kind="repair", description="家里没电", caller_number="13900000001",
                               customer=CustomerFactory(address="示范市中山路1号"), actor=people.agent)
    assert linked.outage_id == fault.pk
    outage_receive(kind="fault", area="人民路", cause="线路故障", starts_at=at(2026, 3, 2, 10, 0),
                   expected_restore_at=at(2026, 3, 2, 12, 0), actor=people.agent)
    # Penalties: an intranet violation today, reversed on appeal; one of yesterday.
    intranet = PenaltyRule.objects.get(code="intranet_violation")
    manual = entry_post_manual(rule=intranet, actor=people.lead, reason="私接外网", agent=people.agent2)
    entry_reverse(entry=manual, actor=people.supervisor, reason="申诉成立")
    entry_post_manual(rule=intranet, actor=people.lead, reason="私接外网", agent=people.agent2,
                      occurred_at=at(2026, 3, 1, 20, 0))
    clock.move_to(NOW, tick=False)
    sweeps.sweep_deadlines(now=NOW)  # the judge: the late call (ring_over_3), the crew late on site since 9:45
    return {"late_repair": late_repair, "soon_repair": soon_repair, "fault": fault}


def test_each_figure_is_counted_from_the_facts(scenario, org):
    figures = wallboard.figures()
    json.dumps(figures)  # serializable as it is
    assert figures["ring_limit"] == 10
    assert figures["calls"]["today"] == {"offered": 4, "answered": 3, "abandoned": 1, "within_limit": 2,
                                         "within_limit_rate": 50.0}
    assert figures["calls"]["hour"] == {"offered": 3, "answered": 2, "abandoned": 1, "within_limit": 1,
                                        "within_limit_rate": 33.3}
    assert figures["ringing"] == {"count": 2, "longest_seconds": 25}
    assert figures["agents"] == {"on_duty": 3, "checked_in": 1}

    orders = figures["orders"]
    assert orders["open"] == 5
    by_kind = {k["kind"]: (k["open"], {s["state"]: s["count"] for s in k["states"]}) for k in orders["by_kind"]}
    assert by_kind["repair"] == (4, {"accepted": 2, "dispatched": 2})
    assert by_kind["complaint"] == (1, {"accepted": 1})
    assert by_kind["consultation"] == (0, {})
    assert (orders["overdue"], orders["due_soon"]) == (1, 1)
    assert orders["by_department"] == [
        {"department_id": org.repair.pk, "department": "抢修一班", "overdue": 1, "due_soon": 0},
        {"department_id": org.repair2.pk, "department": "抢修二班", "overdue": 0, "due_soon": 1},
    ]

    outages = figures["outages"]
    assert (outages["active"], outages["linked_calls"]) == (1, 1)
    notices = [(n["id"], n["area"], n["linked_calls"]) for n in outages["notices"]]
    assert notices == [(scenario["fault"].pk, "中山路", 1)]

    penalties = figures["penalties"]
    by_rule = {r["rule"]: (r["count"], r["penalties"], r["net"]) for r in penalties["by_rule"]}
    assert (penalties["count"], penalties["net"]) == (3, "40.00")
    assert by_rule == {"intranet_violation": (1, "200.00", "0.00"), "repair_arrival_late": (1, "20.00", "20.00"),
                       "ring_over_3": (1, "20.00", "20.00")}


def test_an_order_goes_overdue_as_time_passes_and_the_threshold_is_the_rules(scenario, clock):
    clock.move_to(at(2026, 3, 2, 10, 46), tick=False)  # the second crew's 10:45 has passed
    orders = wallboard.figures()["orders"]
    assert (orders["overdue"], orders["due_soon"]) == (2, 0)
    PenaltyRule.objects.filter(code="ring_over_3").update(threshold=20)  # the rule row decides "3 rings"
    forget_ring_limit()  # an update behind the ORM's signals: as the admin's save does
    calls = wallboard.figures()["calls"]["today"]
    assert (calls["within_limit"], calls["within_limit_rate"]) == (3, 75.0)


def test_the_same_number_of_queries_whatever_the_data(db, people, clock):
    wallboard.figures()  # the ring limit read once (then from the cache)
    with CaptureQueriesContext(connection) as empty:
        wallboard.figures()
    assert len(empty) == 7


def test_the_same_number_of_queries_with_a_busy_morning(scenario, django_assert_num_queries):
    wallboard.figures()
    with django_assert_num_queries(7):
        wallboard.figures()


def test_figures_are_shared_for_a_moment_and_refreshed_after_an_event(scenario, people, clock):
    first = wallboard.cached_figures()
    call(people, at(2026, 3, 2, 10, 29), 3, phone="13900000010")
    assert wallboard.cached_figures() == first  # within FRESH_SECONDS: the same computation
    event = wallboard.latest_event_id()
    assert wallboard.figures_through(event)["calls"]["today"]["offered"] == 5  # reflects the new call


# --- who may see it ----------------------------------------------------------------------------------------------

WALLBOARD_ROLES = {"lead", "supervisor", "manager"}
EVERYONE = ("agent", "lead", "supervisor", "manager", "repair", "telephony")


@pytest.mark.parametrize("name", EVERYONE)
def test_the_wallboard_is_for_leads_supervisors_and_managers(people, name):
    client = Client()
    client.force_login(getattr(people, name))
    page, data = client.get("/kpi/wallboard/"), client.get("/kpi/wallboard/data/")
    if name in WALLBOARD_ROLES:
        assert (page.status_code, data.status_code) == (200, 200)
        html = page.content.decode()
        assert 'id="wallboard-figures"' in html and "js/wallboard.js" in html
        assert data.json()["ring_limit"] == 10
        assert 'href="/kpi/wallboard/"' in client.get("/kpi/ledger/").content.decode()  # in the navigation
        assert client.get("/wallboard/")["Location"] == "/kpi/wallboard/"  # the address the room's screen is set to
    else:
        assert (page.status_code, data.status_code, client.get("/wallboard/").status_code) == (403, 403, 403)


def test_the_anonymous_are_sent_to_log_in(db):
    client = Client()
    assert client.get("/kpi/wallboard/")["Location"].startswith("/accounts/login/?next=")
    assert client.get("/kpi/wallboard/data/").status_code == 401


def test_the_ledger_rows_are_those_the_page_lists(people, org, clock):
    intranet = PenaltyRule.objects.get(code="intranet_violation")
    mine = entry_post_manual(rule=intranet, actor=people.lead, reason="私接外网", agent=people.agent)
    crew = entry_post_manual(rule=PenaltyRule.objects.get(code="repair_arrival_late"), actor=people.lead,
                             reason="到达超时", department=org.repair)
    client = Client()
    client.force_login(people.lead)
    rows = client.get(f"/kpi/ledger/rows/?ids={mine.pk},{crew.pk},x").content.decode()
    assert f'id="entry-{mine.pk}"' in rows and f'id="entry-{crew.pk}"' in rows and "私接外网" in rows
    only_crew = client.get(f"/kpi/ledger/rows/?ids={mine.pk},{crew.pk}&department={org.repair.pk}").content.decode()
    assert f'id="entry-{mine.pk}"' not in only_crew and f'id="entry-{crew.pk}"' in only_crew
    last_month = client.get(f"/kpi/ledger/rows/?ids={mine.pk}&period=2026-02").content.decode()
    assert "entry-" not in last_month
    agent = Client()
    agent.force_login(people.agent)
    assert agent.get(f"/kpi/ledger/rows/?ids={mine.pk}").status_code == 403
    page = client.get("/kpi/ledger/").content.decode()
    assert 'id="ledger-live"' in page and 'data-live-url="/ws/ledger/"' in page
    assert LedgerEntry.objects.count() == 2 and Decimal(mine.amount) == Decimal("200.00")


def test_the_board_index_holds_every_column_the_count_reads():
    """wo_open_board_idx serves the count from the index alone only while it includes each counted-down deadline
    of the deadline table and the facts that meet it (a deadline added to tickets.sla must be added there)."""
    from tickets import sla
    from tickets.models.workorders import BOARD_COLUMNS

    read = {rule.column for rule in sla.COUNTED_DOWN} | {fact for rule in sla.COUNTED_DOWN for fact in rule.met_by}
    assert read | {"id"} == set(BOARD_COLUMNS)


@pytest.mark.parametrize("minute", [44, 45, 46, 104, 106])
def test_overdue_and_due_soon_whatever_the_minute(scenario, clock, minute):
    """Overdue and due within the hour, minute by minute around a deadline: the counts are those of the deadline
    table's own definitions over every open order (the queue's tabs)."""
    from tickets import sla
    from tickets.models import WorkOrder
    from tickets.models.states import OPEN_STATES

    now = at(2026, 3, 2, 10, 0) + dt.timedelta(minutes=minute)
    clock.move_to(now, tick=False)
    orders = wallboard.figures()["orders"]
    open_orders = WorkOrder.objects.filter(state__in=OPEN_STATES)
    overdue = open_orders.filter(sla.overdue_q(now)).count()
    due_soon = open_orders.filter(sla.due_soon_q(now, within=dt.timedelta(hours=1))).count()
    assert (orders["overdue"], orders["due_soon"]) == (overdue, due_soon)
    assert (overdue, due_soon) == {44: (1, 1), 45: (1, 1), 46: (2, 0), 104: (2, 0), 106: (2, 0)}[minute]


# --- today's penalties from the hourly totals -------------------------------------------------------------------

def test_todays_penalties_are_summed_from_the_hourly_totals_not_read_entry_by_entry(scenario, people, clock):
    """A storm day posts hundreds of thousands of entries: the board sums the database's hourly totals (a few rows
    per posting, kept by the database at every insert), never the entries themselves, and they agree."""
    from kpi.selectors import ledger_totals

    with CaptureQueriesContext(connection) as queries:
        penalties = wallboard.figures()["penalties"]
    assert not [q["sql"] for q in queries if '"kpi_ledgerentry"' in q["sql"]]
    day = LedgerEntry.objects.filter(occurred_at__gte=at(2026, 3, 2, 0, 0), occurred_at__lte=NOW)
    expected = ledger_totals(day)  # what the report and the ledger page total
    assert Decimal(penalties["net"]) == expected["net"] == Decimal("40")
    assert [(r["rule"], r["count"], Decimal(r["penalties"]), Decimal(r["net"])) for r in penalties["by_rule"]] == [
        (r["rule"], r["count"], r["penalties"], r["net"]) for r in expected["by_rule"]]


def test_a_sweep_run_again_adds_nothing_to_the_totals(scenario, people, clock):
    before = wallboard.figures()["penalties"]
    sweeps.sweep_deadlines(now=NOW)  # the same breaches: the ledger's unique keys skip them
    assert wallboard.figures()["penalties"] == before
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, reason="再次外联",
                      agent=people.agent)
    after = wallboard.figures()["penalties"]
    assert (after["count"], after["net"]) == (4, "240.00")


def test_an_entry_of_yesterday_evening_stays_out_of_today(scenario, people, clock):
    # 23:59 on 1 March in Asia/Shanghai is 15:59 UTC: the day's first hour starts at 16:00 UTC
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, reason="昨晚外联",
                      agent=people.agent, occurred_at=at(2026, 3, 1, 23, 59))
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, reason="今晨外联",
                      agent=people.agent, occurred_at=at(2026, 3, 2, 0, 0))
    penalties = wallboard.figures()["penalties"]
    assert (penalties["count"], penalties["net"]) == (4, "240.00")
