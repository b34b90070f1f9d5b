"""The monthly assessment 月度考核 (kpi.reports.figures) against a month built by hand.

October 2026 in a small center: 示范市 (city) → 95598客户服务中心 (center) and 示范县 (county). Every fact has an
explicit time; the ones on either side of the month's edges (Asia/Shanghai, UTC+8) are written both ways. The
expected figures below were counted by hand from the table of facts in ``month`` — never by running the
report's own logic — and are written out literally.

Orders (owner, unit, current department; O = accepted in October unless said):
  O1  repair        agent   center  repair-1      arrival due 10-03 08:50, arrived 08:40 (on time); callback due
                                                  10-04 10:00, called back 10-04 09:00 (CB1 satisfied)
  O2  repair        agent2  center  repair-1      arrival due 10-08 12:50, arrived 13:30 (late); callback due
                                                  11-01 00:00 (November); CB6 made 11-01 00:00 (November)
  O3  repair        agent3  county  county-repair arrival due 10-09 15:30, not arrived
  O4  repair        agent   center  repair-1      accepted 10-31 23:30; arrival due 11-01 00:20 (November)
  O5  repair        agent2  center  repair-2      accepted 09-30 23:50 (September); arrival due 10-01 00:35,
                                                  arrived exactly 00:35 (on time)
  O6  consultation  agent   center  —             answered on the call
  O7  consultation  agent2  center  marketing     callback due 10-20, not called back (CB4 not reached)
  O8  complaint     agent   center  marketing     reply due 10-07, replied 10-06; callback due 10-08, done 10-07
                                                  (CB2 satisfied)
  O9  complaint     agent2  center  marketing     reply due 10-25 09:00, replied 10-26 (late); callback due
                                                  10-27, done 10-31 23:59 (CB5 satisfied)
  O10 complaint     agent3  county  supervision   reply due 11-02 (November), not replied
  O11 complaint     agent   center  marketing     accepted 09-25 (September); reply due 10-01 09:00, not replied
  O12 complaint     agent   center  supervision   CANCELLED as a duplicate (counts nowhere)
  O13 report        agent3  county  supervision
  O14 suggestion    agent2  center  —
  O15 complaint     agent3  county  county-mkt    accepted 10-26 23:59:59; reply due 10-31 23:59:59, replied at
                                                  that very second (on time)
  O16 repair        agent3  county  county-repair accepted 09-20 (September); callback due 10-02, done 10-02
                                                  (CB3 unsatisfied)

Calls (ring start Shanghai time, ring seconds):
  agent  C1 10-05 09:00 5 s · C2 10-05 10:00 10 s · C3 10-06 11:00 11 s · C4 10-31 23:59:59 3 s ·
         C6 10-01 00:00:00 4 s · C8 10-07 abandoned · C5 11-01 00:00:00 (November) · C7 09-30 23:59:59 (September)
  agent2 D1 10-10 15 s · D2 10-11 8 s (silent call: answered)
  agent3 E1 10-12 3 s · E2 10-12 abandoned
  nobody F1 abandoned, county customer · F2 abandoned, customer of no unit · F3 abandoned, center customer

Ledger (rule amounts set here: repair_arrival_late 50, complaint_reply_late 30; ring_over_3 20, intranet 200):
  L1 ring_over_3 agent 10-06 · L2 ring_over_3 agent2 10-10 · L3 ring_over_3 agent3 10-12 (automatic)
  L4 repair_arrival_late repair-1 (city) 10-08 · L5 repair_arrival_late county-repair (county) 10-09
  L6 complaint_reply_late marketing (city) 10-25 (automatic)
  L7 intranet_violation agent2 10-31 23:59 (manual: October) · L8 late_or_early agent 11-01 00:00 (manual: November)
  L9 reversal of L2, posted 11-03 (period October) · L10 ring_over_3 agent 09-30 23:59:59 (September)
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpi import services
from kpi.filters import LedgerEntryFilter
from kpi.models import ChargedTo, LedgerEntry, PenaltyRule
from kpi.reports.figures import (
    FORMULAS,
    Fmt,
    month_bounds,
    monthly_assessment,
    previous_period,
    rate,
)
from kpi.selectors import ledger_totals
from tickets.models import (
    AreaType,
    Call,
    Callback,
    CallOutcome,
    DepartmentKind,
    Kind,
    State,
    UnitKind,
    WorkOrder,
)

from ..factories import CustomerFactory, DepartmentFactory, UnitFactory, UserFactory
from .conftest import at

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PERIOD = "2026-10"
NOW = at(2026, 11, 3, 10, 0)  # the report is made in November, after the reversal (L9)
ENTRIES = "/api/v1/kpi/entries/"


# --- building the month -----------------------------------------------------------------------------------


def call(agent, rang: dt.datetime, seconds: int, *, answered: bool = True, customer=None,
         outcome: str = CallOutcome.ANSWERED) -> Call:
    return Call.objects.create(
        caller_number=customer.phone if customer else "13800000000", customer=customer, agent=agent,
        ring_started_at=rang, answered_at=rang + dt.timedelta(seconds=seconds) if answered else None,
        ended_at=rang + dt.timedelta(seconds=seconds + 60), ring_seconds=seconds,
        outcome=outcome if answered else CallOutcome.ABANDONED,
    )


def order(kind: str, owner, unit, accepted: dt.datetime, customer, *, state: str = State.ACCEPTED,
          department=None, **facts) -> WorkOrder:
    return WorkOrder.objects.create(
        kind=kind, state=state, description="客户来电", customer=customer, caller_number=customer.phone,
        area_type=AreaType.URBAN, unit=unit, owner=owner, department=department, accepted_at=accepted, **facts,
    )


def callback(target: WorkOrder, agent, made: dt.datetime, *, reached: bool, satisfied: bool | None = None):
    return Callback.objects.create(order=target, agent=agent, made_at=made, reached=reached, satisfied=satisfied)


def breach(code: str, source: str, occurred: dt.datetime, **charged) -> LedgerEntry:
    rule = PenaltyRule.objects.get(code=code)
    services.post_breaches([services.Breach(rule=rule, source=source, occurrence="test", occurred_at=occurred,
                                            **charged)])
    return LedgerEntry.objects.get(key=f"{code}:{source}:test")


@pytest.fixture
def month(org, people, time_machine):
    time_machine.move_to(NOW, tick=False)
    PenaltyRule.objects.filter(code="repair_arrival_late").update(amount=Decimal("50"))
    PenaltyRule.objects.filter(code="complaint_reply_late").update(amount=Decimal("30"))
    city, center = org.city, org.center
    county = UnitFactory(code="county", name="示范县供电公司", kind=UnitKind.COUNTY, parent=city)
    county_mkt = DepartmentFactory(code="county-marketing", name="县营销部", kind=DepartmentKind.MARKETING, unit=county)
    county_repair = DepartmentFactory(code="county-repair", name="县抢修班", kind=DepartmentKind.REPAIR_CREW,
                                      unit=county)
    agent, agent2 = people.agent, people.agent2
    agent3 = UserFactory(username="agent3", unit=county, seat="9001", role="agent", last_name="赵", first_name="六")
    # Left the center: an agent with nothing this month and no longer active gets no row.
    UserFactory(username="agent-left", unit=center, role="agent", is_active=False)
    in_center = CustomerFactory(unit=center)
    in_county = CustomerFactory(unit=county)
    nowhere = CustomerFactory(unit=None)

    # Calls. C4 and C5 are written in UTC: 15:59:59 UTC on the 31st is 23:59:59 in Shanghai (October),
    # 16:00 UTC is 00:00 on 1 November.
    c3 = call(agent, at(2026, 10, 6, 11, 0), 11, customer=in_county)  # the agent's unit decides: center
    calls = SimpleNamespace(
        c1=call(agent, at(2026, 10, 5, 9, 0), 5, customer=in_county),
        c2=call(agent, at(2026, 10, 5, 10, 0), 10, customer=in_center),
        c3=c3,
        c4=call(agent, dt.datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC), 3, customer=in_center),
        c5=call(agent, dt.datetime(2026, 10, 31, 16, 0, 0, tzinfo=UTC), 2, customer=in_center),
        c6=call(agent, at(2026, 10, 1, 0, 0, 0), 4, customer=in_center),
        c7=call(agent, at(2026, 9, 30, 23, 59, 59), 20, answered=False, customer=in_center),
        c8=call(agent, at(2026, 10, 7, 14, 0), 20, answered=False, customer=in_center),
        d1=call(agent2, at(2026, 10, 10, 10, 0), 15, customer=in_center),
        d2=call(agent2, at(2026, 10, 11, 10, 0), 8, customer=None, outcome=CallOutcome.SILENT),
        e1=call(agent3, at(2026, 10, 12, 9, 0), 3, customer=in_county),
        e2=call(agent3, at(2026, 10, 12, 16, 0), 30, answered=False, customer=in_county),
        f1=call(None, at(2026, 10, 15, 8, 0), 40, answered=False, customer=in_county),
        f2=call(None, at(2026, 10, 16, 8, 0), 40, answered=False, customer=nowhere),
        f3=call(None, at(2026, 10, 20, 8, 0), 40, answered=False, customer=in_center),
    )

    o = SimpleNamespace()
    o.o1 = order(Kind.REPAIR, agent, center, at(2026, 10, 3, 8, 0), in_center, state=State.CALLED_BACK,
                 department=org.repair, dispatched_at=at(2026, 10, 3, 8, 5), arrival_due_at=at(2026, 10, 3, 8, 50),
                 arrived_at=at(2026, 10, 3, 8, 40), restored_at=at(2026, 10, 3, 10, 0),
                 resolved_at=at(2026, 10, 3, 10, 0), callback_required=True, callback_due_at=at(2026, 10, 4, 10, 0),
                 called_back_at=at(2026, 10, 4, 9, 0))
    o.o2 = order(Kind.REPAIR, agent2, center, at(2026, 10, 8, 12, 0), in_center, state=State.RESTORED,
                 department=org.repair, dispatched_at=at(2026, 10, 8, 12, 5), arrival_due_at=at(2026, 10, 8, 12, 50),
                 arrived_at=at(2026, 10, 8, 13, 30), restored_at=at(2026, 10, 31, 0, 0),
                 resolved_at=at(2026, 10, 31, 0, 0), callback_required=True, callback_due_at=at(2026, 11, 1, 0, 0))
    o.o3 = order(Kind.REPAIR, agent3, county, at(2026, 10, 9, 14, 0), in_county, state=State.DISPATCHED,
                 department=county_repair, dispatched_at=at(2026, 10, 9, 14, 0),
                 arrival_due_at=at(2026, 10, 9, 15, 30))
    o.o4 = order(Kind.REPAIR, agent, center, at(2026, 10, 31, 23, 30), in_center, state=State.DISPATCHED,
                 department=org.repair, dispatched_at=at(2026, 10, 31, 23, 35), arrival_due_at=at(2026, 11, 1, 0, 20))
    o.o5 = order(Kind.REPAIR, agent2, center, at(2026, 9, 30, 23, 50), in_center, state=State.ARRIVED,
                 department=org.repair2, dispatched_at=at(2026, 9, 30, 23, 50), arrival_due_at=at(2026, 10, 1, 0, 35),
                 arrived_at=at(2026, 10, 1, 0, 35))
    o.o6 = order(Kind.CONSULTATION, agent, center, at(2026, 10, 10, 9, 0), in_center, state=State.ARCHIVED,
                 answer="电价每度0.5元", resolved_at=at(2026, 10, 10, 9, 3), archived_at=at(2026, 10, 10, 9, 3))
    o.o7 = order(Kind.CONSULTATION, agent2, center, at(2026, 10, 11, 9, 0), in_center, state=State.INFORMED,
                 department=org.marketing, replied_at=at(2026, 10, 12, 9, 0), informed_at=at(2026, 10, 13, 9, 0),
                 resolved_at=at(2026, 10, 13, 9, 0), callback_required=True, callback_due_at=at(2026, 10, 20, 9, 0),
                 callback_attempts=1)
    o.o8 = order(Kind.COMPLAINT, agent, center, at(2026, 10, 2, 9, 0), in_center, state=State.CALLED_BACK,
                 department=org.marketing, reply_due_at=at(2026, 10, 7, 9, 0), replied_at=at(2026, 10, 6, 15, 0),
                 resolved_at=at(2026, 10, 6, 15, 0), callback_required=True, callback_due_at=at(2026, 10, 8, 9, 0),
                 called_back_at=at(2026, 10, 7, 10, 0))
    o.o9 = order(Kind.COMPLAINT, agent2, center, at(2026, 10, 20, 9, 0), in_center, state=State.CALLED_BACK,
                 department=org.marketing, reply_due_at=at(2026, 10, 25, 9, 0), replied_at=at(2026, 10, 26, 9, 0),
                 resolved_at=at(2026, 10, 26, 9, 0), callback_required=True, callback_due_at=at(2026, 10, 27, 9, 0),
                 called_back_at=at(2026, 10, 31, 23, 59))
    o.o10 = order(Kind.COMPLAINT, agent3, county, at(2026, 10, 28, 10, 0), in_county, state=State.FORWARDED,
                  department=org.supervision, forwarded_at=at(2026, 10, 28, 10, 5),
                  reply_due_at=at(2026, 11, 2, 10, 0))
    o.o11 = order(Kind.COMPLAINT, agent, center, at(2026, 9, 25, 9, 0), in_center, state=State.INVESTIGATED,
                  department=org.marketing, reply_due_at=at(2026, 10, 1, 9, 0))
    o.o12 = order(Kind.COMPLAINT, agent, center, at(2026, 10, 15, 9, 0), in_center, state=State.CANCELLED,
                  department=org.supervision, reply_due_at=at(2026, 10, 20, 9, 0),
                  cancelled_at=at(2026, 10, 15, 9, 30), cancel_reason="重复工单")
    o.o13 = order(Kind.REPORT, agent3, county, at(2026, 10, 16, 9, 0), in_county, state=State.FORWARDED,
                  department=org.supervision, reply_due_at=at(2026, 10, 23, 9, 0))
    o.o14 = order(Kind.SUGGESTION, agent2, center, at(2026, 10, 17, 9, 0), in_center)
    o.o15 = order(Kind.COMPLAINT, agent3, county, at(2026, 10, 26, 23, 59, 59), in_county, state=State.REPLIED,
                  department=county_mkt, reply_due_at=at(2026, 10, 31, 23, 59, 59),
                  replied_at=at(2026, 10, 31, 23, 59, 59), resolved_at=at(2026, 10, 31, 23, 59, 59))
    o.o16 = order(Kind.REPAIR, agent3, county, at(2026, 9, 20, 9, 0), in_county, state=State.CALLED_BACK,
                  department=county_repair, arrival_due_at=at(2026, 9, 20, 10, 30), arrived_at=at(2026, 9, 20, 10, 0),
                  restored_at=at(2026, 9, 28, 9, 0), resolved_at=at(2026, 9, 28, 9, 0), callback_required=True,
                  callback_due_at=at(2026, 10, 2, 9, 0), called_back_at=at(2026, 10, 2, 11, 0))

    callback(o.o1, agent, at(2026, 10, 4, 9, 0), reached=True, satisfied=True)  # CB1
    callback(o.o8, agent, at(2026, 10, 7, 10, 0), reached=True, satisfied=True)  # CB2
    callback(o.o16, agent3, at(2026, 10, 2, 11, 0), reached=True, satisfied=False)  # CB3
    callback(o.o7, agent2, at(2026, 10, 19, 10, 0), reached=False)  # CB4
    callback(o.o9, agent2, dt.datetime(2026, 10, 31, 15, 59, tzinfo=UTC), reached=True, satisfied=True)  # CB5
    callback(o.o2, agent2, dt.datetime(2026, 10, 31, 16, 0, tzinfo=UTC), reached=True, satisfied=False)  # CB6

    led = SimpleNamespace()
    led.l1 = breach("ring_over_3", f"call:{calls.c3.pk}", calls.c3.ring_started_at, agent_id=agent.pk,
                    unit_id=center.pk)
    led.l2 = breach("ring_over_3", f"call:{calls.d1.pk}", calls.d1.ring_started_at, agent_id=agent2.pk,
                    unit_id=center.pk)
    led.l3 = breach("ring_over_3", f"call:{calls.e2.pk}", calls.e2.ring_started_at, agent_id=agent3.pk,
                    unit_id=county.pk)
    led.l4 = breach("repair_arrival_late", f"work_order:{o.o2.pk}", o.o2.arrival_due_at,
                    department_id=org.repair.pk, unit_id=city.pk)
    led.l5 = breach("repair_arrival_late", f"work_order:{o.o3.pk}", o.o3.arrival_due_at,
                    department_id=county_repair.pk, unit_id=county.pk)
    led.l6 = breach("complaint_reply_late", f"work_order:{o.o9.pk}", o.o9.reply_due_at,
                    department_id=org.marketing.pk, unit_id=city.pk)
    led.l7 = services.entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead,
                                        reason="值班长检查发现", agent=agent2,
                                        occurred_at=dt.datetime(2026, 10, 31, 15, 59, tzinfo=UTC))
    led.l8 = services.entry_post_manual(rule=PenaltyRule.objects.get(code="late_or_early"), actor=people.lead,
                                        reason="迟到", agent=agent,
                                        occurred_at=dt.datetime(2026, 10, 31, 16, 0, tzinfo=UTC))
    led.l9 = services.entry_reverse(entry=led.l2, actor=people.supervisor, reason="申诉成立")
    led.l10 = breach("ring_over_3", f"call:{calls.c7.pk}", calls.c7.ring_started_at, agent_id=agent.pk,
                     unit_id=center.pk)
    assert (led.l7.period, led.l8.period, led.l9.period, led.l10.period) == ("2026-10", "2026-11", "2026-10",
                                                                             "2026-09")
    return SimpleNamespace(org=org, people=people, county=county, county_mkt=county_mkt, county_repair=county_repair,
                           agent3=agent3, calls=calls, orders=o, ledger=led)


# --- the expected figures, written out ----------------------------------------------------------------------

RULE_KEYS = ["rule:complaint_reply_late", "rule:intranet_violation", "rule:repair_arrival_late", "rule:ring_over_3"]


def pct(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def money(rules=RULE_KEYS, **amounts) -> dict:
    """Money columns: every rule column of the section (0 unless given), penalties, reversals, net."""
    row = {key: Decimal("0") for key in rules}
    for name, value in amounts.items():
        key = name if name in ("penalties", "reversals", "net") else f"rule:{name}"
        row[key] = Decimal(value)
    for key in ("penalties", "reversals", "net"):
        row.setdefault(key, Decimal("0"))
    return row


def calls_(offered, answered, within, within_rate, abandoned) -> dict:
    return {"calls_offered": offered, "calls_answered": answered, "calls_within_limit": within,
            "within_limit_rate": pct(within_rate), "calls_abandoned": abandoned}


def accepted_(repair, consultation, complaint, report, suggestion, total) -> dict:
    return {"accepted_repair": repair, "accepted_consultation": consultation, "accepted_complaint": complaint,
            "accepted_report": report, "accepted_suggestion": suggestion, "accepted_total": total}


def callbacks_(due, done, done_rate, surveyed, satisfied, satisfaction_rate) -> dict:
    return {"callbacks_due": due, "callbacks_done": done, "callback_rate": pct(done_rate), "surveyed": surveyed,
            "satisfied": satisfied, "satisfaction_rate": pct(satisfaction_rate)}


def satisfaction_(surveyed, satisfied, satisfaction_rate) -> dict:
    return {"surveyed": surveyed, "satisfied": satisfied, "satisfaction_rate": pct(satisfaction_rate)}


def replies_(due, on_time, on_time_rate) -> dict:
    return {"complaint_replies_due": due, "complaint_replies_on_time": on_time,
            "complaint_reply_rate": pct(on_time_rate)}


def handling_(received, handled, handled_rate, replies, arrivals_due, arrived, arrival_rate) -> dict:
    return {"complaints_received": received, "complaints_handled": handled,
            "complaint_handling_rate": pct(handled_rate), **replies, "arrivals_due": arrivals_due,
            "arrivals_on_time": arrived, "arrival_rate": pct(arrival_rate)}


def rescoped(expected: dict, rules: list[str], **amounts) -> dict:
    """A row's figures in a unit's report: its money columns are the rules seen in that unit."""
    return {**{k: v for k, v in expected.items() if not k.startswith("rule:")}, **money(rules=rules, **amounts)}


def figures(row: dict, section) -> dict:
    """Every figure column of a row (the text columns — names — are compared separately)."""
    return {c.key: row[c.key] for c in section.columns if c.fmt != Fmt.TEXT}


AGENT_AGENT = {**calls_(6, 5, 4, "0.6667", 1), **accepted_(2, 1, 1, 0, 0, 4),
               **callbacks_(2, 2, "1.0000", 2, 2, "1.0000"), **replies_(2, 1, "0.5000"),
               **money(ring_over_3="20", penalties="20", net="20")}
AGENT_AGENT2 = {**calls_(2, 2, 1, "0.5000", 0), **accepted_(1, 1, 1, 0, 1, 4),
                **callbacks_(2, 1, "0.5000", 1, 1, "1.0000"), **replies_(1, 0, "0.0000"),
                **money(ring_over_3="20", intranet_violation="200", penalties="220", reversals="-20", net="200")}
AGENT_AGENT3 = {**calls_(2, 1, 1, "0.5000", 1), **accepted_(1, 0, 2, 1, 0, 4),
                **callbacks_(1, 1, "1.0000", 1, 0, "0.0000"), **replies_(1, 1, "1.0000"),
                **money(ring_over_3="20", penalties="20", net="20")}
AGENTS_TOTAL = {**calls_(10, 8, 6, "0.6000", 2), **accepted_(4, 2, 4, 1, 1, 12),
                **callbacks_(5, 4, "0.8000", 4, 3, "0.7500"), **replies_(4, 2, "0.5000"),
                **money(ring_over_3="60", intranet_violation="200", penalties="260", reversals="-20", net="240")}

NO_REPLIES = replies_(0, 0, None)
DEPT_MARKETING = {**handling_(2, 2, "1.0000", replies_(3, 1, "0.3333"), 0, 0, None),
                  **satisfaction_(2, 2, "1.0000"), **money(complaint_reply_late="30", penalties="30", net="30")}
DEPT_REPAIR1 = {**handling_(0, 0, None, NO_REPLIES, 2, 1, "0.5000"), **satisfaction_(1, 1, "1.0000"),
                **money(repair_arrival_late="50", penalties="50", net="50")}
DEPT_REPAIR2 = {**handling_(0, 0, None, NO_REPLIES, 1, 1, "1.0000"), **satisfaction_(0, 0, None), **money()}
DEPT_SUPERVISION = {**handling_(1, 0, "0.0000", NO_REPLIES, 0, 0, None), **satisfaction_(0, 0, None), **money()}
DEPT_COUNTY_MKT = {**handling_(1, 1, "1.0000", replies_(1, 1, "1.0000"), 0, 0, None),
                   **satisfaction_(0, 0, None), **money()}
DEPT_COUNTY_REPAIR = {**handling_(0, 0, None, NO_REPLIES, 1, 0, "0.0000"), **satisfaction_(1, 0, "0.0000"),
                      **money(repair_arrival_late="50", penalties="50", net="50")}
DEPTS_TOTAL = {**handling_(4, 3, "0.7500", replies_(4, 2, "0.5000"), 4, 2, "0.5000"),
               **satisfaction_(4, 3, "0.7500"),
               **money(complaint_reply_late="30", repair_arrival_late="100", penalties="130", net="130")}

UNIT_CITY = {**calls_(12, 8, 6, "0.5000", 4), **accepted_(4, 2, 4, 1, 1, 12),
             **callbacks_(5, 4, "0.8000", 4, 3, "0.7500"),
             **handling_(4, 3, "0.7500", replies_(4, 2, "0.5000"), 4, 2, "0.5000"),
             **money(complaint_reply_late="30", intranet_violation="200", repair_arrival_late="100",
                     ring_over_3="60", penalties="390", reversals="-20", net="370")}
UNIT_CENTER = {**calls_(9, 7, 5, "0.5556", 2), **accepted_(3, 2, 2, 0, 1, 8),
               **callbacks_(4, 3, "0.7500", 3, 3, "1.0000"),
               **handling_(2, 2, "1.0000", replies_(3, 1, "0.3333"), 3, 2, "0.6667"),
               **money(intranet_violation="200", ring_over_3="40", penalties="240", reversals="-20", net="220")}
UNIT_COUNTY = {**calls_(3, 1, 1, "0.3333", 2), **accepted_(1, 0, 2, 1, 0, 4),
               **callbacks_(1, 1, "1.0000", 1, 0, "0.0000"),
               **handling_(2, 1, "0.5000", replies_(1, 1, "1.0000"), 1, 0, "0.0000"),
               **money(repair_arrival_late="50", ring_over_3="20", penalties="70", net="70")}
# The whole center: the city's tree plus F2, the abandoned call of a customer of no unit.
UNITS_TOTAL = {**UNIT_CITY, **calls_(13, 8, 6, "0.4615", 5)}

PENALTIES = [
    {"rule": "complaint_reply_late", "count": 1, "amount": Decimal("30"), "penalties": Decimal("30"),
     "reversals": Decimal("0"), "net": Decimal("30")},
    {"rule": "intranet_violation", "count": 1, "amount": Decimal("200"), "penalties": Decimal("200"),
     "reversals": Decimal("0"), "net": Decimal("200")},
    {"rule": "repair_arrival_late", "count": 2, "amount": Decimal("50"), "penalties": Decimal("100"),
     "reversals": Decimal("0"), "net": Decimal("100")},
    {"rule": "ring_over_3", "count": 3, "amount": Decimal("20"), "penalties": Decimal("60"),
     "reversals": Decimal("-20"), "net": Decimal("40")},
]
PENALTIES_TOTAL = {"count": 7, "penalties": Decimal("390"), "reversals": Decimal("-20"), "net": Decimal("370")}


def penalty_rows(section) -> list[dict]:
    return [{k: row[k] for k in ("rule", "count", "amount", "penalties", "reversals", "net")} for row in section.rows]


# --- the whole center -------------------------------------------------------------------------------------


def test_agents_of_the_whole_center(month):
    report = monthly_assessment(period=PERIOD)
    agents = report.section("agents")
    assert [(r["unit"], r["username"], r["name"]) for r in agents.rows] == [
        ("95598客户服务中心", "agent", ""), ("95598客户服务中心", "agent2", ""), ("示范县供电公司", "agent3", "赵六"),
    ]  # agent-left (inactive, nothing this month) has no row; the others are ordered by unit code, username
    assert [c.key for c in agents.columns if c.fmt == Fmt.MONEY] == [*RULE_KEYS, "penalties", "reversals", "net"]
    assert figures(agents.rows[0], agents) == AGENT_AGENT
    assert figures(agents.rows[1], agents) == AGENT_AGENT2
    assert figures(agents.rows[2], agents) == AGENT_AGENT3
    assert figures(agents.total, agents) == AGENTS_TOTAL


def test_departments_of_the_whole_center(month):
    departments = monthly_assessment(period=PERIOD).section("departments")
    assert [(r["unit"], r["department"]) for r in departments.rows] == [
        ("示范市供电公司", "营销部"), ("示范市供电公司", "抢修一班"), ("示范市供电公司", "抢修二班"),
        ("示范市供电公司", "监察室"), ("示范县供电公司", "县营销部"), ("示范县供电公司", "县抢修班"),
    ]
    expected = [DEPT_MARKETING, DEPT_REPAIR1, DEPT_REPAIR2, DEPT_SUPERVISION, DEPT_COUNTY_MKT, DEPT_COUNTY_REPAIR]
    assert [figures(row, departments) for row in departments.rows] == expected
    assert figures(departments.total, departments) == DEPTS_TOTAL


def test_units_roll_up_the_tree(month):
    units = monthly_assessment(period=PERIOD).section("units")
    assert [r["unit"] for r in units.rows] == ["示范市供电公司", "\u300095598客户服务中心", "\u3000示范县供电公司"]
    assert [figures(row, units) for row in units.rows] == [UNIT_CITY, UNIT_CENTER, UNIT_COUNTY]
    assert figures(units.total, units) == UNITS_TOTAL


def test_penalties_by_rule(month):
    penalties = monthly_assessment(period=PERIOD).section("penalties")
    assert penalty_rows(penalties) == PENALTIES
    department, agent = str(ChargedTo.DEPARTMENT.label), str(ChargedTo.AGENT.label)
    assert [str(r["charged_to"]) for r in penalties.rows] == [department, agent, department, agent]
    assert [r["rule_name"] for r in penalties.rows] == ["投诉未在5日内答复", "内网外联", "抢修未按时到达现场",
                                                        "振铃超过三声未接听"]
    assert penalties.total == PENALTIES_TOTAL


def test_the_month_edges_are_shanghai_midnights(month):
    start, end = month_bounds(PERIOD)
    assert start == dt.datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert end == dt.datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    report = monthly_assessment(period=PERIOD)
    assert (report.start, report.end, report.ring_limit) == (start, end, 10)
    # November holds C5 (00:00 on the 1st), O2's callback due, CB6 and L8 — and nothing of October.
    november = monthly_assessment(period="2026-11")
    agent = next(r for r in november.section("agents").rows if r["username"] == "agent")
    assert (agent["calls_offered"], agent["calls_answered"], agent["calls_within_limit"]) == (1, 1, 1)
    assert agent["accepted_total"] == 0
    assert (agent["rule:late_or_early"], agent["net"]) == (Decimal("20"), Decimal("20"))
    agent2 = next(r for r in november.section("agents").rows if r["username"] == "agent2")
    assert (agent2["callbacks_due"], agent2["callbacks_done"], agent2["surveyed"], agent2["satisfied"]) == (1, 0, 1, 0)
    repair1 = next(r for r in november.section("departments").rows if r["department"] == "抢修一班")
    assert (repair1["arrivals_due"], repair1["arrivals_on_time"]) == (1, 0)  # O4, due 00:20 on 1 November
    # September holds C7 (23:59:59 on the 30th) and L10.
    september = monthly_assessment(period="2026-09")
    agent = next(r for r in september.section("agents").rows if r["username"] == "agent")
    assert (agent["calls_offered"], agent["calls_abandoned"], agent["net"]) == (1, 1, Decimal("20"))


def test_the_ring_limit_is_the_rules_threshold(month):
    PenaltyRule.objects.filter(code="ring_over_3").update(threshold=15)
    report = monthly_assessment(period=PERIOD)
    agent2 = next(r for r in report.section("agents").rows if r["username"] == "agent2")
    assert report.ring_limit == 15
    assert (agent2["calls_within_limit"], agent2["within_limit_rate"]) == (2, Decimal("1.0000"))  # D1 rang 15 s


# --- one unit -----------------------------------------------------------------------------------------------


def test_a_unit_sees_only_its_own_facts(month):
    report = monthly_assessment(period=PERIOD, unit=month.org.center)
    agents = report.section("agents")
    assert [r["username"] for r in agents.rows] == ["agent", "agent2"]
    center_rules = ["rule:intranet_violation", "rule:ring_over_3"]
    assert [figures(r, agents) for r in agents.rows] == [
        rescoped(AGENT_AGENT, center_rules, ring_over_3="20", penalties="20", net="20"),
        rescoped(AGENT_AGENT2, center_rules, ring_over_3="20", intranet_violation="200", penalties="220",
                 reversals="-20", net="200"),
    ]
    departments = report.section("departments")
    # The center has no department of its own; these handled its orders. Their ledger entries are the city's.
    assert [r["department"] for r in departments.rows] == ["营销部", "抢修一班", "抢修二班"]
    assert [figures(r, departments) for r in departments.rows] == [
        {**handling_(2, 2, "1.0000", replies_(3, 1, "0.3333"), 0, 0, None), **satisfaction_(2, 2, "1.0000"),
         **money(rules=center_rules)},
        {**handling_(0, 0, None, NO_REPLIES, 2, 1, "0.5000"), **satisfaction_(1, 1, "1.0000"),
         **money(rules=center_rules)},
        {**handling_(0, 0, None, NO_REPLIES, 1, 1, "1.0000"), **satisfaction_(0, 0, None),
         **money(rules=center_rules)},
    ]
    units = report.section("units")
    center_money = {"intranet_violation": "200", "ring_over_3": "40", "penalties": "240", "reversals": "-20",
                    "net": "220"}
    assert [r["unit"] for r in units.rows] == ["95598客户服务中心"]
    assert figures(units.rows[0], units) == rescoped(UNIT_CENTER, center_rules, **center_money)
    assert figures(units.total, units) == rescoped(UNIT_CENTER, center_rules, **center_money)
    assert penalty_rows(report.section("penalties")) == [PENALTIES[1], {
        "rule": "ring_over_3", "count": 2, "amount": Decimal("20"), "penalties": Decimal("40"),
        "reversals": Decimal("-20"), "net": Decimal("20")}]
    assert report.section("penalties").total == {"count": 3, "penalties": Decimal("240"),
                                                 "reversals": Decimal("-20"), "net": Decimal("220")}


def test_the_county_sees_only_its_own_facts(month):
    report = monthly_assessment(period=PERIOD, unit=month.county)
    county_rules = ["rule:repair_arrival_late", "rule:ring_over_3"]
    agents = report.section("agents")
    assert [r["username"] for r in agents.rows] == ["agent3"]
    assert figures(agents.rows[0], agents) == rescoped(AGENT_AGENT3, county_rules, ring_over_3="20",
                                                        penalties="20", net="20")
    departments = report.section("departments")
    # 监察室 is the city's, but has O10, a county complaint: it is shown with the county's figures only.
    assert [r["department"] for r in departments.rows] == ["监察室", "县营销部", "县抢修班"]
    assert [figures(r, departments) for r in departments.rows] == [
        rescoped(DEPT_SUPERVISION, county_rules),
        rescoped(DEPT_COUNTY_MKT, county_rules),
        rescoped(DEPT_COUNTY_REPAIR, county_rules, repair_arrival_late="50", penalties="50", net="50"),
    ]
    units = report.section("units")
    assert figures(units.rows[0], units) == rescoped(UNIT_COUNTY, county_rules, repair_arrival_late="50",
                                                     ring_over_3="20", penalties="70", net="70")
    assert len(units.rows) == 1
    assert report.section("penalties").total == {"count": 2, "penalties": Decimal("70"), "reversals": Decimal("0"),
                                                 "net": Decimal("70")}


# --- reconciliation with the ledger ---------------------------------------------------------------------------


def ledger_page_totals(**params) -> dict:
    """What the ledger page and API show for the same filters (kpi.filters + kpi.selectors.ledger_totals)."""
    entries = LedgerEntryFilter(data=params, queryset=LedgerEntry.objects.all())
    assert entries.is_valid(), entries.errors
    return ledger_totals(entries.qs)


@pytest.mark.parametrize("scope", [None, "center", "county", "city"])
def test_penalties_equal_the_ledgers_totals(month, api, scope):
    unit = {None: None, "center": month.org.center, "county": month.county, "city": month.org.city}[scope]
    params = {"period": PERIOD} if unit is None else {"period": PERIOD, "unit": str(unit.pk)}
    penalties = monthly_assessment(period=PERIOD, unit=unit).section("penalties")
    ledger = ledger_page_totals(**params)
    assert [{k: r[k] for k in ("rule", "count", "penalties", "reversals", "net")} for r in penalties.rows] == [
        {k: r[k] for k in ("rule", "count", "penalties", "reversals", "net")} for r in ledger["by_rule"]]
    assert penalties.total == {"count": sum(r["count"] for r in ledger["by_rule"]), "penalties": ledger["penalties"],
                               "reversals": ledger["reversals"], "net": ledger["net"]}
    # …and over HTTP, as the supervisor's ledger totals.
    response = api(month.people.supervisor).get(f"{ENTRIES}totals/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert Decimal(body["net"]) == penalties.total["net"]
    assert [(r["rule"], r["count"], Decimal(r["net"])) for r in body["by_rule"]] == [
        (r["rule"], r["count"], r["net"]) for r in penalties.rows]


def test_agents_and_departments_add_up_to_the_ledger(month):
    """Every entry is charged to exactly one agent or one department, so their rows' nets add up to the total."""
    report = monthly_assessment(period=PERIOD)
    agents, departments = report.section("agents"), report.section("departments")
    net = sum((r["net"] for r in agents.rows), Decimal("0")) + sum((r["net"] for r in departments.rows), Decimal("0"))
    assert net == report.section("penalties").total["net"] == Decimal("370")
    assert agents.total["net"] + departments.total["net"] == Decimal("370")
    assert report.section("units").total["net"] == Decimal("370")
    for rule in RULE_KEYS:
        assert agents.total[rule] + departments.total[rule] == report.section("units").total[rule]


