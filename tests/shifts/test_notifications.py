"""Notifications of the shifts (issue 20): a handover signed by the outgoing lead waits for the incoming lead's
signature — the incoming lead is told, once (seed 000 交接-班规定: the incoming shift reviews and countersigns); an
order of the shift on duty due soon is told to its lead too."""

import datetime as dt

import pytest

from contactcenter.models import Notification
from shifts import services
from tickets.notices import notify_due_soon

from .conftest import ALL_DONE, DAY, at

pytestmark = pytest.mark.django_db


def test_the_incoming_lead_is_told_a_handover_waits_for_their_signature(duty, people, draft, lead2):
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    told = Notification.objects.get(kind="handover")
    assert told.user == lead2
    assert told.url == f"/shifts/handovers/{draft.pk}/"
    assert Notification.objects.filter(user=people.lead).count() == 0  # not who signed


def test_a_refused_and_resubmitted_handover_is_told_again_and_accepting_tells_nobody(duty, people, draft, lead2):
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.sign(draft, "refuse", lead2, note="地面未清洁", reason="cleaning")
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    assert Notification.objects.filter(user=lead2, kind="handover").count() == 2
    duty.sign(draft, "accept", lead2)
    assert Notification.objects.count() == 2


def test_no_incoming_shift_no_notification(duty, people, draft):
    draft.incoming = None
    draft.save(update_fields=["incoming"])
    services.handover_submit(handover=draft, actor=people.lead, **ALL_DONE)
    assert not Notification.objects.exists()


def test_an_order_of_the_shift_on_duty_due_soon_tells_its_lead(duty, people, org, middle):
    duty.move_to(at(2026, 3, 2, 17, 0))
    order = duty.order(people.agent, "repair")
    order = duty.fire(order, "dispatch", actor=people.agent, department=org.repair.pk)
    assert notify_due_soon(now=order.arrival_due_at - dt.timedelta(minutes=10)) >= 3  # crew, agent, lead
    assert Notification.objects.get(user=people.lead, kind="due_soon").data["order"] == order.pk
    # Another shift's lead (lead2 leads the night shift, not on duty at 17:00) is not told.
    assert not Notification.objects.filter(user__username="lead2").exists()
    assert middle.date == DAY
