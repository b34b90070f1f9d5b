"""Search 工单查询 (issue 18, item 1): every order the user may see, in any state, by any part of its number, its
phones (whole only for the roles that see them whole), its customer, its words and replies — Chinese by any
substring of 2 characters; ranked, exact matches first; bad queries a clear 400, never a 500; the same number of
queries for 1 result as for 20. Over the API (``/api/v1/work-orders/?q=``) and on the page (``/orders/search/``)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.actions import act
from tests.clients import page
from tickets.models import State, WorkOrder
from tickets.services import customer_update, work_order_create

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

API, PAGE = "/api/v1/work-orders/", "/orders/search/"


def create(agent, description, *, phone="13900000009", kind="repair", **extra) -> WorkOrder:
    return work_order_create(kind=kind, description=description, caller_number=phone, actor=agent, **extra)


def found(api, user, query, **params) -> list[str]:
    response = api(user).get(API, {"q": query, **params})
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]



def listed(response) -> list[int]:
    body = re.search(r'<table id="results">(.*?)</table>', response.content.decode(), re.S).group(1)
    return [int(pk) for pk in re.findall(r'<tr id="order-(\d+)"', body)]


@pytest.fixture
def orders(people):
    """An archived consultation about an outage in building 3, an open repair elsewhere, a cancelled complaint."""
    archived = create(people.agent, "3栋停电，询问何时恢复供电", kind="consultation", phone="13812340001",
                      answer="已告知预计恢复时间")
    repair = create(people.agent, "路灯不亮", phone="13812345678", address="示范市中山路8号")
    complaint = create(people.agent, "营业厅排队时间太长", kind="complaint", phone="13700000002")
    complaint = act(order=complaint, name="cancel", actor=people.lead, params={"reason": "重复"})
    return archived, repair, complaint


def test_an_archived_order_is_found_by_a_two_character_term_and_an_unrelated_one_is_not(api, people, orders):
    archived, repair, complaint = orders
    assert archived.state == State.ARCHIVED
    assert found(api, people.agent, "停电") == [archived.number]
    assert found(api, people.agent, "3栋") == [archived.number]
    assert found(api, people.agent, "恢复时间") == [archived.number]  # the answer (a reply) is searched too
    assert found(api, people.agent, "排队") == [complaint.number]  # a cancelled order too
    assert found(api, people.agent, "地震") == []  # a term no order holds


def test_every_term_must_match_and_full_width_digits_are_the_same(api, people, orders):
    archived, *_ = orders
    assert found(api, people.agent, "３栋 停电") == [archived.number]
    assert found(api, people.agent, "3栋 路灯") == []


def test_any_part_of_the_number_and_an_exact_number_first(api, people, orders):
    archived, repair, complaint = orders
    assert found(api, people.agent, repair.number[1:]) == [repair.number]
    assert found(api, people.agent, repair.number.lower()) == [repair.number]
    same_day = found(api, people.agent, repair.number[2:10])  # the date in the middle: all three, newest first
    assert same_day == [complaint.number, repair.number, archived.number]


def test_a_masked_role_cannot_find_a_customer_by_the_hidden_digits(api, people, orders):
    _archived, repair, _complaint = orders  # caller 13812345678: a manager sees 138****5678
    assert found(api, people.agent, "1234567") == [repair.number]  # the front office sees numbers whole
    assert found(api, people.agent, "13812345678") == [repair.number]
    assert found(api, people.manager, "1234567") == []
    assert found(api, people.manager, "13812345678") == []
    assert found(api, people.manager, "5678") == [repair.number]  # the digits a manager does see
    assert found(api, people.manager, "138") != []


def test_a_department_handler_finds_only_the_orders_they_may_see(api, people, org, orders):
    _archived, repair, _complaint = orders
    assert found(api, people.repair, "路灯") == []
    act(order=repair, name="dispatch", actor=people.agent, params={"department": org.repair})
    assert found(api, people.repair, "路灯") == [repair.number]
    assert found(api, people.marketing, "路灯") == []


def test_exact_matches_come_first_then_newest(api, people, customer):
    older = create(people.agent, "电费咨询 13900000001", phone="13600000000", kind="consultation")
    exact = create(people.agent, "电表故障", customer=customer, phone="13900000001")
    newer = create(people.agent, "又问 13900000001 的电费", phone="13600000000", kind="consultation")
    assert found(api, people.agent, "13900000001") == [exact.number, newer.number, older.number]


def test_the_customer_name_account_and_address_are_searched_and_kept_up_to_date(api, people, customer):
    order = create(people.agent, "电表故障", customer=customer)
    assert found(api, people.agent, "张三") == [order.number]
    assert found(api, people.agent, "acc-1") == [order.number]
    assert found(api, people.agent, "中山路") == [order.number]
    customer_update(customer=customer, changes={"name": "张三丰", "address": "示范市解放路2号"})
    assert found(api, people.agent, "三丰") == [order.number]
    assert found(api, people.agent, "解放路") == [order.number]
    assert found(api, people.agent, "中山路") == [order.number]  # the order keeps the address it was taken with


def test_a_reply_written_later_is_found(api, people, org):
    order = create(people.agent, "投诉抄表员", kind="complaint")
    order = act(order=order, name="forward", actor=people.agent)
    order = act(order=order, name="dispatch", actor=people.supervision, params={"department": org.marketing.pk})
    assert found(api, people.agent, "抄表数据") == []
    act(order=order, name="investigate", actor=people.marketing,
        params={"valid": False, "note": "经核实抄表数据无误"})
    assert found(api, people.agent, "抄表数据") == [order.number]


@pytest.mark.parametrize("query", ["", " ", "停", "a", "x" * 10_000, "\x00", "\u200b\u200b", "％", "ع ر"])
def test_bad_queries_are_a_clear_400_never_a_500(api, people, orders, query):
    response = api(people.agent).get(API, {"q": query})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "q"


@pytest.mark.parametrize("query", ["😀😀", "停电' OR 1=1 --", "%_%", "\\\\", "ＡＢＣ", "عربي", "停电\u202e", "停电 '",
                                   "电%"])
def test_odd_unicode_and_wildcards_match_literally(api, people, orders, query):
    response = api(people.agent).get(API, {"q": query})
    assert response.status_code == 200, response.content
    numbers = [row["number"] for row in response.json()["results"]]
    assert numbers == ([orders[0].number] if query in ("停电\u202e", "停电 '") else [])


def test_the_same_number_of_queries_for_one_result_and_for_twenty(api, people):
    create(people.agent, "第1个 小区停电")
    client = api(people.agent)
    with CaptureQueriesContext(connection) as one:
        assert client.get(API, {"q": "停电"}).json()["count"] == 1
    for i in range(19):
        create(people.agent, f"第{i + 2}个 小区停电", phone=f"1390000{i:04d}")
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(API, {"q": "停电"}).json()["count"] == 20
    assert len(one) == len(twenty)
    pages = page(people.agent)
    pages.get(PAGE, {"q": "停电"})  # warm the session and the cached reference data
    with CaptureQueriesContext(connection) as page_one:
        assert pages.get(PAGE, {"q": "停电"}).status_code == 200
    create(people.agent, "第21个 小区停电")
    with CaptureQueriesContext(connection) as page_more:
        assert pages.get(PAGE, {"q": "停电"}).status_code == 200
    assert len(page_one) == len(page_more)


# --- the page --------------------------------------------------------------------------------------------------


def test_the_search_page_lists_highlights_and_filters(people, orders):
    archived, repair, complaint = orders
    response = page(people.agent).get(PAGE, {"q": "停电", "kind": "", "state": ""})
    assert response.status_code == 200
    assert listed(response) == [archived.pk]
    assert "<mark>停电</mark>" in response.content.decode()
    assert listed(page(people.agent).get(PAGE, {"q": "停电", "kind": "repair"})) == []
    assert listed(page(people.agent).get(PAGE, {"q": "停电", "state": "archived"})) == [archived.pk]


def test_the_search_page_explains_a_short_query(people, orders):
    response = page(people.agent).get(PAGE, {"q": "停"})
    assert response.status_code == 400
    assert 'id="search-error"' in response.content.decode()
    empty = page(people.agent).get(PAGE)
    assert empty.status_code == 200 and 'id="search-hint"' in empty.content.decode()


def test_every_page_has_the_search_box(people):
    body = page(people.agent).get("/queue/").content.decode()
    assert 'id="site-search-q"' in body and 'action="/orders/search/"' in body
    assert 'id="site-search-q"' in page(people.manager).get("/").content.decode()


def test_the_page_escapes_what_it_highlights(people):
    order = create(people.agent, "<script>alert(1)</script> 停电")
    body = page(people.agent).get(PAGE, {"q": "停电"}).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert listed(page(people.agent).get(PAGE, {"q": "<script>"})) == [order.pk]


def test_a_role_without_orders_gets_403(people):
    assert page(people.telephony).get(PAGE, {"q": "停电"}).status_code == 403


def test_a_customer_change_through_the_api_reindexes(api, people, customer):
    order = create(people.agent, "电表故障", customer=customer)
    response = api(people.agent).patch(f"/api/v1/customers/{customer.pk}/", {"name": "李四光"}, format="json")
    assert response.status_code == 200, response.content
    assert found(api, people.agent, "四光") == [order.number]
    CustomerFactory(name="李四光二")  # no order: not a result
    assert found(api, people.agent, "四光") == [order.number]
