"""Domain events and webhooks (issue 19, 3): every domain event is written by its service to the outbox in the same
transaction (a rolled-back change leaves none), with an increasing id; a supervisor's subscription gets each event
it wants, POSTed to a real HTTP receiver on loopback, signed with HMAC-SHA256; a receiver that fails twice gets it
on the third try, once; a receiver that never answers is given up after MAX_ATTEMPTS; "deliver again" replays."""

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from contactcenter import webhooks
from contactcenter.models import DeliveryState, DomainEvent, WebhookDelivery, WebhookSubscription
from kpi.models import PenaltyRule
from kpi.services import entry_post_manual
from tests.actions import outage_act
from tickets.services import call_log, outage_receive, work_order_create, work_order_urge

pytestmark = pytest.mark.django_db


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook receiver on loopback: answers 500 to the first ``failures`` requests, then 200; keeps each request."""

    def __init__(self, failures: int = 0):
        self.failures, self.received = failures, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                status = 500 if len(outer.received) <= outer.failures else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.shutdown()


def staff_client(user) -> Client:
    """The admin is for staff; what each may do there is their role's permissions."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def verified(secret: str, headers: dict, body: bytes) -> dict:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hotline-Signature"], expected)
    event = json.loads(body)
    assert headers["X-Hotline-Event-Id"] == str(event["id"]) and headers["X-Hotline-Event"] == event["kind"]
    return event


def test_the_services_write_each_domain_event_in_their_transaction(people, customer):
    order = work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                              actor=people.agent)
    work_order_urge(order=order, actor=people.agent, note="又来电催")
    ring = timezone.now() - dt.timedelta(minutes=3)
    call_log(caller_number=customer.phone, ring_started_at=ring, answered_at=ring + dt.timedelta(seconds=5),
             ended_at=ring + dt.timedelta(minutes=2), agent=people.agent, logged_by=people.agent)
    notice = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=timezone.now(),
                            expected_restore_at=timezone.now() + dt.timedelta(hours=2), actor=people.lead)
    outage_act(notice=notice, name="publish", actor=people.lead)
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, reason="违规外联",
                      agent=people.agent)
    with pytest.raises(RuntimeError), transaction.atomic():
        work_order_create(kind="repair", description="回滚", caller_number=customer.phone, customer=customer,
                          actor=people.agent)
        raise RuntimeError("the request failed after the order was written")

    kinds = list(DomainEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["order.created", "order.urged", "call.ended", "outage.published", "ledger.posted"]
    created = DomainEvent.objects.get(kind="order.created")
    assert created.payload["number"] == order.number and customer.phone not in json.dumps(created.payload)


def test_a_receiver_that_fails_twice_gets_each_event_once_signed(people, customer, receiver, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    receiver.failures = 2
    subscription = WebhookSubscription.objects.create(url=receiver.url, kinds=["order.created"])
    order = work_order_create(kind="complaint", description="态度差", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    work_order_urge(order=order, actor=people.agent, note="催办")  # a kind this subscription does not want

    for _attempt in range(3):
        webhooks.deliver_due()
        time_machine.shift(dt.timedelta(minutes=5))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 3, 200)
    assert len(receiver.received) == 3
    ids = {verified(subscription.secret, headers, body)["id"] for headers, body in receiver.received}
    assert ids == {DomainEvent.objects.get(kind="order.created").pk}
    event = verified(subscription.secret, *receiver.received[-1])
    assert event["kind"] == "order.created" and event["data"]["number"] == order.number
    webhooks.deliver_due()
    assert len(receiver.received) == 3  # delivered: never sent again


def test_a_receiver_that_never_answers_is_given_up_and_can_be_replayed(people, customer, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    WebhookSubscription.objects.create(url="http://127.0.0.1:1/nobody")
    work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                      actor=people.agent)
    for _ in range(webhooks.MAX_ATTEMPTS + 2):
        webhooks.deliver_due()
        time_machine.shift(dt.timedelta(hours=2))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, webhooks.MAX_ATTEMPTS)
    assert delivery.last_status is None and delivery.last_error

    supervisor = staff_client(people.supervisor)
    response = supervisor.post("/admin/contactcenter/webhookdelivery/", {"action": "deliver_again",
                                                                          "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)


def test_two_workers_never_send_the_same_delivery_at_once(people, customer, receiver):
    WebhookSubscription.objects.create(url=receiver.url)
    work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                      actor=people.agent)
    assert webhooks.deliver_due() == 1
    assert webhooks.deliver_due() == 0  # delivered, and a claimed one is leased until its answer
    assert len(receiver.received) == 1


def test_a_supervisor_manages_the_subscriptions_and_an_agent_does_not(people, receiver):
    supervisor, agent = staff_client(people.supervisor), staff_client(people.agent)

    assert supervisor.get("/admin/contactcenter/webhooksubscription/add/").status_code == 200
    added = supervisor.post("/admin/contactcenter/webhooksubscription/add/", {
        "url": receiver.url, "kinds": '["ledger.posted"]', "secret": "s" * 40, "active": "on"})
    assert added.status_code == 302, added.content[:500]
    assert WebhookSubscription.objects.get().kinds == ["ledger.posted"]
    assert agent.get("/admin/contactcenter/webhooksubscription/").status_code == 403


def test_the_switchs_events_are_domain_events_once(people):
    from tickets.services import call_event

    at = timezone.now() - dt.timedelta(minutes=1)
    for _ in range(2):  # repeated: no second event
        call_event(switch_call_id="pbx-9", event="ring", at=at, reported_by=people.telephony,
                   caller_number="13900000001", agent=people.agent)
        call_event(switch_call_id="pbx-9", event="answer", at=at + dt.timedelta(seconds=3),
                   reported_by=people.telephony)
    call_event(switch_call_id="pbx-9", event="end", at=at + dt.timedelta(seconds=40), reported_by=people.telephony)

    assert list(DomainEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "call.rang", "call.answered", "call.ended"]


def test_an_unknown_event_kind_is_refused_even_without_asserts():
    from contactcenter import events

    with pytest.raises(ValueError, match="order.exploded"):
        events.record("order.exploded", "order.exploded:1", {})
    assert not DomainEvent.objects.exists()
