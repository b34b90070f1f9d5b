"""The agent console 来电工作台 in the Django test client: who may open it, each role's home page, the caller's
file found by phone or account (with the active outage for their address), every kind of order and every call
outcome from the one form, refusals as form errors (never a 500), and the incoming-call endpoint the page
polls, which answers only this agent's new calls."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from contactcenter.errors import InvalidInput
from tests.actions import act, outage_act
from tickets.models import Call, CallOutcome, Kind, State, WorkOrder
from tickets.phones import sees_whole_phones
from tickets.selectors import console as selectors_console
from tickets.services import call_log, outage_receive, work_order_create

from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

CONSOLE, INCOMING, FILE = "/console/", "/console/incoming/", "/console/customer/"


def page(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def errors(response) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text(response), re.S))


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def telephony_call(agent, phone="13900000001", *, ring=4, answered=True):
    """A call as the telephony system logs it through the API (``call_log``), ringing ``ring`` seconds."""
    now = timezone.now()
    start = now - dt.timedelta(seconds=ring + 30)
    system = UserFactory(username="telephony")
    return call_log(caller_number=phone, ring_started_at=start,
                    answered_at=start + dt.timedelta(seconds=ring) if answered else None,
                    ended_at=None if answered else now, agent=agent, logged_by=system)


def take(client, **data):
    return client.post(CONSOLE, {"caller_number": "13900000001", **data})


# --- who may open it ------------------------------------------------------------------------------------------


def test_the_console_is_for_those_who_take_calls(people):
    for user in (people.agent, people.lead):
        assert page(user).get(CONSOLE).status_code == 200
    for user in (people.manager, people.repair):
        assert page(user).get(CONSOLE).status_code == 403
        assert page(user).get(FILE, {"phone": "13900000001"}).status_code == 403
        assert take(page(user), classification="complaint", description="x").status_code == 403
    response = page().get(CONSOLE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_incoming_endpoint_answers_in_json_whoever_asks(people):
    assert page().get(INCOMING, {"after": 0}).status_code == 401
    assert page(people.manager).get(INCOMING, {"after": 0}).status_code == 403
    for bad in ("", "-1", "x", str(2**64)):
        response = page(people.agent).get(INCOMING, {"after": bad})
        assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_the_nav_links_to_the_console_for_those_who_take_calls(people):
    assert 'href="/console/"' in text(page(people.agent).get("/shifts/mine/"))
    assert 'href="/console/"' not in text(page(people.manager).get("/shifts/mine/"))


# --- home per role ---------------------------------------------------------------------------------------------


def test_each_role_starts_on_its_own_page(people):
    """Served at / itself (no redirect): agents the console, leads their shift, supervisors the ledger,
    managers the dashboard, department handlers the queue, users without a role the list of pages."""
    nobody = UserFactory(username="nobody")
    homes = {people.agent: "tickets/console/console.html", people.lead: "shifts/my_shift.html",
             people.supervisor: "kpi/ledger.html", people.manager: "kpi/dashboard.html",
             people.repair: "tickets/queue/queue.html", nobody: "tickets/home.html"}
    for user, template in homes.items():
        response = page(user).get("/")
        assert response.status_code == 200, user
        assert response.templates[0].name == template, user
    assert 'id="console"' in text(page(people.agent).get("/"))


# --- the caller's file -----------------------------------------------------------------------------------------


@pytest.fixture
def history(people, customer):
    """张三 called twice before: a repair (called back) and a complaint."""
    past = telephony_call(people.agent2, customer.phone, ring=14)
    repair = work_order_create(kind="repair", description="家里停电", caller_number=customer.phone,
                               customer=customer, call=past, actor=people.agent2)
    act(order=repair, name="dispatch", actor=people.agent2,
                          params={"department": people.repair.department})
    for name in ("arrive", "restore"):
        act(order=repair, name=name, actor=people.repair)
    act(order=repair, name="callback", actor=people.agent2,
                          params={"reached": True, "satisfied": True, "attitude": "good", "quality": "good"})
    complaint = work_order_create(kind="complaint", description="抄表员态度差", caller_number=customer.phone,
                                  customer=customer, actor=people.agent2)
    return past, repair, complaint


def test_the_caller_is_found_by_phone_with_calls_orders_and_callbacks(people, customer, history):
    past, repair, complaint = history
    CustomerFactory(phone="13700000009", name="李四")
    body = text(page(people.agent).get(FILE, {"phone": "139-0000 0001"}))  # typed with a dash and a space
    assert "张三" in body and "ACC-1" in body and "示范市中山路1号" in body and "城区" in body
    assert "李四" not in body
    orders = body[body.index('id="file-orders"'):]
    assert repair.number in orders and complaint.number in orders and f'href="/orders/{repair.pk}/"' in orders
    calls = body[body.index('id="file-calls"'):]
    assert '<td class="num overdue">14</td>' in calls  # rang over 3 rings: red
    callbacks = body[body.index('id="file-callbacks"'):]
    assert repair.number in callbacks


def test_the_caller_is_found_by_account_number(people, customer, history):
    CustomerFactory(phone=customer.phone, name="同号新户", account_number="ACC-2")  # the newer record on the phone
    body = text(page(people.agent).get(FILE, {"account": "ACC-1", "phone": customer.phone}))
    assert "张三" in body and "同号新户" not in body
    assert "同号新户" in text(page(people.agent).get(FILE, {"phone": customer.phone}))
    missing = text(page(people.agent).get(FILE, {"account": "NOPE"}))
    assert 'id="no-customer"' in missing and "张三" not in missing


def test_an_unknown_caller_and_a_bad_phone(people, customer):
    body = text(page(people.agent).get(FILE, {"phone": "13811112222"}))
    assert 'id="no-customer"' in body and "张三" not in body
    bad = page(people.agent).get(FILE, {"phone": "call me"})
    assert bad.status_code == 400 and 'role="alert"' in text(bad)


def test_the_console_page_finds_the_caller_without_javascript(people, customer):
    body = text(page(people.agent).get(CONSOLE, {"phone": customer.phone}))
    assert 'id="customer-record"' in body and "张三" in body
    posted = page(people.agent).post(CONSOLE, {"action": "lookup", "caller_number": customer.phone,
                                               "classification": "repair", "description": "停电了"})
    assert posted.status_code == 200 and "张三" in text(posted) and "停电了" in text(posted)
    assert not WorkOrder.objects.exists()


def test_the_file_shows_the_active_outage_for_the_callers_address(people):
    caller = CustomerFactory(name="赵六", phone="13711112222", address="示范市幸福小区3栋")
    starts = timezone.now() - dt.timedelta(minutes=30)
    notice = outage_receive(kind="fault", area="幸福小区", cause="10kV幸福线故障", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=4), actor=people.agent)
    assert f'id="caller-notice-{notice.pk}"' not in text(page(people.agent).get(FILE, {"phone": caller.phone}))
    outage_act(notice=notice, name="publish", actor=people.agent)
    body = text(page(people.agent).get(FILE, {"phone": caller.phone}))
    assert f'id="caller-notice-{notice.pk}"' in body and "10kV幸福线故障" in body and "非常抱歉" in body


def test_phones_are_whole_for_those_who_call_customers_and_masked_for_the_others(people):
    assert sees_whole_phones(people.agent) and sees_whole_phones(people.repair)
    assert not sees_whole_phones(people.manager)


# --- taking the call -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", Kind.values)
def test_each_kind_is_accepted_from_a_telephony_call_with_kind_and_description(people, customer, kind):
    call = telephony_call(people.agent, customer.phone)
    response = take(page(people.agent), call=call.pk, classification=kind, description="客户来电反映问题")
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/?created={order.pk}"
    assert (order.kind, order.state, order.call, order.customer, order.owner) == (
        kind, State.ACCEPTED, call, customer, people.agent)
    assert order.number in flashed(response)[0]
    shown = text(page(people.agent).get(response["Location"]))
    assert f'href="/orders/{order.pk}/"' in shown and order.number in shown
    assert 'id="console-form"' in shown


def test_a_complaint_shows_its_reply_countdown(people, customer):
    response = take(page(people.agent), classification="complaint", description="抄表员态度恶劣")
    order = WorkOrder.objects.get()
    body = text(page(people.agent).get(response["Location"]))
    deadlines = body[body.index('id="created-deadlines"'):]
    reply_due = timezone.localtime(order.reply_due_at).strftime("%Y-%m-%d %H:%M")
    assert "data-countdown" in deadlines and reply_due in deadlines


def test_the_optional_fields_reach_the_order(people, customer):
    take(page(people.agent), classification="repair", description="线路冒烟", title="线路冒烟",
         address="示范市中山路3号", area_type="rural")
    order = WorkOrder.objects.get()
    assert (order.title, order.address, order.area_type) == ("线路冒烟", "示范市中山路3号", "rural")


def test_an_unknown_caller_gets_a_new_customer_record(people):
    take(page(people.agent), caller_number="13811112222", classification="consultation", description="电价咨询")
    assert WorkOrder.objects.get().customer.phone == "13811112222"


def test_a_consultation_answered_on_the_call_is_closed(people, customer):
    response = take(page(people.agent), classification="consultation", description="峰谷电价",
                    answer="峰时段为8:00-22:00。")
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.state == State.ARCHIVED and order.answer == "峰时段为8:00-22:00。"


def test_a_typed_in_call_is_logged_with_its_order(people, customer):
    take(page(people.agent), classification="complaint", description="抄表员态度恶劣", ring_seconds="12")
    order = WorkOrder.objects.get()
    call = order.call
    assert call is not None and (call.agent, call.logged_by, call.outcome) == (people.agent, people.agent, "answered")
    assert call.ring_seconds == 12 and call.customer == customer


@pytest.mark.parametrize("outcome", ["answered", "wrong_number", "silent", "harassment"])
def test_a_typed_in_call_without_an_order_is_logged_with_its_outcome(people, customer, outcome):
    response = take(page(people.agent), classification=outcome, description="对方挂断")
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == CONSOLE
    assert (call.outcome, call.note, call.agent, call.caller_number) == (outcome, "对方挂断", people.agent,
                                                                         customer.phone)
    assert not WorkOrder.objects.exists()
    assert flashed(response)


def test_the_agent_classifies_a_call_the_telephony_system_logged(people, customer):
    call = telephony_call(people.agent, customer.phone)
    response = take(page(people.agent), call=call.pk, classification="harassment")
    call.refresh_from_db()
    assert response.status_code == 302 and call.outcome == CallOutcome.HARASSMENT
    assert Call.objects.count() == 1 and not WorkOrder.objects.exists()
    [message] = get_messages(response.wsgi_request)
    assert message.level_tag == "success"
    # Another agent may not reclassify it; a lead may.
    refused = take(page(people.agent2), call=call.pk, classification="answered")
    call.refresh_from_db()
    assert refused.status_code in (403, 400) and call.outcome == CallOutcome.HARASSMENT


def test_a_call_never_answered_stays_abandoned(people, customer):
    from tickets.services import call_classify

    call = telephony_call(people.agent, customer.phone)
    call.answered_at = None
    call.outcome = CallOutcome.ABANDONED
    call.save()
    with pytest.raises(InvalidInput):
        call_classify(call=call, outcome=CallOutcome.SILENT, actor=people.agent)
    call.refresh_from_db()
    assert call.outcome == CallOutcome.ABANDONED


@pytest.mark.parametrize("data, field", [
    ({"classification": "complaint", "description": ""}, "description"),
    ({"classification": "repair", "description": "停电", "answer": "已答复"}, "answer"),
    ({"classification": "repair", "description": "停电", "caller_number": "no phone"}, "caller_number"),
    ({"classification": "explode", "description": "停电"}, "classification"),
    ({"classification": "repair", "description": "停电", "ring_seconds": "-3"}, "ring_seconds"),
    ({"classification": "repair", "description": "停电", "rang_at": "2999-01-01T10:00"}, None),
    ({"classification": "repair", "description": "停电", "account_number": "NOPE"}, None),
    ({"classification": "repair", "description": "停电", "call": "99999999999999999999"}, "call"),
])
def test_bad_input_is_an_error_on_the_form(people, customer, data, field):
    response = take(page(people.agent), **data)
    assert response.status_code == 400, data
    assert errors(response), data
    assert not WorkOrder.objects.exists() and not Call.objects.exists()
    if field == "description":
        assert 'id="console-form"' in text(response)


def test_another_agents_call_cannot_be_used(people, customer):
    call = telephony_call(people.agent2, customer.phone)
    response = take(page(people.agent), call=call.pk, classification="repair", description="停电")
    assert response.status_code == 400 and errors(response) and not WorkOrder.objects.exists()


def test_an_answer_with_a_forbidden_phrase_is_refused_with_the_phrase(people, customer):
    response = take(page(people.agent), classification="consultation", description="电费", answer="这个我不知道。")
    assert response.status_code == 400 and "不知道" in errors(response)
    assert not WorkOrder.objects.exists() and not Call.objects.exists()  # the typed call is not left behind


# --- the incoming calls --------------------------------------------------------------------------------------


def test_the_incoming_endpoint_returns_only_this_agents_new_calls(people, customer):
    before = selectors_console.last_call_id()
    mine = telephony_call(people.agent, customer.phone, ring=12)
    theirs = telephony_call(people.agent2, "13800000002")
    call_log(caller_number="13800000003", ring_started_at=timezone.now(), answered_at=None, ended_at=None,
             agent=None, logged_by=people.lead)
    take(page(people.agent), classification="silent")  # typed in by the agent: not pushed back to them
    data = page(people.agent).get(INCOMING, {"after": before}).json()
    assert [c["id"] for c in data["calls"]] == [mine.pk] and data["after"] == mine.pk
    [shown] = data["calls"]
    assert (shown["caller_number"], shown["customer"], shown["ring_seconds"], shown["ring_late"]) == (
        customer.phone, "张三", 12, True)
    assert shown["use_url"] == f"/console/?call={mine.pk}"
    assert page(people.agent).get(INCOMING, {"after": mine.pk}).json() == {"after": mine.pk, "calls": [], "ringing": []}
    assert [c["id"] for c in page(people.agent2).get(INCOMING, {"after": before}).json()["calls"]] == [theirs.pk]


def test_a_reloaded_console_still_shows_the_calls_not_yet_taken(people, customer):
    waiting = telephony_call(people.agent, customer.phone, ring=3)
    taken = telephony_call(people.agent, "13800000002")
    work_order_create(kind="repair", description="停电", caller_number=taken.caller_number, call=taken,
                      actor=people.agent)
    take(page(people.agent), classification="wrong_number")  # typed in: handled already
    typed = Call.objects.latest("pk")
    body = text(page(people.agent).get(CONSOLE))
    assert f'data-call="{waiting.pk}"' in body
    assert f'data-call="{taken.pk}"' not in body and f'data-call="{typed.pk}"' not in body
    assert f'data-after="{typed.pk}"' in body


def test_use_this_call_prefills_the_form_without_javascript(people, customer):
    call = telephony_call(people.agent, customer.phone)
    body = text(page(people.agent).get(CONSOLE, {"call": call.pk}))
    assert f'name="call" value="{call.pk}"' in body and f'value="{customer.phone}"' in body and "张三" in body
    other = telephony_call(people.agent2, "13800000002")
    assert f'name="call" value="{other.pk}"' not in text(page(people.agent).get(CONSOLE, {"call": other.pk}))
