"""Notifications (issue 20): who is told of what — an order dispatched to my department, an urge on my order, an order
I hold due soon and not met, a ledger entry charged to me (a handover waiting for my signature:
tests/shifts/test_handover_notifications.py) — exactly once per event and person, never what I did myself, never
someone else's; preferences switch a kind off and set the "due soon" time; the page lists only my own."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from contactcenter import events
from contactcenter.models import DomainEvent, Notification
from kpi.models import PenaltyRule
from kpi.services import entry_post_manual
from tests.actions import act
from tickets.models import WorkOrder
from tickets.notices import notify_due_soon
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db


def accepted(people, customer, kind="repair"):
    return work_order_create(kind=kind, description="停电", caller_number=customer.phone, customer=customer,
                             actor=people.agent)


def told(user, kind=None):
    found = Notification.objects.filter(user=user)
    return list(found.filter(kind=kind) if kind else found)


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_dispatch_tells_the_departments_handlers_once_and_nobody_else(people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    [notice] = told(people.repair, "dispatched")
    assert notice.url == f"/orders/{order.pk}/"
    assert notice.data["number"] == order.number
    assert told(people.repair2) == told(people.marketing) == told(people.agent) == []
    # The event recorded again (a retried worker): not told twice.
    event = DomainEvent.objects.get(kind="order.transitioned")
    events.record(event.kind, event.key, event.payload)
    assert len(told(people.repair)) == 1


def test_an_urge_tells_who_holds_the_order(people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="urge", actor=people.lead, params={})
    assert [n.kind for n in told(people.agent)] == ["urged"]  # accepted by agent, not yet with a department
    act(order=WorkOrder.objects.get(pk=order.pk), name="dispatch", actor=people.agent,
        params={"department": org.repair.pk})
    act(order=WorkOrder.objects.get(pk=order.pk), name="urge", actor=people.lead, params={})
    assert len(told(people.repair, "urged")) == 1  # now the crew holds it
    assert len(told(people.agent, "urged")) == 1
    act(order=WorkOrder.objects.get(pk=order.pk), name="urge", actor=people.agent, params={})
    assert len(told(people.repair, "urged")) == 2
    assert len(told(people.agent, "urged")) == 1  # not told of their own


def test_an_order_due_soon_tells_its_holders_once_within_their_chosen_time(people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    order.refresh_from_db()
    due = order.arrival_due_at
    assert due is not None
    assert notify_due_soon(now=due - dt.timedelta(minutes=45)) == 0  # default: 30 minutes before
    page(people.repair).post("/notifications/preferences/", {
        "kinds": ["dispatched", "urged", "due_soon", "handover", "ledger"], "browser": "on", "due_minutes": "60"})
    assert notify_due_soon(now=due - dt.timedelta(minutes=45)) == 1  # the crew chose 60
    assert notify_due_soon(now=due - dt.timedelta(minutes=20)) >= 1
    assert notify_due_soon(now=due - dt.timedelta(minutes=10)) >= 1
    assert len(told(people.repair, "due_soon")) == 1
    assert len(told(people.agent, "due_soon")) == 1  # the agent who accepted it: 30 minutes before
    [notice] = told(people.repair, "due_soon")
    assert notice.data["deadline"] == "arrival"
    assert "到期" in page(people.repair).get("/notifications/").content.decode()


def test_an_order_met_or_closed_is_not_told_due_soon(people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    act(order=WorkOrder.objects.get(pk=order.pk), name="arrive", actor=people.repair, params={})
    order.refresh_from_db()
    assert notify_due_soon(now=order.arrival_due_at - dt.timedelta(minutes=10)) == 0


def test_a_ledger_entry_tells_the_agent_it_charges(people):
    rule = PenaltyRule.objects.filter(manual=True, charged_to="agent").first()
    entry = entry_post_manual(rule=rule, agent=people.agent, reason="内网违规", actor=people.lead)
    [notice] = told(people.agent, "ledger")
    assert notice.data["rule_names"]["zh-hans"] == rule.name_zh
    assert told(people.lead) == []
    assert entry.key in notice.key
    assert notice.url == ""  # an agent does not open the ledger page (their own entries: the API)
    entry_post_manual(rule=rule, agent=people.lead, reason="内网违规", actor=people.supervisor)
    assert [n.url for n in told(people.lead, "ledger")] == ["/kpi/ledger/"]


def test_a_muted_kind_is_not_told(people, customer, org):
    client = page(people.repair)
    response = client.post("/notifications/preferences/", {"kinds": ["urged"], "due_minutes": "30"})
    assert response.status_code == 302
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    assert told(people.repair) == []


def test_bad_preferences_are_refused_with_400_and_nothing_saved(people):
    client = page(people.repair)
    response = client.post("/notifications/preferences/", {"kinds": ["nonsense"], "due_minutes": "0"})
    assert response.status_code == 400
    assert not people.repair.__class__.objects.filter(pk=people.repair.pk, notification_preference__isnull=False)


def test_the_list_shows_my_own_and_opening_one_reads_it(people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    [notice] = told(people.repair)
    mine, theirs = page(people.repair), page(people.repair2)
    listed = mine.get("/notifications/").content.decode()
    assert f"工单 {order.number} 已派至本部门" in listed
    assert order.number not in theirs.get("/notifications/").content.decode()
    assert theirs.get(f"/notifications/{notice.pk}/").status_code == 404
    assert mine.get("/notifications/unread/").json()["unread"] == 1
    response = mine.get(f"/notifications/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert mine.get("/notifications/unread/").json()["unread"] == 0
    english = Client(headers={"accept-language": "en"})
    english.force_login(people.repair)
    english.cookies["django_language"] = "en"
    assert f"Order {order.number} was dispatched to your department" in english.get("/notifications/").content.decode()


def test_mark_all_read(people, customer, org):
    for _ in range(2):
        order = accepted(people, customer)
        act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    client = page(people.repair)
    assert client.get("/notifications/unread/").json()["unread"] == 2
    assert client.post("/notifications/read/").status_code == 302
    assert client.get("/notifications/unread/").json()["unread"] == 0
    assert Client().get("/notifications/").status_code == 302  # signed out: to the login page


def test_due_soon_runs_from_beat():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.get(task="tickets.tasks.notify_due_soon").interval.every == 1


def test_due_soon_is_told_once_per_due_time_and_again_when_the_deadline_moves(people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    order.refresh_from_db()
    due = order.arrival_due_at
    notify_due_soon(now=due - dt.timedelta(minutes=10))
    notify_due_soon(now=due - dt.timedelta(minutes=5))  # the same deadline and due time: not told again
    assert len(told(people.repair, "due_soon")) == 1
    WorkOrder.objects.filter(pk=order.pk).update(arrival_due_at=due + dt.timedelta(minutes=20))  # moved later
    notify_due_soon(now=due + dt.timedelta(minutes=5))
    assert len(told(people.repair, "due_soon")) == 2  # told of the new due time


def test_read_notifications_are_forgotten_after_the_keeping_time_unread_ones_kept(people, customer, org, settings):
    from contactcenter.notifications import notifications_forget

    for _ in range(2):
        order = accepted(people, customer)
        act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    first, second = told(people.repair)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    later = timezone.now() + dt.timedelta(days=settings.NOTIFICATION_KEEP_DAYS + 1)
    assert notifications_forget(now=timezone.now()) == 0
    assert notifications_forget(now=later) == 1
    assert told(people.repair) == [second]


def test_a_rolled_back_dispatch_tells_nobody(people, customer, org):
    from django.db import transaction

    order = accepted(people, customer)
    with pytest.raises(RuntimeError), transaction.atomic():
        act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
        assert len(told(people.repair)) == 1  # written with the step
        raise RuntimeError("the request failed after the dispatch")
    assert told(people.repair) == []
