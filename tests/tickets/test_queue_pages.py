"""My queue 我的工单, the order page and today's callbacks 回访 in the Django test client: each role's queue lists
exactly its orders (mine, my shift's), filters and sorting by the nearest deadline with countdown attributes; the
order page shows history, callbacks and a form for each step the user may take; the forms go through the
service, and a refusal is an error on the form with the service's status (400 / 409), never a 500; the
callbacks page lists the callbacks due today, complaints first, and an unsatisfied complaint callback reopens it."""

import datetime as dt
import importlib.util
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shifts import services as shift_services
from shifts.models import OrderShift, ShiftTemplate
from tests.actions import act
from tickets.models import Callback, State, WorkOrder
from tickets.services import work_order_create

from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
QUEUE, CALLBACKS = "/queue/", "/callbacks/"
FORBIDDEN = "这事不归我们管"  # seeded forbidden phrase (seed 000 细则 3)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def page(user=None, *, english=False) -> Client:
    client = Client(raise_request_exception=False, **({"HTTP_ACCEPT_LANGUAGE": "en"} if english else {}))
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def ids(response, table="queue", prefix="order") -> list[int]:
    """The orders listed in a table, in their order."""
    body = re.search(rf'<table id="{table}">(.*?)</table>', text(response), re.S).group(1)
    return [int(pk) for pk in re.findall(rf'<tr id="{prefix}-(\d+)"', body)]


def row(response, order, prefix="order") -> str:
    return re.search(rf'<tr id="{prefix}-{order.pk}"[^>]*>(.*?)</tr>', text(response), re.S).group(0)


def form_html(response, name) -> str:
    found = re.search(rf'<form[^>]*id="{name}-form".*?</form>', text(response), re.S)
    return found.group(0) if found else ""


def errors(response) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text(response), re.S))


def new(kind, actor, customer=None, **fields) -> WorkOrder:
    customer = customer or CustomerFactory()
    return work_order_create(kind=kind, description=fields.pop("description", "来电反映问题"),
                             caller_number=customer.phone, customer=customer, actor=actor, **fields)


def fire(order, name, actor, **params) -> WorkOrder:
    return act(order=WorkOrder.objects.get(pk=order.pk), name=name, actor=actor, params=params)


def investigated(people, org, kind="complaint", customer=None) -> WorkOrder:
    """A complaint through the supervision office to marketing, investigated (not valid)."""
    order = new(kind, people.agent, customer)
    fire(order, "forward", people.agent)
    fire(order, "dispatch", people.supervision, department=org.marketing.pk)
    return fire(order, "investigate", people.marketing, valid=False)


def replied(people, org, clock, *, at, kind="complaint", customer=None) -> WorkOrder:
    """A complaint replied to the customer at ``at``: its callback is due a day later."""
    clock.move_to(at - HOUR, tick=False)
    order = investigated(people, org, kind, customer)
    clock.move_to(at, tick=False)
    order = fire(order, "reply", people.marketing, reply_text="经核实，抄表数据无误，已向您说明。")
    clock.move_to(START, tick=False)
    return order


def post(client, order, name, data=None, **extra):
    return client.post(f"/orders/{order.pk}/transitions/{name}/", data or {}, **extra)


def state(order) -> str:
    return WorkOrder.objects.get(pk=order.pk).state


# --- who sees what


@pytest.mark.parametrize("url", [QUEUE, CALLBACKS, "/orders/1/"])
def test_anonymous_users_are_sent_to_the_login_page(db, url):
    response = page().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("who", "queue", "callbacks"), [
    ("agent", 200, 200), ("lead", 200, 200), ("supervisor", 200, 200), ("repair", 200, 403), ("manager", 200, 403),
])
def test_who_may_open_the_pages(people, who, queue, callbacks):
    client = page(getattr(people, who))
    assert client.get(QUEUE).status_code == queue
    assert client.get(CALLBACKS).status_code == callbacks


def test_the_nav_links_follow_the_roles(people):
    agent = text(page(people.agent).get("/"))
    assert 'href="/queue/"' in agent and 'href="/callbacks/"' in agent
    repair = text(page(people.repair).get("/"))
    assert 'href="/queue/"' in repair and 'href="/callbacks/"' not in repair


