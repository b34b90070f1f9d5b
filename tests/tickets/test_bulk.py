"""Bulk actions 批量操作 (issue 18, item 6): dispatch, urge, reassign, add a note, cancel as duplicate — on the ticked
orders of the queue or the search results, and over the API. Each order goes through the same service and
permission check as on its own, in its own transaction: the refused are reported with the reason and left
untouched, the rest applied."""

import pytest

from tests.actions import act
from tests.clients import page
from tickets.models import State, WorkOrder
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db

API, PAGE = "/api/v1/work-orders/bulk/", "/orders/bulk/"



def new(people, kind="repair", n=0) -> WorkOrder:
    return work_order_create(kind=kind, description=f"第{n}户停电", caller_number=f"1390000{n:04d}",
                             actor=people.agent)


def snapshot(order: WorkOrder) -> tuple:
    row = WorkOrder.objects.filter(pk=order.pk).values().get()
    return row, order.history.count()


def test_bulk_dispatch_reports_the_refused_one_and_applies_the_rest(api, people, org):
    repairs = [new(people, n=n) for n in range(3)]
    complaint = new(people, "complaint", n=9)  # dispatched by the supervision office, not from the front office
    before = snapshot(complaint)
    response = api(people.agent).post(API, {"orders": [o.pk for o in [*repairs, complaint]], "action": "dispatch",
                                            "department": org.repair.pk, "note": "批量派单"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["refused"]) == (3, 1)
    refused = next(r for r in body["results"] if not r["done"])
    assert (refused["id"], refused["status"], refused["code"]) == (complaint.pk, 409, "transition_not_allowed")
    assert snapshot(complaint) == before  # untouched
    for order in repairs:
        order.refresh_from_db()
        assert (order.state, order.department) == (State.DISPATCHED, org.repair)
        assert order.history.get(name="dispatch").note == "批量派单"


def test_the_same_permission_checks_as_one_order(api, people, org):
    orders = [new(people, n=n) for n in range(2)]
    response = api(people.agent).post(API, {"orders": [o.pk for o in orders], "action": "cancel",
                                            "reason": "重复"}, format="json").json()
    assert [(r["done"], r["status"]) for r in response["results"]] == [(False, 403), (False, 403)]
    assert not WorkOrder.objects.filter(state=State.CANCELLED).exists()
    response = api(people.lead).post(API, {"orders": [o.pk for o in orders], "action": "cancel",
                                           "reason": "重复"}, format="json").json()
    assert response["done"] == 2
    # a department handler sees only its orders: the others are "not found", not refused by role
    other = new(people, n=5)
    dispatched = act(order=new(people, n=6), name="dispatch", actor=people.agent, params={"department": org.repair})
    response = api(people.repair).post(API, {"orders": [other.pk, dispatched.pk], "action": "add_note",
                                             "note": "已联系客户"}, format="json").json()
    assert [(r["id"], r["done"], r["status"]) for r in response["results"]] == [
        (dispatched.pk, True, 200), (other.pk, False, 404)]


def test_urge_reassign_and_note(api, people, org):
    a, b = (act(order=new(people, n=n), name="dispatch", actor=people.agent, params={"department": org.repair})
            for n in range(2))
    assert api(people.agent).post(API, {"orders": [a.pk, b.pk], "action": "urge"}, format="json").json()["done"] == 2
    assert [o.urge_count for o in WorkOrder.objects.filter(pk__in=[a.pk, b.pk])] == [1, 1]
    moved = api(people.supervisor).post(API, {"orders": [a.pk, b.pk], "action": "reassign",
                                              "department": org.repair2.pk}, format="json").json()
    assert moved["done"] == 2
    assert set(WorkOrder.objects.filter(pk__in=[a.pk, b.pk]).values_list("department_id", flat=True)) == {
        org.repair2.pk}
    to_marketing = api(people.supervisor).post(API, {"orders": [a.pk], "action": "reassign",
                                                     "department": org.marketing.pk}, format="json").json()
    assert to_marketing["results"][0]["code"] == "invalid"  # a repair goes to a repair crew
    noted = api(people.agent).post(API, {"orders": [a.pk], "action": "add_note", "note": "客户再次来电"},
                                   format="json").json()
    assert noted["done"] == 1 and WorkOrder.objects.get(pk=a.pk).history.filter(name="add_note").exists()


@pytest.mark.parametrize("body", [
    {"orders": [], "action": "urge"},
    {"orders": [1], "action": "explode"},
    {"orders": list(range(1, 502)), "action": "urge"},
    {"orders": [10**30], "action": "urge"},
    {"orders": ["abc"], "action": "urge"},
    {"orders": [1], "action": "dispatch"},  # no department
    {"orders": [1], "action": "add_note"},  # no note
    {"orders": [1], "action": "cancel"},  # no reason
    {"orders": "1,2", "action": "urge"},
])
def test_bad_bulk_requests_are_400_and_change_nothing(api, people, body):
    order = new(people)
    before = snapshot(order)
    response = api(people.lead).post(API, body, format="json")
    assert response.status_code == 400, response.content
    assert snapshot(order) == before


def test_the_page_applies_and_lists_each_outcome(people, org):
    repairs = [new(people, n=n) for n in range(2)]
    complaint = new(people, "complaint", n=9)
    queue = page(people.agent).get("/queue/").content.decode()
    assert queue.count('name="orders"') == 3 and 'id="bulk-form"' in queue and 'id="bulk-all"' in queue
    response = page(people.agent).post(PAGE, {"orders": [repairs[0].pk, repairs[1].pk, complaint.pk],
                                              "action": "dispatch", "department": org.repair.pk,
                                              "next": "/queue/?tab=mine"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="bulk-done"') == 2 and body.count('class="bulk-refused"') == 1
    assert f'id="bulk-{complaint.pk}" class="bulk-refused"' in body
    assert 'href="/queue/?tab=mine"' in body
    assert WorkOrder.objects.filter(state=State.DISPATCHED).count() == 2


@pytest.mark.parametrize("form", [{}, {"orders": ["x"], "action": "urge"}, {"orders": ["1"], "action": "boom"},
                                  {"orders": ["1"], "action": "dispatch"}])
def test_the_page_refuses_bad_input_with_a_message(people, form):
    response = page(people.agent).post(PAGE, form)
    assert response.status_code == 400
    assert 'id="bulk-errors"' in response.content.decode()


def test_an_open_redirect_is_not_followed(people):
    order = new(people)
    body = page(people.agent).post(PAGE, {"orders": [order.pk], "action": "urge",
                                          "next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in body
