"""Repeat calls 重复来电 (issue 18, item 3): when the console shows a caller, it lists their open orders and the open
orders of the last 24 hours at the same address or in the same building (of the same kind once the call is
classified); "Record as an urge" (Alt+R) records the call as an urge 催办 on the chosen order instead of a new one —
the urge count, the history row and the call link as an urge has them. A new order anyway stays possible; the API's
create answer lists the same candidates (``possible_duplicates``)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from tests.clients import page
from tickets.addresses import building_of
from tickets.models import Call, WorkOrder
from tickets.selectors.console import REPEAT_ROWS, repeat_candidates
from tickets.services import call_log, work_order_create

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

CONSOLE, FILE = "/console/", "/console/customer/"



def candidates(response) -> list[int]:
    section = re.search(r'<section class="repeat-orders".*?</section>', response.content.decode(), re.S)
    return [int(pk) for pk in re.findall(r'name="urge" value="(\d+)"', section.group(0))] if section else []


@pytest.mark.parametrize(("address", "building"), [
    ("示范市中山路1号3栋2单元501", "示范市中山路1号3栋"),
    ("示范市中山路1号３栋501室", "示范市中山路1号３栋"),
    ("幸福小区5号楼302", "幸福小区5号楼"),
    ("示范市中山路1号", "示范市中山路1号"),
    ("3栋", ""), ("", ""), ("停电了", ""),
])
def test_the_building_of_an_address(address, building):
    assert building_of(address) == building


@pytest.fixture
def neighbourhood(people, customer):
    """张三 (示范市中山路1号) has an open repair; a neighbour in the same building reported one an hour ago, another
    two days ago; one in another building; a closed one of 张三's."""
    mine = work_order_create(kind="repair", description="家里停电", caller_number=customer.phone, customer=customer,
                             actor=people.agent2)
    neighbour_customer = CustomerFactory(phone="13900000077", address="示范市中山路1号3栋101")
    neighbour = work_order_create(kind="repair", description="楼道停电", caller_number="13900000077",
                                  customer=neighbour_customer, actor=people.agent2)
    complaint_next_door = work_order_create(kind="complaint", description="抢修太慢", caller_number="13900000077",
                                            customer=neighbour_customer, actor=people.agent2)
    old = work_order_create(kind="repair", description="前天停电", caller_number="13900000078",
                            address="示范市中山路1号3栋202", actor=people.agent2)
    WorkOrder.objects.filter(pk=old.pk).update(accepted_at=old.accepted_at - dt.timedelta(days=2))
    elsewhere = work_order_create(kind="repair", description="停电", caller_number="13900000079",
                                  address="示范市解放路9号", actor=people.agent2)
    closed = work_order_create(kind="consultation", description="电价", caller_number=customer.phone,
                               customer=customer, actor=people.agent2, answer="按阶梯电价")
    return mine, neighbour, complaint_next_door, old, elsewhere, closed


def test_the_console_lists_the_callers_open_orders_and_the_buildings(people, customer, neighbourhood):
    mine, neighbour, complaint_next_door, old, elsewhere, closed = neighbourhood
    customer.address = "示范市中山路1号3栋502"
    customer.save()
    response = page(people.agent).get(FILE, {"phone": customer.phone})
    assert response.status_code == 200
    assert candidates(response) == [mine.pk, complaint_next_door.pk, neighbour.pk]
    assert 'aria-keyshortcuts="Alt+R"' in response.content.decode()
    # once the call is a repair, the neighbours' other kinds drop out
    assert candidates(page(people.agent).get(FILE, {"phone": customer.phone, "kind": "repair"})) == [
        mine.pk, neighbour.pk]
    assert candidates(page(people.agent).get(CONSOLE, {"phone": customer.phone})) == [
        mine.pk, complaint_next_door.pk, neighbour.pk]


def test_an_unknown_caller_has_no_candidates_and_the_file_says_so(people, neighbourhood):
    response = page(people.agent).get(FILE, {"phone": "13600000000"})
    assert response.status_code == 200 and candidates(response) == []