def test_orders_the_user_may_not_see_are_403_and_missing_ones_404(people, org):
    repair = new("repair", people.agent)
    fire(repair, "dispatch", people.agent, department=org.repair.pk)
    assert page(people.repair).get(f"/orders/{repair.pk}/").status_code == 200
    assert page(people.marketing).get(f"/orders/{repair.pk}/").status_code == 403
    assert post(page(people.marketing), repair, "arrive").status_code == 403
    assert page(people.agent).get("/orders/99999999/").status_code == 404
    assert page(people.agent).get(f"/orders/{2**70}/").status_code == 404
    assert post(page(people.agent), repair, "explode").status_code == 404
    assert state(repair) == State.DISPATCHED


def test_a_role_that_may_not_fire_a_step_gets_403(people):
    complaint = new("complaint", people.agent)
    response = post(page(people.manager), complaint, "forward")
    assert response.status_code == 403
    assert state(complaint) == State.ACCEPTED


# --- my queue


def test_mine_lists_my_open_orders_only(people, org):
    complaint = new("complaint", people.agent)
    repair = new("repair", people.agent)
    new("consultation", people.agent, answer="电价按阶梯计算")  # answered on the call: archived at once
    cancelled = new("complaint", people.agent)
    fire(cancelled, "cancel", people.lead, reason="重复工单")
    others = new("complaint", people.agent2)

    response = page(people.agent).get(QUEUE)

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted([complaint.pk, repair.pk])
    assert ids(page(people.agent2).get(QUEUE)) == [others.pk]
    assert ids(page(people.manager).get(QUEUE, {"tab": "mine"})) == []
    # a manager's queue opens on their unit tree's open orders (issue 18)
    assert sorted(ids(page(people.manager).get(QUEUE))) == sorted([complaint.pk, repair.pk, others.pk])


def test_a_department_handler_sees_the_orders_with_the_department(people, org):
    repair = new("repair", people.agent)
    fire(repair, "dispatch", people.agent, department=org.repair.pk)
    handled = new("repair", people.agent)
    fire(handled, "dispatch", people.agent, department=org.repair2.pk, handler="repair2")
    new("repair", people.agent)  # not dispatched yet

    assert ids(page(people.repair).get(QUEUE)) == [repair.pk]
    assert ids(page(people.repair2).get(QUEUE)) == [handled.pk]
    assert ids(page(people.marketing).get(QUEUE)) == []
    assert "repair2" in row(page(people.repair2).get(QUEUE), handled)


@pytest.fixture
def duty(people, org):
    """The 24-hour duty on now (08:00 → 08:00): the lead with agent and agent2; agent3 is not on it."""
    agent3 = UserFactory(username="agent3", unit=org.center, role="agent")
    shift = shift_services.shift_create(unit=org.center, template=ShiftTemplate.objects.get(code="duty24"),
                                        date=START.date(), lead=people.lead, members=[people.agent, people.agent2],
                                        actor=people.supervisor)
    return shift, agent3


def test_the_shift_tab_lists_the_open_orders_of_my_shifts_members(people, org, duty):
    shift, agent3 = duty
    mine = new("complaint", people.agent)
    colleague = new("repair", people.agent2)
    leads = new("consultation", people.lead)
    outsider = new("complaint", agent3)
    carried = new("complaint", agent3)  # handed over to this shift at a handover
    OrderShift.objects.create(order=carried, shift=shift, since=START)

    response = page(people.agent).get(QUEUE, {"tab": "shift"})

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted([mine.pk, colleague.pk, leads.pk, carried.pk])
    assert outsider.pk not in ids(response)
    assert 'id="tab-shift" href="?tab=shift" class="active"' in text(response)
    assert ids(page(people.agent).get(QUEUE)) == [mine.pk]

    off_duty = page(agent3).get(QUEUE, {"tab": "shift"})
    assert ids(off_duty) == [] and 'id="not-on-duty"' in text(off_duty)


def test_the_shift_tab_is_empty_after_the_shift(people, org, duty, clock):
    new("complaint", people.agent2)
    clock.move_to(START + DAY, tick=False)  # 09:00 the next day: the duty ended at 08:00
    assert ids(page(people.agent).get(QUEUE, {"tab": "shift"})) == []


