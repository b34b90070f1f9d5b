"""Creating a work order over the API: three fields are enough (design "Interfaces").

The customer is found by phone or account number, or created; the creating user becomes the
first-question owner 首问负责人; only the front office accepts orders.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import PASSWORD, CustomerFactory
from tickets.models import Call, Customer, WorkOrder, WorkOrderTransition

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/work-orders/"
PREFIX = {"repair": "GZ", "consultation": "ZX", "complaint": "TS", "report": "JB", "suggestion": "JY"}
DEADLINE_KEYS = {"first_contact_due_at", "reply_due_at", "arrival_due_at", "restore_due_at", "callback_due_at"}


def create(client, **body):
    return client.post(URL, body, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(PREFIX))
def test_three_fields_create_an_accepted_order_owned_by_the_creator(api, people, customer, kind):
    # 23:30 UTC is 07:30 the next day in Shanghai: the number carries the local date.
    with time_machine.travel(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC), tick=False):
        response = create(api(people.agent), kind=kind, description="客户来电", caller_number="13900000001")

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["kind"] == kind
    assert order["state"] == "accepted"
    assert order["owner"] == "agent"
    assert re.fullmatch(rf"{PREFIX[kind]}20260311\d{{7}}", order["number"]), order["number"]
    assert dt.datetime.fromisoformat(order["accepted_at"]) == dt.datetime(2026, 3, 11, 7, 30, tzinfo=SHANGHAI)
    assert set(order["deadlines"]) == DEADLINE_KEYS
    assert isinstance(order["available_transitions"], list) and order["available_transitions"]
    assert {"urge", "escalate"} <= set(order["available_transitions"])
    assert order["customer"] == customer.pk
    assert [h["name"] for h in order["history"]] == ["create"]
    stored = WorkOrder.objects.get(pk=order["id"])
    assert stored.owner == people.agent and stored.number == order["number"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["13900000001", "139 0000 0001", "139-0000-0001", "(139) 0000.0001",
                                   "１３９ ０００ ０００ ０１"])
def test_the_caller_is_found_by_phone_however_it_is_typed(api, people, customer, typed):
    before = Customer.objects.count()

    response = create(api(people.agent), kind="repair", description="停电", caller_number=typed)

    assert response.status_code == 201, response.content
    assert response.json()["customer"] == customer.pk
    assert response.json()["customer_name"] == "张三"
    assert response.json()["caller_number"] == "13900000001"
    assert Customer.objects.count() == before


@pytest.mark.django_db
def test_an_unknown_caller_gets_one_new_customer_record_reused_by_the_next_order(api, people, customer):
    agent = api(people.agent)
    before = Customer.objects.count()

    first = create(agent, kind="consultation", description="电价咨询", caller_number="137-1234-5678",
                   area_type="rural")
    assert first.status_code == 201, first.content
    assert Customer.objects.count() == before + 1
    new = Customer.objects.get(pk=first.json()["customer"])
    assert new.phone == "13712345678"
    assert new.area_type == "rural"
    assert new.unit == people.agent.unit

    second = create(api(people.agent2), kind="complaint", description="又停电了", caller_number="13712345678")
    assert second.status_code == 201, second.content
    assert second.json()["customer"] == new.pk
    assert Customer.objects.count() == before + 1


@pytest.mark.django_db
def test_an_account_number_selects_its_customer_whatever_the_phone(api, people, customer):
    other = CustomerFactory(phone="13800000002", account_number="ACC-2", name="李四")

    response = create(api(people.agent), kind="repair", description="停电", caller_number="13900000001",
                      account_number="ACC-2")

    assert response.status_code == 201, response.content
    assert response.json()["customer"] == other.pk
    assert response.json()["caller_number"] == "13900000001"  # who called, not who the customer is


@pytest.mark.django_db
def test_an_unknown_account_number_is_refused_and_creates_nothing(api, people, customer):
    before = (WorkOrder.objects.count(), Customer.objects.count())

    response = create(api(people.agent), kind="repair", description="停电", caller_number="13700000000",
                      account_number="NO-SUCH")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unknown_account"
    assert (WorkOrder.objects.count(), Customer.objects.count()) == before


@pytest.mark.django_db
def test_optional_fields_are_honoured(api, people, customer):
    other = CustomerFactory(phone="13800000003", area_type="urban", address="旧地址")
    call = Call.objects.create(caller_number="13900000001", ring_started_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                               ring_seconds=3, outcome="answered", agent=people.agent)

    response = create(api(people.agent), kind="repair", description="变压器冒烟", caller_number="13900000001",
                      customer=other.pk, call=call.pk, area_type="remote", title="变压器故障",
                      address="示范县山口村")

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["customer"] == other.pk
    assert order["call"] == call.pk
    assert order["area_type"] == "remote"
    assert order["title"] == "变压器故障"
    assert order["address"] == "示范县山口村"
    listed = api(people.agent).get(f"/api/v1/calls/{call.pk}/").json()
    assert listed["orders"] == [order["id"]]


@pytest.mark.django_db
def test_without_optional_fields_the_customer_file_fills_area_and_address(api, people):
    CustomerFactory(phone="13800000004", area_type="rural", address="示范县李庄")

    order = create(api(people.agent), kind="repair", description="停电", caller_number="13800000004").json()

    assert order["area_type"] == "rural"
    assert order["address"] == "示范县李庄"


@pytest.mark.django_db
def test_a_consultation_answered_on_the_call_is_archived_at_once(api, people, customer):
    response = create(api(people.agent), kind="consultation", description="峰谷电价怎么算",
                      caller_number="13900000001", answer="峰时8:00-22:00，谷时22:00-次日8:00。")

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["state"] == "archived"
    assert order["answer"] == "峰时8:00-22:00，谷时22:00-次日8:00。"
    assert order["archived_at"] is not None
    assert order["callback_required"] is False
    assert order["deadlines"]["callback_due_at"] is None
    assert order["available_transitions"] == []
    assert [h["name"] for h in order["history"]] == ["create", "answer_on_call"]


@pytest.mark.django_db
def test_only_a_consultation_takes_an_answer_on_the_call(api, people, customer):
    before = WorkOrder.objects.count()

    response = create(api(people.agent), kind="complaint", description="态度差", caller_number="13900000001",
                      answer="已答复")

    assert response.status_code == 400, response.content
    assert WorkOrder.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "repair", "marketing", "supervision"])
def test_managers_and_department_handlers_may_not_create(api, people, customer, who):
    before = (WorkOrder.objects.count(), Customer.objects.count())

    response = create(api(getattr(people, who)), kind="complaint", description="x", caller_number="13700000001")

    assert response.status_code == 403, response.content
    assert "detail" in response.json()
    assert (WorkOrder.objects.count(), Customer.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["lead", "supervisor"])
def test_shift_leads_and_supervisors_may_create(api, people, customer, who):
    response = create(api(getattr(people, who)), kind="complaint", description="x", caller_number="13900000001")

    assert response.status_code == 201, response.content
    assert response.json()["owner"] == who


@pytest.mark.django_db
def test_anonymous_may_not_create_or_list(api, people, customer):
    assert create(api(), kind="complaint", description="x", caller_number="13900000001").status_code in (401, 403)
    assert api().get(URL).status_code in (401, 403)
    assert WorkOrder.objects.count() == 0


@pytest.mark.django_db
def test_token_auth_round_trip(people, customer):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert token
    again = client.post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")
    assert again.json()["token"] != token  # a token per sign-in (a desk, a phone), each expiring; both work
    assert APIClient(HTTP_AUTHORIZATION=f"Token {again.json()['token']}").get(URL).status_code == 200

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = create(client, kind="complaint", description="态度差", caller_number="13900000001")
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == "agent"
    assert client.get(URL).json()["count"] == 1
    assert WorkOrderTransition.objects.get(order_id=created.json()["id"]).actor == people.agent


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    {"username": "agent", "password": "wrong"},
    {"username": "nobody", "password": PASSWORD},
    {"username": "agent"},
    {"password": PASSWORD},
    {},
])
def test_token_refused_for_wrong_credentials(people, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")

    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "token" not in response.json()


@pytest.mark.django_db
def test_a_bad_token_is_refused(people, customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = create(client, kind="complaint", description="x", caller_number="13900000001")

    assert response.status_code == 401, response.content
    assert WorkOrder.objects.count() == 0


@pytest.mark.django_db
def test_an_inactive_user_gets_no_token(people):
    people.agent.is_active = False
    people.agent.save()

    response = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")

    assert 400 <= response.status_code < 500
