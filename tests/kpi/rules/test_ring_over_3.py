"""ring_over_3 (seed 000 考核 4 "在电话响声超过3次未接到电话者", 20 yuan; 3 rings = 10 s, seed 004 §6.3.2): a call at an
agent's seat that rang more than the limit before it was picked up — answered late, or abandoned after the limit.
A call the caller abandoned within the limit is an abandoned call, not a penalty. One limit — the rule's threshold —
for the sweep, the console's red mark and the monthly report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kpi.models import PenaltyRule
from kpi.reports.figures import monthly_assessment

from ..conftest import at, entries, set_rule

RULES = "/api/v1/kpi/rules/"


def log_call(api, people, *, answered_after: int | None, ended_after: int | None = None, agent: str | None = "agent",
             by=None):
    """A call logged by the telephony system: answered ``answered_after`` seconds after its first ring (None: never),
    the caller hanging up ``ended_after`` seconds after it (by default 3 minutes after answering)."""
    start = timezone.now() - dt.timedelta(minutes=5)
    answered = start + dt.timedelta(seconds=answered_after) if answered_after is not None else None
    if ended_after is None:
        ended_after = (answered_after or 0) + 180
    body = {"caller_number": "13900000001", "ring_started_at": start.isoformat(),
            "answered_at": answered.isoformat() if answered else None,
            "ended_at": (start + dt.timedelta(seconds=ended_after)).isoformat(), "agent": agent}
    response = api(by or people.telephony).post("/api/v1/calls/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(("answered_after", "ended_after", "agent", "charged"), [
    (11, None, "agent", 1),  # answered after more than 3 rings
    (10, None, "agent", 0),  # exactly the limit
    (3, None, "agent", 0),
    (None, 30, "agent", 1),  # never picked up, still ringing past the limit when the caller gave up
    (None, 11, "agent", 1),
    (None, 10, "agent", 0),  # the caller hung up within 3 rings: abandoned, not a breach
    (None, 2, "agent", 0),  # hung up after one ring
    (None, 30, None, 0),  # never reached an agent's seat (the IVR, a queue)
    (40, None, None, 0),
])
def test_ring_over_3(hotline, api, people, answered_after, ended_after, agent, charged):
    call = log_call(api, people, answered_after=answered_after, ended_after=ended_after, agent=agent)
    result = hotline.sweep_twice()
    assert result.by_rule.get("ring_over_3", 0) == charged
    found = entries(source=f"call:{call['id']}")
    assert found.count() == charged
    if charged:
        entry = found.get()
        assert entry.rule.code == "ring_over_3" and entry.agent_id == people.agent.pk
        assert entry.amount == Decimal("20.00") and entry.period == "2026-03"
        assert entry.occurred_at == dt.datetime.fromisoformat(call["ring_started_at"])
    hotline.move_to(at(2026, 3, 2, 9, 30))  # later sweeps re-read an overlap, never post again
    hotline.sweep_twice()
    assert entries(source=f"call:{call['id']}").count() == charged


def test_an_abandoned_call_within_the_limit_counts_as_abandoned_in_the_report(hotline, api, people):
    log_call(api, people, answered_after=None, ended_after=4)
    hotline.sweep_twice()
    assert not entries(rule="ring_over_3").exists()
    agent = next(r for r in monthly_assessment(period="2026-03").section("agents").rows if r["username"] == "agent")
    assert (agent["calls_offered"], agent["calls_answered"], agent["calls_abandoned"]) == (1, 0, 1)


@pytest.mark.parametrize(("answered_after", "charged"), [(11, 0), (15, 0), (16, 1)])
def test_the_ring_limit_is_data(hotline, api, people, answered_after, charged):
    set_rule("ring_over_3", threshold=15)
    call = log_call(api, people, answered_after=answered_after)
    hotline.sweep_twice()
    assert entries(source=f"call:{call['id']}").count() == charged


def test_a_disabled_ring_rule_posts_nothing(hotline, api, people):
    set_rule("ring_over_3", enabled=False)
    call = log_call(api, people, answered_after=30)
    hotline.sweep_twice()
    assert not entries(source=f"call:{call['id']}").exists()


def test_calls_logged_while_the_ring_rule_was_off_are_not_charged_when_it_is_switched_on(hotline, api, people):
    set_rule("ring_over_3", enabled=False)
    call = log_call(api, people, answered_after=30)
    for minute in (0, 15, 30):  # beat keeps sweeping while the rule is off
        hotline.move_to(at(2026, 3, 2, 9, minute))
        hotline.sweep_twice()
    # Switched on 30 min after the call: beyond the sweep's 10-minute re-read overlap.
    hotline.move_to(at(2026, 3, 2, 9, 31))
    set_rule("ring_over_3", enabled=True)
    hotline.sweep_twice()
    assert not entries(source=f"call:{call['id']}").exists()


def _console_marks(client, call_id: int) -> bool:
    """Whether the console's incoming-call poll marks the call red (rang past the limit)."""
    response = client.get("/console/incoming/", {"after": call_id - 1})
    assert response.status_code == 200
    (shown,) = [c for c in response.json()["calls"] if c["id"] == call_id]
    return shown["ring_late"]


def test_one_threshold_moves_the_console_the_ledger_and_the_report_together(hotline, api, people, client):
    """A supervisor sets the ring limit to 15 s through the API: a call answered after 12 s is then not red on the
    agent's console, not charged and counted within the limit in the report; set back to 10 s, all three change."""
    client.force_login(people.agent)
    assert api(people.supervisor).patch(f"{RULES}ring_over_3/", {"threshold": 15}, format="json").status_code == 200
    first = log_call(api, people, answered_after=12)
    hotline.sweep_twice()
    assert _console_marks(client, first["id"]) is False
    assert not entries(source=f"call:{first['id']}").exists()
    report = monthly_assessment(period="2026-03")
    assert report.ring_limit == 15
    row = next(r for r in report.section("agents").rows if r["username"] == "agent")
    assert row["calls_within_limit"] == 1

    hotline.move_to(at(2026, 3, 2, 9, 20))
    assert api(people.supervisor).patch(f"{RULES}ring_over_3/", {"threshold": 10}, format="json").status_code == 200
    second = log_call(api, people, answered_after=12)
    hotline.sweep_twice()
    assert _console_marks(client, second["id"]) is True
    assert entries(source=f"call:{second['id']}").count() == 1
    report = monthly_assessment(period="2026-03")
    assert report.ring_limit == 10
    row = next(r for r in report.section("agents").rows if r["username"] == "agent")
    assert (row["calls_offered"], row["calls_within_limit"]) == (2, 0)
    assert PenaltyRule.objects.get(code="ring_over_3").threshold == 10
