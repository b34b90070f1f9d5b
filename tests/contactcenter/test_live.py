"""Live updates over WebSockets (issue 20, push): the live service (``contactcenter.asgi`` under a real uvicorn on
loopback) pushes to an agent's console the calls of their own seat, as soon as the call is committed; never another
agent's; not to a role that takes no calls, nor to anyone signed out; a socket that reconnects gets what came
while it was away; the bell rings through Redis too (the channel layer of production)."""

import asyncio
import json
import os
import time

import pytest
from django.test import Client
from django.utils import timezone
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from contactcenter import live
from contactcenter.env import channel_layers
from tests.actions import act
from tickets.models import WorkOrder
from tickets.services import call_event, call_log, work_order_create, work_order_reassign

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def receive(ws, timeout: float = 3.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def logged(people, agent, phone="13900000009", ring=4):
    start = timezone.now() - timezone.timedelta(seconds=30)
    return call_log(caller_number=phone, ring_started_at=start, answered_at=start + timezone.timedelta(seconds=ring),
                    ended_at=start + timezone.timedelta(seconds=20), logged_by=people.telephony, agent=agent)


def test_a_call_logged_for_the_agent_is_pushed_to_their_console_at_once(live_service, people):
    with live_service.socket(people.agent, "?after=0&lang=zh-hans") as ws:
        first = receive(ws)
        assert (first["type"], first["calls"], first["ringing"]) == ("console", [], [])
        started = time.monotonic()
        call = logged(people, people.agent)
        pushed = receive(ws)
        took = time.monotonic() - started
        assert [c["id"] for c in pushed["calls"]] == [call.pk] and pushed["after"] == call.pk
        assert pushed["calls"][0]["caller_number"] == "13900000009" and pushed["calls"][0]["outcome_label"] == "已接听"
        assert took < 0.5, f"pushed after {took:.2f} s"
        logged(people, people.agent2)  # another agent's call: nothing for this console
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1.5)


def test_a_call_ringing_at_the_seat_pops_up_and_goes_when_answered(live_service, people, customer):
    with live_service.socket(people.agent, "?after=0") as ws:
        receive(ws)
        now = timezone.now()
        call_event(switch_call_id="pbx-1", event="ring", at=now, caller_number=customer.phone,
                   agent=people.agent, seat=people.agent.seat, reported_by=people.telephony)
        ringing = receive(ws)["ringing"]
        assert [(r["call_id"], r["customer"]) for r in ringing] == [("pbx-1", "张三")]
        call_event(switch_call_id="pbx-1", event="end", at=now + timezone.timedelta(seconds=5),
                   reported_by=people.telephony)
        ended = receive(ws)
        assert ended["ringing"] == []


def test_a_reconnect_gets_what_came_while_it_was_away(live_service, people):
    with live_service.socket(people.agent, "?after=0") as ws:
        receive(ws)
        seen = logged(people, people.agent, phone="13900000001")
        assert receive(ws)["after"] == seen.pk
    missed = [logged(people, people.agent, phone=f"1390000001{i}") for i in range(3)]  # the page is offline
    with live_service.socket(people.agent, f"?after={seen.pk}") as ws:
        again = receive(ws)
        assert [c["id"] for c in again["calls"]] == [c.pk for c in missed]


@pytest.mark.parametrize("who", [None, "manager", "repair"])
def test_who_takes_no_calls_gets_no_socket(live_service, people, who):
    user = getattr(people, who) if who else None
    try:
        with live_service.socket(user, "?after=0") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=3)
            assert closed.value.rcvd.code == (4401 if who is None else 4403)
    except InvalidStatus as refused:  # refused during the handshake: as good
        assert refused.response.status_code == 403


def test_a_socket_from_another_site_is_refused(live_service, people):
    client = Client()
    client.force_login(people.agent)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{live_service.port}/ws/console/", open_timeout=5, additional_headers={
            "Origin": "https://evil.example", "Cookie": f"sessionid={client.cookies['sessionid'].value}"})
    assert refused.value.response.status_code == 403


@pytest.mark.redis
def test_the_bell_rings_through_redis(live_service, people, settings, monkeypatch):
    """Another process's commit (the API's gunicorn, a Celery worker) wakes the live process through the channel
    layer: this process's direct wake-up switched off and the timer set to a minute, the push still comes at once."""
    settings.CHANNEL_LAYERS = channel_layers(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)  # as in production
    monkeypatch.setattr(live, "TAIL_SECONDS", 60)
    monkeypatch.setattr(live, "_wake_local", lambda: None)
    with live_service.socket(people.agent, "?after=0") as ws:
        receive(ws)
        # Quiet for longer than the layer's blocking read (5 s): the layer's connections must still be listening
        # (a Redis socket timeout of 5 s, redis-py's default, broke them here and dropped the consumers' sockets).
        time.sleep(7)
        started = time.monotonic()
        call = logged(people, people.agent)
        assert [c["id"] for c in receive(ws)["calls"]] == [call.pk]
        assert time.monotonic() - started < 1