def test_the_filters(people, org, customer, clock):
    complaint = new("complaint", people.agent, customer)
    forwarded = new("complaint", people.agent)
    fire(forwarded, "forward", people.agent)
    repair = new("repair", people.agent)
    fire(repair, "dispatch", people.agent, department=org.repair.pk)  # arrival due 09:45
    client = page(people.agent)

    assert sorted(ids(client.get(QUEUE, {"kind": "complaint"}))) == sorted([complaint.pk, forwarded.pk])
    assert ids(client.get(QUEUE, {"state": "forwarded"})) == [forwarded.pk]
    assert ids(client.get(QUEUE, {"phone": customer.phone})) == [complaint.pk]
    assert ids(client.get(QUEUE, {"number": repair.number})) == [repair.pk]
    assert ids(client.get(QUEUE, {"overdue": "true"})) == []

    clock.move_to(START + HOUR, tick=False)  # 10:00: the crew has not arrived, 15 min late
    assert ids(client.get(QUEUE, {"overdue": "true"})) == [repair.pk]
    assert repair.pk not in ids(client.get(QUEUE, {"overdue": "false"}))
    response = client.get(QUEUE, {"kind": "nonsense"})
    assert response.status_code == 400 and ids(response) == []


def test_sorted_by_the_nearest_deadline_with_live_countdowns(people, org, clock):
    complaint = new("complaint", people.agent)  # first contact due in 24 h
    consultation = new("consultation", people.agent)  # reply due in 5 working days
    clock.move_to(START - HOUR, tick=False)
    repair = new("repair", people.agent)
    fire(repair, "dispatch", people.agent, department=org.repair.pk)  # arrival due 08:45: overdue at 09:00
    clock.move_to(START, tick=False)

    response = page(people.agent).get(QUEUE)

    assert ids(response) == [repair.pk, complaint.pk, consultation.pk]
    late = row(response, repair)
    assert 'class="is-overdue"' in late
    countdown = re.search(r"<time [^>]*data-countdown[^>]*>([^<]*)</time>", late)
    assert 'class="countdown overdue"' in countdown.group(0)
    assert 'data-due="2026-03-02T08:45:00.000+08:00"' in countdown.group(0)
    assert "00:15:00" in countdown.group(1)
    soon = re.search(r"<time [^>]*data-countdown[^>]*>([^<]*)</time>", row(response, complaint))
    assert 'data-due="2026-03-03T09:00:00.000+08:00"' in soon.group(0) and 'class="countdown"' in soon.group(0)
    assert "1 d 00:00:00" in page(people.agent, english=True).get(QUEUE).content.decode()
    assert 'src="/static/js/countdown.js" data-now="2026-03-02T09:00:00.000+08:00"' in text(response)


def test_each_row_offers_the_steps_the_user_may_take(people, org, duty):
    complaint = new("complaint", people.agent)
    response = page(people.agent).get(QUEUE)
    steps = set(re.findall(r'data-transition="(\w+)"', row(response, complaint)))
    assert steps == {"forward", "urge", "escalate"}
    assert f'href="/orders/{complaint.pk}/#transition-forward"' in row(response, complaint)
    lead = set(re.findall(r'data-transition="(\w+)"', row(page(people.lead).get(QUEUE, {"tab": "shift"}), complaint)))
    assert lead == {"forward", "urge", "escalate", "cancel", "merge"}  # merge: issue 18
    assert "已受理" in row(response, complaint) and "投诉" in row(response, complaint)


def test_phones_are_masked_for_roles_that_do_not_call_customers(people, org):
    customer = CustomerFactory(phone="13912345678")
    order = new("complaint", people.agent, customer)
    assert "13912345678" in text(page(people.agent).get(f"/orders/{order.pk}/"))
    manager = text(page(people.manager).get(f"/orders/{order.pk}/"))
    assert "13912345678" not in manager and "139****5678" in manager


# --- the order page


