"""Forbidden phrases with a context and a severity (design "Service language"):
- "我们已经派了" is refused in a repair's progress answer — what an urging customer is told about the crew (seed 000
  细则 6) — and nowhere else;
- 大概 / 可能 / 也许 in a consultation's answer by its first-question owner (seed 004 七 3.5) only warn: the text is
  kept when the agent confirms, and the confirmation is recorded in the history."""

import re

import pytest
from django.test import Client

from tests.actions import act
from tests.factories import PASSWORD
from tickets.models import ForbiddenPhrase, Kind, Severity, State, WorkOrder, WorkOrderTransition
from tickets.services import work_order_create

ORDERS = "/api/v1/work-orders/"
CHECK = "/api/v1/phrases/check/"


def fire(api, user, order, name, body):
    return api(user).post(f"{ORDERS}{order.pk}/transitions/{name}/", body, format="json")


def new(kind, people, customer, **extra):
    return work_order_create(kind=kind, description="客户来电", caller_number=customer.phone, customer=customer,
                             actor=people.agent, **extra)


def to_state(order, people, org, *names):
    steps = {
        "dispatch": (people.agent, {"department": org.marketing}),
        "reply": (people.marketing, {"answer": "电价按阶梯执行。"}),
        "forward": (people.agent, {}),
    }
    for name in names:
        actor, params = steps[name]
        order = act(order=WorkOrder.objects.get(pk=order.pk), name=name, actor=actor,
                                      params=params)
    return order


def test_the_seeded_phrases_have_their_context_and_severity(db):
    dispatched = ForbiddenPhrase.objects.get(text="我们已经派了")
    assert (dispatched.active, dispatched.severity, dispatched.kind_list, dispatched.text_list) == (
        True, Severity.BLOCK, ["repair"], ["progress"])
    for text in ("大概", "可能", "也许"):
        word = ForbiddenPhrase.objects.get(text=text)
        assert (word.active, word.severity, word.kind_list, sorted(word.text_list)) == (
            True, Severity.WARN, ["consultation"], ["answer", "reply"])


# --- "我们已经派了": a repair's progress answer only -----------------------------------------------------------


def test_we_have_dispatched_is_refused_as_a_repairs_progress_answer(api, people, customer):
    repair = new(Kind.REPAIR, people, customer)
    response = fire(api, people.agent, repair, "urge", {"progress_answer": "您好，我们已经派了，请耐心等待。"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["field"], body["phrases"]) == ("forbidden_phrase", "progress_answer", ["我们已经派了"])
    assert body["spans"] == [[3, 9]]
    assert WorkOrder.objects.get(pk=repair.pk).urge_count == 0
    assert not WorkOrderTransition.objects.filter(order=repair, name="urge").exists()

    told = "抢修人员正在赶往现场的路上，预计20分钟后到达。"
    good = fire(api, people.agent, repair, "urge", {"progress_answer": told})
    assert good.status_code == 200, good.content
    assert good.json()["urge_count"] == 1
    assert good.json()["history"][-1]["data"] == {"progress_answer": told}


def test_we_have_dispatched_is_fine_elsewhere(api, people, org, customer):
    """A complaint's reply may say it (the crew was sent, with the arrival time): the phrase's context is a repair's
    progress answer."""
    complaint = new(Kind.COMPLAINT, people, customer)
    urged = fire(api, people.agent, complaint, "urge", {"progress_answer": "我们已经派了专人跟进，三日内答复您。"})
    assert urged.status_code == 200, urged.content


# --- 大概 / 可能 / 也许: a consultation's answer warns ----------------------------------------------------------


@pytest.mark.parametrize("word", ["大概", "可能", "也许"])
def test_a_vague_answer_on_the_call_needs_the_agents_confirmation(api, people, customer, word):
    consultation = new(Kind.CONSULTATION, people, customer)
    text = f"停电{word}明天恢复。"
    refused = fire(api, people.agent, consultation, "answer_on_call", {"answer": text})
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert (body["code"], body["field"], body["phrases"], body["spans"]) == (
        "phrase_needs_confirmation", "answer", [word], [[2, 4]])
    assert WorkOrder.objects.get(pk=consultation.pk).state == State.ACCEPTED

    kept = fire(api, people.agent, consultation, "answer_on_call", {"answer": text, "confirm_phrases": True})
    assert kept.status_code == 200, kept.content
    assert kept.json()["state"] == State.ARCHIVED and kept.json()["answer"] == text
    assert kept.json()["history"][-1]["data"] == {"confirmed_phrases": [word]}  # who and when: the history row
    assert kept.json()["history"][-1]["actor"] == "agent"


def test_creating_a_consultation_answered_on_the_call_warns_too(api, people, customer):
    body = {"kind": "consultation", "description": "问停电", "caller_number": customer.phone,
            "answer": "可能是线路检修。"}
    refused = api(people.agent).post(ORDERS, body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "phrase_needs_confirmation"
    assert not WorkOrder.objects.exists()  # nothing half-made
    created = api(people.agent).post(ORDERS, {**body, "confirm_phrases": True}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["state"] == State.ARCHIVED
    assert created.json()["history"][-1]["data"] == {"confirmed_phrases": ["可能"]}


def test_telling_the_customer_the_departments_answer_warns(api, people, org, customer):
    consultation = to_state(new(Kind.CONSULTATION, people, customer), people, org, "dispatch", "reply")
    refused = fire(api, people.agent, consultation, "inform", {"reply_text": "也许下月调整。"})
    assert refused.status_code == 400 and refused.json()["code"] == "phrase_needs_confirmation"
    kept = fire(api, people.agent, consultation, "inform", {"reply_text": "也许下月调整。", "confirm_phrases": True})
    assert kept.status_code == 200 and kept.json()["state"] == State.INFORMED


def test_vague_words_are_fine_outside_a_consultations_answer(api, people, org, customer):
    """seed 000 用语 11 itself says 稍后可能没有声音; a complaint's reply or a note may say 可能."""
    complaint = new(Kind.COMPLAINT, people, customer)
    assert fire(api, people.agent, complaint, "escalate", {"note": "客户可能再次来电"}).status_code == 200
    consultation = to_state(new(Kind.CONSULTATION, people, customer), people, org, "dispatch")
    # The department's answer to the agent is not said to the customer.
    assert fire(api, people.marketing, consultation, "reply", {"answer": "大概下周。"}).status_code == 200


def test_a_confirmation_does_not_let_a_blocking_phrase_through(api, people, customer):
    consultation = new(Kind.CONSULTATION, people, customer)
    response = fire(api, people.agent, consultation, "answer_on_call",
                    {"answer": "大概明天，不知道。", "confirm_phrases": True})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["phrases"]) == ("forbidden_phrase", ["不知道"])


# --- the live check ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "found"), [
    ({"text": "我们已经派了", "kind": "repair", "context": "progress"}, [("我们已经派了", "block")]),
    ({"text": "我们已经派了", "kind": "complaint", "context": "reply"}, []),
    ({"text": "我们已经派了"}, []),  # no context given: only the phrases forbidden everywhere
    ({"text": "大概不知道", "kind": "consultation", "context": "answer"}, [("大概", "warn"), ("不知道", "block")]),
    ({"text": "大概不知道", "kind": "complaint", "context": "reply"}, [("不知道", "block")]),
])
def test_the_live_check_knows_the_context(api, people, body, found):
    response = api(people.agent).post(CHECK, body, format="json")
    assert response.status_code == 200, response.content
    assert [(m["phrase"], m["severity"]) for m in response.json()["matches"]] == found
    assert response.json()["ok"] is (not found)