def test_record_a_typed_in_call_as_an_urge(people, customer, neighbourhood):
    mine, *_ = neighbourhood
    calls = Call.objects.count()
    response = page(people.agent).post(CONSOLE, {"action": "urge", "urge": mine.pk, "caller_number": customer.phone,
                                                 "description": "第二次来电催修"})
    assert response.status_code == 302, response.content.decode()[:2000]
    mine.refresh_from_db()
    assert mine.urge_count == 1 and WorkOrder.objects.count() == 6  # no new order
    urge = mine.history.get(name="urge")
    assert urge.actor == people.agent and urge.note == "第二次来电催修"
    assert Call.objects.count() == calls + 1 and urge.call == Call.objects.latest("pk")
    assert urge.call.agent == people.agent and urge.call.caller_number == customer.phone
    followed = page(people.agent).get(response["Location"])
    assert "催办" in followed.content.decode() or "urge" in followed.content.decode()


def test_record_the_telephony_systems_call_as_an_urge(people, customer, neighbourhood):
    mine, *_ = neighbourhood
    now = timezone.now()
    call = call_log(caller_number=customer.phone, ring_started_at=now - dt.timedelta(seconds=5), answered_at=now,
                    ended_at=None, agent=people.agent, logged_by=people.telephony)
    response = page(people.agent).post(CONSOLE, {"action": "urge", "urge": mine.pk, "call": call.pk,
                                                 "caller_number": customer.phone})
    assert response.status_code == 302
    assert mine.history.get(name="urge").call == call
    assert Call.objects.filter(caller_number=customer.phone).count() == 1


@pytest.mark.parametrize("form", [
    {"action": "urge", "caller_number": "13900000001"},  # no order chosen
    {"action": "urge", "urge": "abc", "caller_number": "13900000001"},
    {"action": "urge", "urge": "99999999999999999999", "caller_number": "13900000001"},
    {"action": "urge", "urge": "1", "caller_number": "not a phone"},
])
def test_a_bad_urge_is_refused_and_nothing_is_written(people, customer, neighbourhood, form):
    calls = Call.objects.count()
    response = page(people.agent).post(CONSOLE, form)
    assert response.status_code == 400
    assert Call.objects.count() == calls and not WorkOrder.objects.filter(urge_count__gt=0).exists()


def test_urging_a_closed_order_is_a_409_and_nothing_is_written(people, customer, neighbourhood):
    *_, closed = neighbourhood
    calls = Call.objects.count()
    response = page(people.agent).post(CONSOLE, {"action": "urge", "urge": closed.pk,
                                                 "caller_number": customer.phone})
    assert response.status_code == 409
    assert Call.objects.count() == calls


def test_a_new_order_anyway_is_still_accepted(people, customer, neighbourhood):
    response = page(people.agent).post(CONSOLE, {"action": "save", "classification": "repair",
                                                 "caller_number": customer.phone, "description": "又停电了"})
    assert response.status_code == 302
    assert WorkOrder.objects.count() == 7


def test_the_api_answers_the_possible_duplicates(api, people, customer, neighbourhood):
    mine, neighbour, complaint_next_door, *_ = neighbourhood
    response = api(people.agent).post("/api/v1/work-orders/", {
        "kind": "repair", "description": "还是停电", "caller_number": "13900000088",
        "address": "示范市中山路1号3栋601"}, format="json")
    assert response.status_code == 201
    duplicates = response.json()["possible_duplicates"]
    assert [(d["id"], d["reason"]) for d in duplicates] == [(neighbour.pk, "building")]
    assert set(duplicates[0]) == {"id", "number", "kind", "state", "accepted_at", "address", "reason"}
    again = api(people.agent).post("/api/v1/work-orders/", {
        "kind": "complaint", "description": "投诉", "caller_number": customer.phone}, format="json").json()
    # 张三's own open order, and the complaint in a building at his address (示范市中山路1号 names no building: the
    # street number's orders are its buildings')
    assert [(d["id"], d["reason"]) for d in again["possible_duplicates"]] == [(mine.pk, "caller"),
                                                                               (complaint_next_door.pk, "building")]
    # urging the candidate over the API is the existing transition
    urged = api(people.agent).post(f"/api/v1/work-orders/{mine.pk}/transitions/urge/", {}, format="json")
    assert urged.status_code == 200 and urged.json()["urge_count"] == 1