def test_the_order_page_shows_facts_deadlines_customer_history_and_callbacks(people, org, clock):
    customer = CustomerFactory(name="王五", phone="13955556666")
    order = replied(people, org, clock, at=START - 2 * HOUR, customer=customer)
    fire(order, "callback", people.agent, reached=False)

    response = page(people.agent).get(f"/orders/{order.pk}/")

    assert response.status_code == 200
    body = text(response)
    assert order.number in body and '<span class="tag wo-replied" id="order-state">已答复</span>' in body
    assert "王五" in body and "13955556666" in body and "经核实，抄表数据无误" in body
    history = re.search(r'<table id="history">(.*?)</table>', body, re.S).group(1)
    assert re.findall(r'data-step="(\w+)"', history) == ["create", "forward", "dispatch", "investigate", "reply",
                                                          "callback"]
    assert "已受理" in history and "已转监察室" in history and "已答复" in history
    callbacks = re.search(r'<table id="callbacks">(.*?)</table>', body, re.S).group(1)
    assert callbacks.count("<tr>") == 2  # the header and the attempt
    deadlines = re.search(r'<table id="deadlines">(.*?)</table>', body, re.S).group(1)
    assert 'id="deadline-callback_due_at"' in deadlines and "data-countdown" in deadlines
    assert 'id="deadline-reply_due_at"' in deadlines


@pytest.mark.parametrize(("who", "forms"), [
    ("agent", {"forward", "urge", "escalate", "add_note"}),
    ("lead", {"forward", "urge", "escalate", "cancel", "merge", "add_note"}),
    ("manager", set()),
])
def test_a_form_for_each_step_the_user_may_take(people, who, forms):
    complaint = new("complaint", people.agent)
    body = text(page(getattr(people, who)).get(f"/orders/{complaint.pk}/"))
    assert set(re.findall(r'id="(\w+)-form"', body)) == forms
    assert ('id="no-steps"' in body) == (not forms)


def test_the_forms_carry_the_fields_of_their_transition(people, org):
    complaint = new("complaint", people.agent)
    fire(complaint, "forward", people.agent)
    dispatch = form_html(page(people.supervision).get(f"/orders/{complaint.pk}/"), "dispatch")
    assert 'name="department"' in dispatch and 'name="handler"' in dispatch and 'name="note"' in dispatch
    assert f'<option value="{org.marketing.pk}">' in dispatch
    assert f'<option value="{org.supervision.pk}">' not in dispatch  # it is already there
    assert '<option value="marketing">' in dispatch
    assert 'id="dispatch-form"' not in text(page(people.agent).get(f"/orders/{complaint.pk}/"))

    fire(complaint, "dispatch", people.supervision, department=org.marketing.pk)
    investigate = form_html(page(people.marketing).get(f"/orders/{complaint.pk}/"), "investigate")
    assert 'name="valid"' in investigate and 'name="cause"' in investigate and 'name="responsible"' in investigate
    fire(complaint, "investigate", people.marketing, valid=False)
    reply = form_html(page(people.marketing).get(f"/orders/{complaint.pk}/"), "reply")
    assert re.search(r'<textarea name="reply_text"[^>]*data-phrase-check', reply)

    repair = new("repair", people.agent)
    dispatch = form_html(page(people.agent).get(f"/orders/{repair.pk}/"), "dispatch")
    assert f'<option value="{org.repair.pk}">' in dispatch and f'<option value="{org.marketing.pk}">' not in dispatch


def test_a_complaint_goes_through_its_forms(people, org):
    complaint = new("complaint", people.agent)

    response = post(page(people.agent), complaint, "forward", {"note": "转监察室处理"})
    assert response.status_code == 302 and response["Location"] == f"/orders/{complaint.pk}/"
    assert state(complaint) == State.FORWARDED
    assert complaint.history.get(name="forward").note == "转监察室处理"

    response = post(page(people.supervision), complaint, "dispatch",
                    {"department": org.marketing.pk, "handler": "marketing"})
    assert response.status_code == 302
    order = WorkOrder.objects.get(pk=complaint.pk)
    assert order.state == State.DISPATCHED and order.department == org.marketing and order.handler == people.marketing

    assert post(page(people.marketing), complaint, "investigate",
                {"valid": "true", "cause": "attitude", "responsible": "agent"}).status_code == 302
    order = WorkOrder.objects.get(pk=complaint.pk)
    assert order.finding_valid is True and order.finding_responsible == people.agent

    assert post(page(people.marketing), complaint, "reply", {"reply_text": "已对相关人员批评教育。"}).status_code == 302
    assert state(complaint) == State.REPLIED
    assert 'id="callback-form"' in text(page(people.agent).get(f"/orders/{complaint.pk}/"))


