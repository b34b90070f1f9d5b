"""The telephony link by events (issue 19, 2): the switch reports ring / answer / end with its own call id
(``POST /api/v1/calls/events/``); repeated and out-of-order events are harmless; a call that rang and ended is
logged once, as a whole call; the agent's console pops the caller up while it rings. The Asterisk adapter turns
recorded AMI transcripts (``ami/*.txt``, Asterisk's own wire format) into those events."""

import datetime as dt
import io
import socket
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from contactcenter.tokens import issue_token
from tickets.models import Call, CallOutcome, WorkOrder
from tickets.services import work_order_create
from tickets.telephony.asterisk import CallEvent, call_events, messages

from ..factories import CustomerFactory

EVENTS = "/api/v1/calls/events/"
AMI = Path(__file__).parent / "ami"
START = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai: the transcripts' first ring


@pytest.fixture
def switch(people):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(people.telephony)
    return client


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START + dt.timedelta(minutes=10), tick=False)


def event(switch, name: str, seconds: float, *, call_id="pbx-1", **fields):
    body = {"call_id": call_id, "event": name, "at": (START + dt.timedelta(seconds=seconds)).isoformat(), **fields}
    return switch.post(EVENTS, body, format="json")


@pytest.mark.django_db
def test_ring_answer_end_log_one_call_with_its_ring_time(switch, people, clock):
    assert event(switch, "ring", 0, caller_number="139 0000 0001", agent="agent").json()["call"] is None
    assert event(switch, "answer", 4).json()["call"] is None
    ended = event(switch, "end", 124)

    assert ended.status_code == 200
    call = Call.objects.get()
    assert ended.json()["call"] == call.pk
    assert (call.caller_number, call.agent, call.ring_seconds, call.outcome) == (
        "13900000001", people.agent, 4, CallOutcome.ANSWERED)
    assert call.ended_at == START + dt.timedelta(seconds=124) and call.logged_by == people.telephony


@pytest.mark.django_db
def test_repeated_events_change_nothing(switch, clock, people):
    for name, seconds in (("ring", 0), ("ring", 0), ("answer", 4), ("ring", 2), ("answer", 5), ("end", 60),
                          ("end", 61), ("answer", 6)):
        assert event(switch, name, seconds, caller_number="13900000001", agent="agent").status_code == 200

    call = Call.objects.get()
    assert call.ring_seconds == 4 and call.answered_at == START + dt.timedelta(seconds=4)
    assert call.ended_at == START + dt.timedelta(seconds=60)


@pytest.mark.django_db
def test_events_in_any_order_make_the_same_call(switch, clock, people):
    event(switch, "end", 124, call_id="late-ring")
    event(switch, "answer", 4, call_id="late-ring", agent="agent")
    assert not Call.objects.exists()  # it has not rung yet, as far as we know
    event(switch, "ring", 0, call_id="late-ring", caller_number="13900000001")

    call = Call.objects.get()
    assert (call.ring_seconds, call.outcome, call.agent) == (4, CallOutcome.ANSWERED, people.agent)


@pytest.mark.django_db
def test_an_answer_reported_after_the_end_corrects_the_logged_call(switch, clock, people):
    event(switch, "ring", 0, call_id="x", caller_number="13900000001", agent="agent")
    event(switch, "end", 90, call_id="x")
    assert Call.objects.get().outcome == CallOutcome.ABANDONED

    event(switch, "answer", 5, call_id="x")

    call = Call.objects.get()
    assert (call.outcome, call.ring_seconds) == (CallOutcome.ANSWERED, 5)


