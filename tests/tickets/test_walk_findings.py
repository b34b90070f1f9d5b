"""What a walk through the pages as each role found (issue 18's session): the console keeps the address it asks an
unknown caller for; the order page says a new complaint will be called back; the finding's responsible person is
chosen among the agents of the order, and naming another is refused in the user's language."""

import pytest

from tests.actions import act
from tests.clients import page
from tickets.models import Customer
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db


def test_the_console_keeps_the_address_of_an_unknown_caller(people):
    response = page(people.agent).post("/console/", {
        "action": "save", "classification": "repair", "caller_number": "13612345678", "description": "家里停电",
        "address": "示范市幸福路10号"})
    assert response.status_code == 302
    assert Customer.objects.get(phone="13612345678").address == "示范市幸福路10号"


@pytest.mark.parametrize(("kind", "says"), [("complaint", "答复后需回访"), ("repair", "恢复后抽样回访"),
                                            ("suggestion", "无需回访")])
def test_the_order_page_says_whether_a_callback_will_be_owed(people, kind, says):
    order = work_order_create(kind=kind, description="来电", caller_number="13600000001", actor=people.agent)
    body = page(people.agent).get(f"/orders/{order.pk}/").content.decode()
    assert says in body


def test_the_responsible_person_is_chosen_among_the_orders_agents(people, org):
    order = work_order_create(kind="complaint", description="抄表员态度差", caller_number="13600000002",
                              actor=people.agent)
    order = act(order=order, name="forward", actor=people.agent)
    order = act(order=order, name="dispatch", actor=people.supervision, params={"department": org.marketing.pk})
    client = page(people.marketing)
    body = client.get(f"/orders/{order.pk}/").content.decode()
    select = body[body.index('name="responsible"'):]
    select = select[:select.index("</select>")]
    assert 'value="agent"' in select and 'value="manager"' not in select and 'value="telephony"' not in select
    refused = client.post(f"/orders/{order.pk}/transitions/investigate/", {
        "valid": "true", "cause": "attitude", "responsible": "agent2"})
    assert refused.status_code == 400
    assert "不是本工单的客户代表" in refused.content.decode() or "选择一个有效的选项" in refused.content.decode()