def test_the_success_message_names_the_new_state(people):
    complaint = new("complaint", people.agent)
    response = post(page(people.agent), complaint, "forward", follow=True)
    assert response.status_code == 200
    message = re.search(r'<ul class="messages">(.*?)</ul>', text(response), re.S).group(1)
    assert complaint.number in message and "已转监察室" in message


def test_a_step_not_allowed_now_is_409_with_the_reason(people):
    complaint = new("complaint", people.agent)
    response = post(page(people.agent, english=True), complaint, "archive")
    assert response.status_code == 409
    assert "not allowed in the work order&#x27;s current state" in text(response)
    assert state(complaint) == State.ACCEPTED


def test_a_service_refusal_is_an_error_on_the_form_with_400(people, org):
    complaint = investigated(people, org)
    fire(complaint, "reply", people.marketing, reply_text="已说明")
    other = new("complaint", people.agent)
    fire(other, "forward", people.agent)
    fire(other, "dispatch", people.supervision, department=org.marketing.pk)

    response = post(page(people.marketing, english=True), other, "investigate", {"valid": "true"})

    assert response.status_code == 400
    assert "A valid finding needs its cause" in form_html(response, "investigate")
    assert state(other) == State.DISPATCHED


def test_bad_input_is_400_on_the_form(people, org):
    complaint = new("complaint", people.agent)
    fire(complaint, "forward", people.agent)
    response = post(page(people.supervision), complaint, "dispatch", {"department": "", "handler": "nobody"})
    assert response.status_code == 400
    assert 'id="dispatch-form"' in text(response) and errors(response)
    response = post(page(people.supervision, english=True), complaint, "dispatch",
                    {"department": org.marketing.pk, "handler": "repair"})  # not a member of marketing
    assert response.status_code == 400
    assert "“repair” is not a member of" in form_html(response, "dispatch")  # the service says who and where
    assert state(complaint) == State.FORWARDED


@pytest.mark.skipif(importlib.util.find_spec("tickets.services.phrases") is None,
                    reason="the forbidden-phrase check has not landed yet")
def test_a_reply_with_a_forbidden_phrase_is_refused_with_the_phrase(people, org):
    complaint = investigated(people, org)

    response = post(page(people.marketing), complaint, "reply", {"reply_text": f"对不起，{FORBIDDEN}，请您找物业。"})

    assert response.status_code == 400
    reply = form_html(response, "reply")
    assert f'<mark class="forbidden-phrase">{FORBIDDEN}</mark>' in reply
    assert FORBIDDEN in errors(response)
    assert f"对不起，{FORBIDDEN}，请您找物业。</textarea>" in reply  # the text is kept to be rephrased
    assert state(complaint) == State.INVESTIGATED


def test_a_refused_forbidden_phrase_is_shown_whatever_the_field(people, org, monkeypatch):
    """The page lists the phrases of a ``forbidden_phrase`` refusal even when the service names no field."""
    from contactcenter.errors import InvalidInput
    from tickets.forms.transitions import AnswerOnCallForm

    def refuse(**kwargs):
        raise InvalidInput("forbidden", code="forbidden_phrase", extra={"phrases": ["不知道", "不清楚"]})

    consultation = new("consultation", people.agent)
    monkeypatch.setattr(AnswerOnCallForm, "service", staticmethod(refuse))
    response = post(page(people.agent), consultation, "answer_on_call", {"answer": "我也不知道"})
    assert response.status_code == 400
    form = form_html(response, "answer_on_call")
    assert all(f'<mark class="forbidden-phrase">{phrase}</mark>' in form for phrase in ("不知道", "不清楚"))
    assert "不知道" in errors(response)


def test_an_urge_through_the_form_counts_and_links_the_call(people, customer):
    from tickets.services import call_log

    complaint = new("complaint", people.agent, customer)
    call = call_log(caller_number=customer.phone, ring_started_at=START - HOUR, answered_at=START - HOUR,
                    ended_at=START, agent=people.agent, customer=customer, logged_by=people.agent)
    assert f'<option value="{call.pk}">' in form_html(page(people.agent).get(f"/orders/{complaint.pk}/"), "urge")
    assert post(page(people.agent), complaint, "urge", {"call": call.pk}).status_code == 302
    assert WorkOrder.objects.get(pk=complaint.pk).urge_count == 1
    assert complaint.history.get(name="urge").call == call