# --- the ledger detail ------------------------------------------------------------------------------------------


def test_entries_are_every_entry_of_the_scope_oldest_first(month):
    led = month.ledger
    section = monthly_assessment(period=PERIOD).section("entries")
    assert section.streamed and not isinstance(section.rows, list)
    rows = list(section.rows)
    assert [r["id"] for r in rows] == [led.l1.pk, led.l4.pk, led.l5.pk, led.l2.pk, led.l3.pk, led.l6.pk,
                                       led.l7.pk, led.l9.pk]
    by_id = {r["id"]: r for r in rows}
    assert (by_id[led.l9.pk]["reverses"], by_id[led.l9.pk]["amount"], by_id[led.l9.pk]["username"]) == (
        led.l2.pk, Decimal("-20.00"), "agent2")
    assert (by_id[led.l4.pk]["department"], by_id[led.l4.pk]["agent"], by_id[led.l4.pk]["unit"]) == (
        "抢修一班", "", "示范市供电公司")
    assert by_id[led.l7.pk]["occurred_at"] == at(2026, 10, 31, 23, 59)
    assert by_id[led.l7.pk]["source"] == "manual:lead"
    center = monthly_assessment(period=PERIOD, unit=month.org.center).section("entries")
    assert [r["id"] for r in center.rows] == [led.l1.pk, led.l2.pk, led.l7.pk, led.l9.pk]