def test_the_tailer_joins_the_bell_s_group_on_a_machine_booted_a_minute_ago(monkeypatch):
    """The event loop's clock counts from the machine's boot: an hour's renewal period measured from 0 kept a live
    process started in the machine's first hour out of the group, deaf to every other process's bell (found on a
    CI machine booted minutes before the run)."""
    joined = []

    class Layer:  # the channel layer as the tailer uses it
        async def new_channel(self):
            return "specific.tailer"

        async def group_add(self, group, channel):
            joined.append((group, channel))

        async def receive(self, channel):
            await asyncio.Event().wait()  # no bell rings

    class JustBooted:
        def time(self):
            return 60.0  # a minute since the boot

    async def listen_a_moment():
        task = asyncio.create_task(live.Tailer(JustBooted())._listen())
        await asyncio.sleep(0.05)
        task.cancel()

    monkeypatch.setattr(live, "get_channel_layer", Layer)
    asyncio.run(listen_a_moment())
    assert joined == [(live.GROUP, "specific.tailer")]


# --- the queue: the orders on the page, and those that come to the user


def queue_socket(live_service, user):
    return live_service.socket(user, "?lang=zh-hans", path="/ws/queue/")


def accepted(people, customer):
    return work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                             actor=people.agent)


def test_an_order_dispatched_to_a_department_is_told_to_its_handlers_only(live_service, people, customer, org):
    order = accepted(people, customer)
    with queue_socket(live_service, people.repair) as mine, queue_socket(live_service, people.repair2) as theirs:
        time.sleep(0.2)
        act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
        told = receive(mine)
        assert told["changes"] == [{"id": order.pk, "number": order.number, "state": "dispatched",
                                    "state_label": "已派单", "step": "dispatch", "step_label": "派单",
                                    "actor": "agent", "on_page": False}]
        with pytest.raises(TimeoutError):
            theirs.recv(timeout=1.5)