# --- callbacks


def test_the_callbacks_due_today_complaints_first(people, org, clock):
    report = replied(people, org, clock, at=START - 2 * DAY, kind="report")  # due yesterday 09:00
    late_complaint = replied(people, org, clock, at=START - DAY + 8 * HOUR)  # due today 17:00
    early_complaint = replied(people, org, clock, at=START - DAY - HOUR)  # due today 08:00: overdue
    tomorrow = replied(people, org, clock, at=START)  # due tomorrow 09:00
    done = replied(people, org, clock, at=START - DAY - 2 * HOUR)
    fire(done, "callback", people.agent, reached=True, satisfied=True, attitude="good", quality="good")

    response = page(people.agent).get(CALLBACKS)

    assert response.status_code == 200
    assert ids(response, "due-callbacks", "callback") == [early_complaint.pk, late_complaint.pk, report.pk]
    assert tomorrow.pk not in ids(response, "due-callbacks", "callback")
    first = row(response, early_complaint, "callback")
    assert 'class="countdown overdue"' in first and 'name="reached"' in first
    assert 'name="next" value="/callbacks/"' in first
    assert 'class="is-overdue"' in first


def test_a_callback_through_the_page_then_archive(people, org, clock):
    complaint = replied(people, org, clock, at=START - DAY)
    client = page(people.agent)

    response = post(client, complaint, "callback", {
        "reached": "true", "satisfied": "true", "attitude": "good", "quality": "good", "suggestions": "无",
        "next": CALLBACKS,
    })

    assert response.status_code == 302 and response["Location"] == CALLBACKS
    assert state(complaint) == State.CALLED_BACK
    callback = Callback.objects.get(order=complaint)
    assert callback.reached and callback.satisfied and callback.attitude == "good" and callback.agent == people.agent
    after = client.get(CALLBACKS)
    assert complaint.number in text(after)  # in the success message
    assert ids(after, "due-callbacks", "callback") == []

    assert 'id="archive-form"' in text(client.get(f"/orders/{complaint.pk}/"))
    assert post(client, complaint, "archive").status_code == 302
    assert state(complaint) == State.ARCHIVED


def test_an_unsatisfied_complaint_callback_reopens_it(people, org, clock):
    complaint = replied(people, org, clock, at=START - DAY)

    response = post(page(people.agent, english=True), complaint, "callback", {
        "reached": "true", "satisfied": "false", "attitude": "poor", "quality": "fair", "suggestions": "问题未解决",
        "next": CALLBACKS,
    }, follow=True)

    assert response.status_code == 200
    order = WorkOrder.objects.get(pk=complaint.pk)
    assert order.state == State.DISPATCHED and order.reopen_count == 1 and order.department == org.marketing
    assert f"{complaint.number} has been reopened and goes back to 营销部" in text(response)
    assert ids(response, "due-callbacks", "callback") == []
    assert complaint.pk in ids(page(people.marketing).get(QUEUE))


def test_an_unreached_callback_is_an_attempt_and_stays_due(people, org, clock):
    complaint = replied(people, org, clock, at=START - DAY)
    response = post(page(people.agent), complaint, "callback", {"reached": "false", "next": CALLBACKS}, follow=True)
    assert response.status_code == 200
    assert ids(response, "due-callbacks", "callback") == [complaint.pk]
    assert WorkOrder.objects.get(pk=complaint.pk).callback_attempts == 1


def test_a_refused_callback_is_shown_on_the_order_page(people, org, clock):
    complaint = replied(people, org, clock, at=START - DAY)
    response = post(page(people.agent, english=True), complaint, "callback",
                    {"reached": "true", "attitude": "good", "quality": "good", "next": CALLBACKS})
    assert response.status_code == 400
    assert "satisfied (true or false) is required when the customer was reached" in form_html(response, "callback")
    assert state(complaint) == State.REPLIED and not Callback.objects.exists()


