import datetime as dt

import pytest

from tickets.models import WorkOrder

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.django_db
def test_a_consultation_answered_on_the_call_owes_no_reply_even_at_year_end(api, people, time_machine):
    """Five working days from 25 Dec 2026 reach into 2027, whose arrangement is not entered; an answer given on
    the call owes no reply, so the order is taken and closed without any."""
    time_machine.move_to(dt.datetime(2026, 12, 25, 10, tzinfo=SHANGHAI))
    answered = api(people.agent).post("/api/v1/work-orders/", {
        "kind": "consultation", "description": "电价怎么算", "caller_number": "13900000077",
        "answer": "居民阶梯电价第一档为每千瓦时0.4883元。"}, format="json")
    assert answered.status_code == 201, answered.content
    order = WorkOrder.objects.get(pk=answered.json()["id"])
    assert order.state == "archived" and order.reply_due_at is None and order.next_due_at is None

    # One that must be dispatched owes a reply: counted on 2027's provisional calendar, never refused.
    dispatched = api(people.agent).post("/api/v1/work-orders/", {
        "kind": "consultation", "description": "新装报装进度", "caller_number": "13900000077"}, format="json")
    assert dispatched.status_code == 201, dispatched.content
    assert dispatched.json()["provisional_deadlines"] == ["reply_due_at"]