def test_the_orders_on_the_page_are_told_while_the_user_may_see_them(live_service, people, customer, org):
    order = accepted(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    with queue_socket(live_service, people.manager) as manager, queue_socket(live_service, people.repair) as repair:
        manager.send(json.dumps({"watch": [order.pk, "x", -1]}))
        repair.send(json.dumps({"watch": [order.pk]}))
        time.sleep(0.3)
        act(order=order, name="urge", actor=people.agent)
        assert receive(manager)["changes"][0]["step"] == "urge"
        assert receive(repair)["changes"][0]["on_page"] is True
        # Passed on to another crew that repair-1 never acted on: repair-1 may no longer see it, so is not told.
        work_order_reassign(order=WorkOrder.objects.get(pk=order.pk), department=org.repair2, actor=people.lead)
        assert receive(manager)["changes"][0]["step"] == "reassign"
        with pytest.raises(TimeoutError):
            repair.recv(timeout=1.5)


def test_what_was_committed_while_no_page_listened_is_not_news_to_a_page_opened_later(live_service, people,
                                                                                       customer, org):
    """An order's page opened after the order was accepted (while no socket was open, so the live process did not
    read the outbox) hears of the next change only — not of the acceptance it already shows."""
    time.sleep(1.2)  # the sockets of earlier tests are gone: the live process's tailer has nobody to read for
    order = accepted(people, customer)
    time.sleep(1.2)  # its wake-ups meanwhile (once a second) read nothing
    with live_service.socket(people.lead, "?lang=zh-hans&mine=0", path="/ws/queue/") as page:
        page.send(json.dumps({"watch": [order.pk]}))
        with pytest.raises(TimeoutError):  # a wake-up (within 1 s) while the page is open: no stale "accepted"
            page.recv(timeout=1.5)
        act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
        assert [change["step"] for change in receive(page)["changes"]] == ["dispatch"]


def test_an_agent_hears_of_the_orders_they_accepted(live_service, people, customer):
    with queue_socket(live_service, people.agent) as mine, queue_socket(live_service, people.agent2) as other:
        time.sleep(0.2)
        order = accepted(people, customer)
        assert receive(mine)["changes"][0]["id"] == order.pk
        with pytest.raises(TimeoutError):
            other.recv(timeout=1.5)


def test_rings_while_one_is_pending_are_one_and_a_later_commit_rings_again():
    """The bell's thread: a request only schedules the ring; 100 commits while one ring waits are that one ring, and
    a commit after it has gone rings again (never lost)."""
    sent = []

    class Layer:
        async def group_send(self, group, message):
            sent.append((group, message))

    bell = live._Bell()
    bell.loop.call_soon_threadsafe(time.sleep, 0.3)  # the bell's loop busy for a moment
    started = time.monotonic()
    for _ in range(100):
        bell.ring(Layer())
    assert time.monotonic() - started < 0.1  # nobody waited for it
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert sent == [(live.GROUP, {"type": "outbox.new"})]
    bell.ring(Layer())
    while len(sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sent) == 2


# Who may open which socket: the pages' own rules (the console: those who take calls; the queue and the bell: every
# role; the wallboard and the ledger: leads, supervisors, managers). The telephony service account has no pages.
PEOPLE = {"agent", "agent2", "lead", "supervisor", "manager", "repair", "repair2", "marketing", "supervision"}
SOCKETS = {"/ws/console/": {"agent", "agent2", "lead", "supervisor"},
           "/ws/queue/": PEOPLE,
           "/ws/notifications/": PEOPLE,  # every person's bell
           "/ws/wallboard/": {"lead", "supervisor", "manager"},
           "/ws/ledger/": {"lead", "supervisor", "manager"}}
FIRST_MESSAGE = {"/ws/console/": "console", "/ws/notifications/": "notifications", "/ws/wallboard/": "wallboard"}


@pytest.mark.parametrize("path", sorted(SOCKETS))
def test_each_role_opens_only_the_sockets_of_its_pages(live_service, people, path):
    for name in ("agent", "agent2", "lead", "supervisor", "manager", "repair", "repair2", "marketing", "supervision",
                 "telephony"):
        user = getattr(people, name)
        if name not in SOCKETS[path]:  # refused before the handshake completes: 403
            with pytest.raises(InvalidStatus) as refused:
                live_service.socket(user, "?after=0", path=path)
            assert refused.value.response.status_code == 403, name
            continue
        with live_service.socket(user, "?after=0", path=path) as ws:
            if path in FIRST_MESSAGE:  # the state now
                assert receive(ws)["type"] == FIRST_MESSAGE[path], name
            else:
                with pytest.raises(TimeoutError):  # open, and quiet: nothing has happened
                    ws.recv(timeout=0.3)


# --- the wallboard and the ledger page (kpi.live) ------------------------------------------------------------


def test_the_wallboard_gets_fresh_figures_when_a_call_is_logged(live_service, people):
    with live_service.socket(people.lead, path="/ws/wallboard/") as ws:
        first = receive(ws)
        assert first["type"] == "wallboard"
        offered = first["figures"]["calls"]["today"]["offered"]
        logged(people, people.agent)
        pushed = receive(ws, timeout=5)
        assert pushed["type"] == "wallboard" and pushed["cursor"]
        assert pushed["figures"]["calls"]["today"]["offered"] == offered + 1


@pytest.mark.parametrize("path", ["/ws/wallboard/", "/ws/ledger/"])
def test_the_wallboard_and_the_ledger_sockets_are_for_leads_supervisors_and_managers(live_service, people, path):
    for name in ("agent", "repair", "telephony", None):
        user = getattr(people, name) if name else None
        try:
            with live_service.socket(user, path=path) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=3)
                assert closed.value.rcvd.code == (4401 if user is None else 4403), name
        except InvalidStatus as refused:  # refused during the handshake: as good
            assert refused.response.status_code == 403, name
    for name in ("lead", "supervisor", "manager"):
        with live_service.socket(getattr(people, name), path=path) as ws:
            if path == "/ws/wallboard/":
                assert receive(ws)["type"] == "wallboard", name
            else:
                with pytest.raises(TimeoutError):  # open, and quiet: nothing has been posted
                    ws.recv(timeout=0.3)


def test_the_ledger_page_is_told_of_the_entries_it_lists_only(live_service, people, org):
    import importlib

    from django.apps import apps

    from kpi.models import PenaltyRule
    from kpi.services import entry_post_manual

    if not PenaltyRule.objects.exists():  # the flush of an earlier transactional test removed the seeded rules
        importlib.import_module("kpi.migrations.0002_rules_schedule_protection").seed_rules(apps, None)
    rule = PenaltyRule.objects.get(code="repair_arrival_late")
    with live_service.socket(people.lead, f"?department={org.repair.pk}", path="/ws/ledger/") as crew_page, \
            live_service.socket(people.supervisor, path="/ws/ledger/") as whole:
        time.sleep(0.2)
        other = entry_post_manual(rule=rule, actor=people.lead, reason="到达超时", department=org.repair2)
        assert receive(whole)["ids"] == [other.pk]
        with pytest.raises(TimeoutError):  # charged to a department this page does not list
            crew_page.recv(timeout=1.5)
        mine = entry_post_manual(rule=rule, actor=people.lead, reason="到达超时", department=org.repair)
        told = receive(crew_page)
        assert (told["type"], told["ids"]) == ("ledger", [mine.pk])
        assert receive(whole)["ids"] == [mine.pk]