@pytest.mark.django_db
def test_only_the_telephony_system_reports_events(people, clock):
    agent = APIClient()
    agent.force_authenticate(people.agent)
    response = agent.post(EVENTS, {"call_id": "x", "event": "ring", "at": START.isoformat()}, format="json")
    assert response.status_code == 403
    assert not Call.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", [
    ({"call_id": "x", "event": "hold", "at": "2026-12-07T09:00:00+08:00"}, "event"),
    ({"call_id": "x y", "event": "ring", "at": "2026-12-07T09:00:00+08:00"}, "call_id"),
    ({"call_id": "x" * 65, "event": "ring", "at": "2026-12-07T09:00:00+08:00"}, "call_id"),
    ({"call_id": "x", "event": "ring", "at": "2026-12-08T09:00:00+08:00"}, "at"),
    ({"call_id": "x", "event": "ring", "at": "yesterday"}, "at"),
    ({"call_id": "x", "event": "ring", "at": "2026-12-07T09:00:00+08:00", "agent": "nobody"}, "agent"),
    ({"call_id": "x", "event": "ring", "at": "2026-12-07T09:00:00+08:00", "caller_number": "abc"},
     "caller_number"),
])
def test_a_malformed_event_is_a_400_naming_its_field(switch, clock, body, field):
    response = switch.post(EVENTS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_agents_console_pops_the_caller_up_while_it_rings(switch, people, clock):
    CustomerFactory(phone="13900000001", name="王小明")
    page = Client()
    page.force_login(people.agent)
    event(switch, "ring", 590, caller_number="13900000001", seat=people.agent.seat)  # the seat names the agent

    ringing = page.get("/console/incoming/", {"after": 0}).json()["ringing"]

    assert [(r["caller_number"], r["customer"]) for r in ringing] == [("13900000001", "王小明")]
    assert ringing[0]["file_url"] == "/console/?phone=13900000001"
    other = Client()
    other.force_login(people.agent2)
    assert other.get("/console/incoming/", {"after": 0}).json()["ringing"] == []
    event(switch, "end", 595)
    assert page.get("/console/incoming/", {"after": 0}).json()["ringing"] == []


# --- Asterisk AMI -------------------------------------------------------------------------------------------


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


def test_the_ami_transcripts_give_the_calls_events():
    def read(name):
        return list(call_events(messages(io.StringIO((AMI / name).read_text(encoding="utf-8")))))

    assert read("answered.txt") == [
        CallEvent("1796605200.101", "ring", at(0.5), "13900000001", "8001"),
        CallEvent("1796605200.101", "answer", at(4.5), "13900000001", "8001"),
        CallEvent("1796605200.101", "end", at(124.6), "13900000001"),
    ]
    assert [(e.event, e.seat) for e in read("abandoned.txt")] == [("ring", "8001"), ("end", "")]
    assert [(e.event, e.seat, e.at) for e in read("queue.txt")] == [
        ("ring", "8001", at(200.3)), ("ring", "8002", at(200.3)), ("answer", "8002", at(203.3)),
        ("end", "", at(263.3))]


@pytest.mark.django_db(transaction=True)
def test_the_asterisk_bridge_replays_a_transcript_into_calls(people, live_server, time_machine):
    time_machine.move_to(START + dt.timedelta(minutes=10), tick=False)
    token = issue_token(people.telephony)[1]
    for name in ("answered.txt", "abandoned.txt", "queue.txt", "answered.txt"):  # the first one twice: harmless
        out = io.StringIO()
        call_command("asterisk_bridge", "--api-url", live_server.url, "--token", token, "--replay", str(AMI / name),
                     stdout=out)
        assert "posted" in out.getvalue()

    calls = {call.caller_number: call for call in Call.objects.all()}
    assert len(calls) == 3 == Call.objects.count()
    answered, abandoned, queued = calls["13900000001"], calls["13700000002"], calls["13600000003"]
    assert (answered.agent, answered.ring_seconds, answered.outcome) == (people.agent, 4, CallOutcome.ANSWERED)
    assert (abandoned.agent, abandoned.ring_seconds, abandoned.outcome) == (people.agent, 6, CallOutcome.ABANDONED)
    assert (queued.agent, queued.ring_seconds, queued.outcome) == (people.agent2, 3, CallOutcome.ANSWERED)


# --- Click-to-dial ------------------------------------------------------------------------------------------


class FakeAmi(threading.Thread):
    """A loopback AMI server speaking Asterisk's wire format: banner, then a Response to each action; it keeps
    the actions it was sent. ``refuse`` answers Originate with an Error, as Asterisk does for a bad channel."""

    def __init__(self, *, refuse: bool = False):
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.actions: list[dict] = []
        self.refuse = refuse

    def run(self):
        connection, _ = self.server.accept()
        with connection, connection.makefile("rwb") as stream:
            stream.write(b"Asterisk Call Manager/9.0.0\r\n")
            stream.flush()
            lines = []
            for raw in iter(stream.readline, b""):
                line = raw.decode()
                if line.strip():
                    lines.append(line)
                    continue
                action = next(messages(lines))
                lines = []
                self.actions.append(action)
                if action["Action"] == "Originate" and self.refuse:
                    stream.write(b"Response: Error\r\nActionID: %s\r\nMessage: Originate failed\r\n\r\n"
                                 % action["ActionID"].encode())
                else:
                    stream.write(b"Event: PeerStatus\r\nPeer: PJSIP/8003\r\n\r\n")  # an event in between
                    stream.write(b"Response: Success\r\nMessage: ok\r\n\r\n")
                stream.flush()
                if action["Action"] == "Logoff":
                    break
        self.server.close()


@pytest.fixture
def callback_due(people, customer):
    order = work_order_create(kind="complaint", description="抄表员态度恶劣", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    WorkOrder.objects.filter(pk=order.pk).update(callback_required=True, callback_due_at=timezone.now())
    return order


@pytest.mark.django_db
def test_a_callback_is_dialled_through_the_switch(people, settings, callback_due, customer):
    ami = FakeAmi()
    ami.start()
    settings.ASTERISK_AMI_URL = f"ami://hotline:s3cret@127.0.0.1:{ami.port}?context=outbound&caller_id=95598"
    page = Client()
    page.force_login(people.agent)
    assert f'id="dial-{callback_due.pk}"' in page.get("/callbacks/").content.decode()

    response = page.post(f"/callbacks/{callback_due.pk}/dial/", follow=True)

    ami.join(5)
    assert [a["Action"] for a in ami.actions] == ["Login", "Originate", "Logoff"]
    assert ami.actions[0]["Username"] == "hotline" and ami.actions[0]["Secret"] == "s3cret"
    originate = ami.actions[1]
    assert (originate["Channel"], originate["Exten"], originate["Context"], originate["CallerID"]) == (
        "PJSIP/8001", customer.phone, "outbound", "95598")
    assert customer.phone in response.content.decode()  # "Your phone rings: pick up to call …"


@pytest.mark.django_db
def test_a_refused_or_absent_switch_says_so_and_the_button_hides_without_one(people, settings, callback_due):
    ami = FakeAmi(refuse=True)
    ami.start()
    settings.ASTERISK_AMI_URL = f"ami://hotline:x@127.0.0.1:{ami.port}"
    page = Client()
    page.force_login(people.agent)
    refused = page.post(f"/callbacks/{callback_due.pk}/dial/", follow=True)
    # In the agent's language, with the switch's own words kept in brackets.
    assert refused.status_code == 200 and "交换机拒绝了呼叫（Originate failed）" in refused.content.decode()

    settings.ASTERISK_AMI_URL = "ami://hotline:x@127.0.0.1:1"  # nobody listens there
    gone = page.post(f"/callbacks/{callback_due.pk}/dial/", follow=True)
    assert gone.status_code == 200 and "交换机无应答" in gone.content.decode()

    settings.ASTERISK_AMI_URL = ""
    assert f'id="dial-{callback_due.pk}"' not in page.get("/callbacks/").content.decode()
    assert page.post(f"/callbacks/{callback_due.pk}/dial/").status_code == 302
    assert page.post(f"/callbacks/{2**64}/dial/").status_code == 404
    other = Client()
    other.force_login(people.manager)
    assert other.post(f"/callbacks/{callback_due.pk}/dial/").status_code == 403


@pytest.mark.django_db
def test_the_admin_shows_what_the_switch_reported_read_only(switch, people, clock):
    event(switch, "ring", 0, call_id="seen-in-admin", caller_number="13900000001", agent="agent")
    admin = Client()
    admin.force_login(type(people.agent).objects.create_superuser("root", password="x-123456789"))

    listed = admin.get("/admin/tickets/switchcall/")

    assert listed.status_code == 200 and "seen-in-admin" in listed.content.decode()
    assert admin.get("/admin/tickets/switchcall/add/").status_code == 403