def test_an_address_with_like_wildcards_matches_only_itself(people):
    """The building is compared as a prefix: its own "_" or "%" is a character, not a wildcard."""
    odd = work_order_create(kind="repair", description="停电", caller_number="13900000091",
                            address="示范市中山路1_号3栋101", actor=people.agent2)
    lookalike = work_order_create(kind="repair", description="停电", caller_number="13900000092",
                                  address="示范市中山路12号3栋101", actor=people.agent2)
    percent = work_order_create(kind="repair", description="停电", caller_number="13900000093",
                                address="示范市中山路1%号3栋101", actor=people.agent2)
    found = repeat_candidates(address="示范市中山路1_号3栋502", kind="repair")
    assert [(c.order.pk, c.reason) for c in found] == [(odd.pk, "building")]
    assert lookalike.pk not in [c.order.pk for c in repeat_candidates(address="示范市中山路1%号3栋9", kind="repair")]
    assert [c.order.pk for c in repeat_candidates(address="示范市中山路1%号3栋9", kind="repair")] == [percent.pk]


def test_the_callers_orders_come_first_and_at_most_ten_are_listed(people, customer):
    for i in range(12):
        work_order_create(kind="repair", description=f"邻居{i}", caller_number=f"139000001{i:02d}",
                          address="示范市中山路1号3栋101", actor=people.agent2)
    own = work_order_create(kind="consultation", description="电费", caller_number=customer.phone,
                            customer=customer, actor=people.agent2)
    found = repeat_candidates(customer=customer, phone=customer.phone, address="示范市中山路1号3栋502")
    assert len(found) == REPEAT_ROWS and (found[0].order.pk, found[0].reason) == (own.pk, "caller")
    assert {c.reason for c in found[1:]} == {"building"}
    neighbours = [c.order.accepted_at for c in found[1:]]
    assert neighbours == sorted(neighbours, reverse=True)
    assert found[0].order.description == "电费" and found[1].order.number  # the columns shown are read
    # The time as stored, aware (UTC on SQLite as on PostgreSQL): the page shows it in Asia/Shanghai, the API with
    # its +08:00 offset — a naive one would be shown 8 hours early.
    assert found[0].order.accepted_at.tzinfo is not None and found[0].order.accepted_at == own.accepted_at


def test_a_caller_with_many_open_orders_gets_their_ten_newest_once_each(people, customer):
    """A property manager calls about many buildings: their ten newest open orders, newest first, each once although
    it matches their customer record, their number and their address."""
    customer.address = "示范市中山路1号3栋502"
    customer.save()
    own = [work_order_create(kind="repair", description=f"第{i}处停电", caller_number=customer.phone,
                             customer=customer, actor=people.agent2) for i in range(14)]
    found = repeat_candidates(customer=customer, phone=customer.phone, address=customer.address, kind="repair")
    assert [(c.order.pk, c.reason) for c in found] == [(order.pk, "caller") for order in reversed(own[-10:])]


def test_an_address_naming_no_building_matches_only_itself(people):
    """Without a building (no 栋, 号, 号楼 …) only the same address is a neighbour, not one it begins."""
    same = work_order_create(kind="repair", description="停电", caller_number="13900000094", address="示范市东湖公园",
                             actor=people.agent2)
    work_order_create(kind="repair", description="停电", caller_number="13900000095", address="示范市东湖公园北门",
                      actor=people.agent2)
    work_order_create(kind="repair", description="停电", caller_number="13900000096", address="示范市东湖",
                      actor=people.agent2)
    assert [(c.order.pk, c.reason) for c in repeat_candidates(address="示范市东湖公园", kind="repair")] == [
        (same.pk, "address")]


@pytest.mark.postgres
def test_postgresql_plans_the_candidates_once_per_connection(people, customer):
    """Every create asks for the candidates: PostgreSQL plans their statement once per connection (planning it cost
    more than running it) and uses that plan for every caller, address and kind."""
    work_order_create(kind="repair", description="停电", caller_number="13900000097", address="示范市中山路1号3栋101",
                      actor=people.agent2)
    for kind, address in (("repair", "示范市中山路1号3栋502"), ("complaint", ""), ("", "示范市东湖公园")):
        repeat_candidates(customer=customer, phone=customer.phone, address=address, kind=kind)
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                       ["tickets_repeat_candidates"])
        [(generic, custom)] = cursor.fetchall()  # counted since the connection opened (earlier tests' too)
    assert generic >= 3 and custom == 0