def test_a_reached_callback_needs_the_attitude_and_quality_ratings(people, org, clock):
    """seed 000 细则 9: a callback records 服务态度, 服务质量, 满意程度."""
    complaint = replied(people, org, clock, at=START - DAY)
    response = post(page(people.agent, english=True), complaint, "callback",
                    {"reached": "true", "satisfied": "true", "quality": "good", "next": CALLBACKS})
    assert response.status_code == 400
    assert "attitude is required when the customer was reached" in form_html(response, "callback")
    response = post(page(people.agent, english=True), complaint, "callback",
                    {"reached": "true", "satisfied": "true", "attitude": "good", "next": CALLBACKS})
    assert response.status_code == 400
    assert "quality is required when the customer was reached" in form_html(response, "callback")
    assert state(complaint) == State.REPLIED and not Callback.objects.exists()


def test_an_unsafe_next_is_ignored(people, org, clock):
    complaint = replied(people, org, clock, at=START - DAY)
    response = post(page(people.agent), complaint, "callback",
                    {"reached": "true", "satisfied": "true", "attitude": "good", "quality": "good",
                     "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/orders/{complaint.pk}/"


def test_the_pages_read_a_constant_number_of_queries_as_rows_grow(people, org, clock):
    """No N+1: the queue and the callbacks page cost the same with 2 rows as with 6."""

    def cost(url) -> int:
        client = page(people.agent)
        client.get(url)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(2):
        replied(people, org, clock, at=START - DAY)
    small = cost(QUEUE), cost(CALLBACKS)
    for _ in range(4):
        replied(people, org, clock, at=START - DAY)
    assert (cost(QUEUE), cost(CALLBACKS)) == small


def test_the_dispatch_form_reads_the_departments_once_for_both_selects(people, org):
    """The departments (with their members, for the handler's groups) are read once, then kept as reference data
    (tests/tickets/test_order_page_reference.py): the next load reads none; the department select shows those rows
    and still validates against the query."""
    repair = new("repair", people.agent)
    client = page(people.agent)
    client.get(f"/orders/{repair.pk}/")  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/orders/{repair.pk}/")
    assert sum('FROM "tickets_department"' in q["sql"] for q in queries.captured_queries) == 0
    dispatch = form_html(response, "dispatch")
    crews = re.findall(r'<option value="(\d+)"', re.search(r'<select name="department".*?</select>', dispatch,
                                                           re.S).group(0))
    assert sorted(int(pk) for pk in crews) == sorted([org.repair.pk, org.repair2.pk])
    assert 'name="handler"' in dispatch


def test_the_queue_reads_no_column_row_by_row_whatever_the_kind_and_state(people, org, clock):
    """The queue reads only the columns its rows need (``queue_columns``): no row of any kind or state reads a
    deferred column on its own (one query each)."""

    def cost() -> int:
        client = page(people.lead)
        client.get(QUEUE, {"tab": "unit"})
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE, {"tab": "unit"}).status_code == 200
        return len(queries)

    new("repair", people.agent)
    baseline = cost()
    fire(new("repair", people.agent), "dispatch", people.agent, department=org.repair.pk)
    fire(new("consultation", people.agent), "dispatch", people.agent, department=org.marketing.pk)
    fire(new("complaint", people.agent), "forward", people.agent)
    new("report", people.agent)
    new("suggestion", people.agent)
    investigated(people, org)
    replied(people, org, clock, at=START - DAY)
    assert cost() == baseline


def test_the_dispatch_form_refuses_a_department_it_does_not_offer(people, org):
    """A repair goes to a crew, never back to the crew it is with: another department, or one made up, is refused on
    the form (the page again with the error), the order unchanged; a listed crew is accepted."""
    repair = new("repair", people.agent)
    client = page(people.agent)
    for department in (org.marketing.pk, 999_999, "x"):
        response = post(client, repair, "dispatch", {"department": department})
        assert response.status_code in (200, 400) and errors(response), department
        assert state(repair) == "accepted"
    assert post(client, repair, "dispatch", {"department": org.repair.pk}).status_code == 302
    assert state(repair) == "dispatched"
    lead = page(people.lead)
    response = post(lead, repair, "reassign", {"department": org.repair.pk})  # the crew it is with
    assert response.status_code in (200, 400) and errors(response)
    assert WorkOrder.objects.get(pk=repair.pk).department_id == org.repair.pk
    assert post(lead, repair, "reassign", {"department": org.repair2.pk}).status_code == 302
    assert WorkOrder.objects.get(pk=repair.pk).department_id == org.repair2.pk