# --- edge cases -----------------------------------------------------------------------------------------------


def test_an_empty_month_gives_zero_rows_and_no_rates(month):
    report = monthly_assessment(period="2026-05")
    for key in ("agents", "departments", "units"):
        section = report.section(key)
        for row in [*section.rows, section.total]:
            for column in section.columns:
                if column.fmt == Fmt.PERCENT:
                    assert row[column.key] is None, (key, column.key)
                elif column.fmt in (Fmt.INT, Fmt.MONEY):
                    assert row[column.key] == 0, (key, column.key)
    assert len(report.section("agents").rows) == 3 and len(report.section("units").rows) == 3
    assert [c.key for c in report.section("agents").columns if c.fmt == Fmt.MONEY] == ["penalties", "reversals",
                                                                                        "net"]
    assert report.section("penalties").rows == []
    assert report.section("penalties").total == {"count": 0, "penalties": 0, "reversals": 0, "net": 0}
    assert list(report.section("entries").rows) == []


def test_an_empty_center(db):
    report = monthly_assessment(period="2026-10")
    for key in ("agents", "departments", "units", "penalties"):
        assert report.section(key).rows == []
    assert report.section("agents").total["within_limit_rate"] is None
    assert report.section("units").total["satisfaction_rate"] is None
    assert report.section("departments").total["net"] == 0


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "2026-10\n", " 2026-10",
                                    "2026-10-01", "", None, 202610, "abcd-ef"])