def test_the_live_check_refuses_an_unknown_context(api, people):
    assert api(people.agent).post(CHECK, {"text": "x", "kind": "ticket"}, format="json").status_code == 400
    assert api(people.agent).post(CHECK, {"text": "x", "context": "email"}, format="json").status_code == 400


# --- the pages -------------------------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_order_page_asks_to_confirm_a_vague_answer_and_records_it(people, org, customer):
    consultation = to_state(new(Kind.CONSULTATION, people, customer), people, org, "dispatch", "reply")
    client = signed_in(people.agent)
    url = f"/orders/{consultation.pk}/transitions/inform/"
    page = client.get(f"/orders/{consultation.pk}/").content.decode()
    assert re.search(r'data-phrase-context="reply"', page) and 'data-phrase-kind="consultation"' in page
    refused = client.post(url, {"reply_text": "大概下月调整。"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "needs-confirmation" in html and 'name="confirm_phrases"' in html and "大概" in html
    assert WorkOrder.objects.get(pk=consultation.pk).state == State.REPLIED

    kept = client.post(url, {"reply_text": "大概下月调整。", "confirm_phrases": "on"})
    assert kept.status_code == 302
    entry = WorkOrderTransition.objects.filter(order=consultation, name="inform").get()
    assert (entry.actor, entry.data["confirmed_phrases"]) == (people.agent, ["大概"])


def test_the_order_page_refuses_we_have_dispatched_when_urged(people, customer):
    repair = new(Kind.REPAIR, people, customer)
    client = signed_in(people.agent)
    refused = client.post(f"/orders/{repair.pk}/transitions/urge/", {"progress_answer": "我们已经派了"})
    assert refused.status_code == 400
    assert "我们已经派了" in refused.content.decode()
    assert WorkOrder.objects.get(pk=repair.pk).urge_count == 0


def test_the_console_asks_to_confirm_a_vague_answer_on_the_call(people, customer):
    client = signed_in(people.agent)
    data = {"caller_number": customer.phone, "classification": "consultation", "description": "问电价",
            "answer": "也许下月调整。"}
    refused = client.post("/console/", data)
    assert refused.status_code == 400
    assert 'class="field field-confirm_phrases shown"' in refused.content.decode()
    assert not WorkOrder.objects.exists()
    created = client.post("/console/", {**data, "confirm_phrases": "on"})
    assert created.status_code == 302
    order = WorkOrder.objects.get()
    assert order.state == State.ARCHIVED
    assert order.history.get(name="answer_on_call").data == {"confirmed_phrases": ["也许"]}
