"""attitude_complaint (seed 000 考核 8 "由于在班人员态度较坏导致客户投诉者", 100 yuan): a valid complaint caused by the
attitude of an agent connected to the order — its first-question owner, or an agent who took one of its calls.
A department handler cannot name anyone else (400, nothing changes)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kpi.models import EntryKind
from tests.actions import act
from tickets.models import State, WorkOrder
from tickets.services import call_log

from ..conftest import at, entries

MINUTE = dt.timedelta(minutes=1)


def call_taken_by(agent, people, customer):
    """A call the telephony system put through to ``agent`` a minute ago."""
    now = timezone.now()
    return call_log(caller_number=customer.phone, ring_started_at=now - dt.timedelta(minutes=2),
                    answered_at=now - dt.timedelta(minutes=2) + dt.timedelta(seconds=3), ended_at=now - MINUTE,
                    agent=agent, logged_by=people.telephony)


@pytest.fixture
def complaint(hotline, org, people, customer):
    """A complaint accepted by ``agent`` on 7 Sep; the customer called again on the 8th and ``agent2`` took the
    call (an urge); dispatched to marketing."""
    hotline.move_to(at(2026, 9, 7, 10, 0))
    order = hotline.create("complaint", call=call_taken_by(people.agent, people, customer))
    hotline.move_to(at(2026, 9, 8, 9, 0))
    act(order=WorkOrder.objects.get(pk=order.pk), name="urge", actor=people.agent2,
                          call=call_taken_by(people.agent2, people, customer))
    hotline.fire(order, "forward")
    hotline.fire(order, "dispatch", department=org.marketing.pk, handler="marketing")
    return order


@pytest.mark.parametrize(("valid", "cause", "responsible", "charged"), [
    (True, "attitude", "agent", 1),  # the first-question owner
    (True, "attitude", "agent2", 1),  # took the customer's second call about it
    (True, "quality", "agent2", 0),
    (False, "attitude", "agent2", 0),
    (True, "attitude", None, 0),  # attitude of someone else (a crew member): no agent is charged
])
def test_attitude_complaint(hotline, people, complaint, valid, cause, responsible, charged):
    investigated = at(2026, 9, 8, 14, 0)
    hotline.move_to(investigated)
    hotline.fire(complaint, "investigate", valid=valid, cause=cause, responsible=responsible, note="录音核实")
    hotline.move_to(investigated + MINUTE)
    hotline.sweep_twice()

    found = entries(complaint, "attitude_complaint")
    assert found.count() == charged
    if charged:
        entry = found.get()
        charged_agent = getattr(people, responsible)
        assert (entry.kind, entry.amount, entry.occurred_at, entry.period) == (
            EntryKind.AUTOMATIC, Decimal("100.00"), investigated, "2026-09")
        assert (entry.agent_id, entry.unit_id, entry.department_id) == (charged_agent.pk, charged_agent.unit_id, None)
    hotline.move_to(investigated + dt.timedelta(hours=2))
    hotline.sweep_twice()
    assert entries(complaint, "attitude_complaint").count() == charged


@pytest.mark.parametrize("who", ["lead", "supervisor", "manager", "marketing", "repair", "telephony"])
def test_a_department_cannot_charge_anyone_not_connected_to_the_order(hotline, api, people, complaint, who):
    hotline.move_to(at(2026, 9, 8, 14, 0))
    before = WorkOrder.objects.get(pk=complaint.pk)
    response = api(people.marketing).post(f"/api/v1/work-orders/{complaint.pk}/transitions/investigate/",
                                          {"valid": True, "cause": "attitude", "responsible": who}, format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["field"]) == ("not_connected", "responsible")
    after = WorkOrder.objects.get(pk=complaint.pk)
    assert (after.state, after.finding_valid, after.finding_responsible_id, after.investigated_at) == (
        State.DISPATCHED, None, None, None) == (before.state, before.finding_valid, before.finding_responsible_id,
                                                 before.investigated_at)
    hotline.move_to(at(2026, 9, 8, 15, 0))
    hotline.sweep_twice()
    assert not entries(rule="attitude_complaint").exists()


def test_an_agent_of_another_order_of_the_same_customer_is_not_connected(hotline, api, people, customer, complaint):
    """agent3 answered a call of the same customer about something else: not this order's agent."""
    from tests.factories import UserFactory

    agent3 = UserFactory(username="agent3", unit=people.agent.unit, seat="8003", role="agent")
    hotline.create("consultation", call=call_taken_by(agent3, people, customer))
    response = api(people.marketing).post(f"/api/v1/work-orders/{complaint.pk}/transitions/investigate/",
                                          {"valid": True, "cause": "attitude", "responsible": "agent3"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_connected"


def test_the_responsible_of_another_cause_may_be_anyone(hotline, api, people, complaint):
    """Only the 100-yuan attitude rule is restricted: a quality finding may name the crew member responsible."""
    response = api(people.marketing).post(f"/api/v1/work-orders/{complaint.pk}/transitions/investigate/",
                                          {"valid": True, "cause": "quality", "responsible": "repair"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["finding_responsible"] == "repair"