def test_a_bad_period_is_a_value_error(db, period):
    with pytest.raises(ValueError):
        month_bounds(period)
    with pytest.raises(ValueError):
        monthly_assessment(period=period)


def test_month_bounds_previous_period_and_rate():
    assert month_bounds("2026-12") == (dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
                                       dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    assert previous_period(at(2026, 11, 1, 0, 0)) == "2026-10"
    assert previous_period(dt.datetime(2026, 10, 31, 16, 0, tzinfo=UTC)) == "2026-10"  # 1 Nov 00:00 in Shanghai
    assert previous_period(dt.datetime(2026, 10, 31, 15, 59, tzinfo=UTC)) == "2026-09"
    assert previous_period(at(2026, 1, 15, 12, 0)) == "2025-12"
    assert rate(0, 0) is None
    assert rate(2, 3) == Decimal("0.6667")
    assert rate(1, 8) == Decimal("0.1250")
    assert len(FORMULAS) >= 10 and all(len(item) == 2 for item in FORMULAS)


def test_progress_is_reported(month):
    seen = []
    monthly_assessment(period=PERIOD, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 50


# --- the query count does not grow with the month ---------------------------------------------------------------


def busy_center(unit, agents: int, orders: int, start: int) -> None:
    """``agents`` agents sharing ``orders`` orders, each with a call, a callback and a ledger entry."""
    people = [UserFactory(username=f"busy{start + i}", unit=unit, role="agent") for i in range(agents)]
    customer = CustomerFactory(unit=unit)
    rule = PenaltyRule.objects.get(code="ring_over_3")
    for i in range(orders):
        owner = people[i % agents]
        moment = at(2026, 10, 1 + i % 28, 9, 0) + dt.timedelta(minutes=i)
        target = order(Kind.COMPLAINT if i % 2 else Kind.REPAIR, owner, unit, moment, customer,
                       reply_due_at=moment + dt.timedelta(days=2), arrival_due_at=moment + dt.timedelta(hours=1),
                       callback_required=True, callback_due_at=moment + dt.timedelta(days=1))
        callback(target, owner, moment + dt.timedelta(hours=3), reached=True, satisfied=bool(i % 3))
        rang = call(owner, moment, 12, customer=customer)
        services.post_breaches([services.Breach(rule=rule, source=f"call:{rang.pk}", occurrence="ring",
                                                occurred_at=moment, agent_id=owner.pk, unit_id=unit.pk)])


def queries_of(**kwargs) -> tuple[int, int, object]:
    with CaptureQueriesContext(connection) as report_queries:
        report = monthly_assessment(period=PERIOD, **kwargs)
    with CaptureQueriesContext(connection) as detail_queries:
        list(report.section("entries").rows)
    return len(report_queries), len(detail_queries), report


@pytest.mark.parametrize("scoped", [False, True])
def test_the_query_count_is_constant(org, time_machine, scoped):
    time_machine.move_to(NOW, tick=False)
    busy_center(org.center, agents=3, orders=10, start=0)
    small, small_detail, report = queries_of(unit=org.center if scoped else None)
    assert len(report.section("agents").rows) == 3 and report.section("units").total["accepted_total"] == 10
    busy_center(org.center, agents=7, orders=90, start=3)
    large, large_detail, report = queries_of(unit=org.center if scoped else None)
    assert len(report.section("agents").rows) == 10 and report.section("units").total["accepted_total"] == 100
    assert report.section("penalties").total["count"] == 100
    # rules, orders, calls, callbacks, ledger, agents, departments, unit tree (+ the unit's subtree)
    assert small == large == (9 if scoped else 8)
    assert small_detail == large_detail == 1
