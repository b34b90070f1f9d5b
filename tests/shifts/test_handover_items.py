"""The draft handover lists exactly the outgoing shift's open orders — those its members own and those
carried into it by an earlier accepted handover — refreshed when the lead signs; each item's due time is
the order's earliest deadline."""

import datetime as dt

import pytest

from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from shifts import services
from shifts.models import HandoverItem, HandoverItemKind, HandoverState, OrderShift

from .conftest import ALL_DONE, DAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_orders(duty, people, lead2, agent3):
    """早班 (lead2, agent3) → 中班 (lead, agent, agent2) → 夜班 (lead2, agent3) with orders of every sort."""
    early = duty.shift("early", DAY, lead=lead2, members=[agent3])
    middle, night = duty.middle_and_night()
    orders = {}

    duty.move_to(at(2026, 3, 2, 9, 0))
    orders["carried"] = duty.order(agent3)  # agent3's, carried from the early shift into the middle shift
    duty.move_to(at(2026, 3, 2, 15, 0))
    early_handover = services.handover_open(shift=early)
    duty.move_to(at(2026, 3, 2, 15, 50))
    duty.sign(early_handover, "submit", lead2, **ALL_DONE)
    duty.move_to(at(2026, 3, 2, 16, 0))
    duty.sign(early_handover, "accept", people.lead)

    duty.move_to(at(2026, 3, 2, 17, 0))
    orders["agent_complaint"] = duty.order(people.agent)
    orders["agent2_consultation"] = duty.order(people.agent2, "consultation")  # answered later, before submit
    duty.move_to(at(2026, 3, 2, 17, 30))
    orders["archived"] = duty.order(people.agent, "consultation", answer="已在电话中答复")  # closed at once
    orders["cancelled"] = duty.order(people.agent)
    duty.move_to(at(2026, 3, 2, 17, 40))
    duty.fire(orders["cancelled"], "cancel", actor=people.lead, reason="重复工单")
    duty.move_to(at(2026, 3, 2, 18, 0))
    orders["repair"] = duty.order(people.agent2, "repair")  # not dispatched yet: no deadline
    orders["outsider"] = duty.order(agent3)  # a non-member's order, not carried: not ours
    orders["supervisor"] = duty.order(people.supervisor)
    return early, middle, night, orders


def ids(orders, *names) -> set[int]:
    return {orders[name].pk for name in names}


def test_the_draft_lists_exactly_the_open_orders_of_members_and_those_carried_in(duty, day_of_orders):
    early, middle, night, orders = day_of_orders
    assert OrderShift.objects.get(order=orders["carried"]).shift == middle

    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    assert handover.state == HandoverState.DRAFT
    assert handover.incoming == night
    assert duty.carried(handover) == ids(orders, "carried", "agent_complaint", "agent2_consultation", "repair")
    assert set(services.handover_open_orders(middle).values_list("pk", flat=True)) == duty.carried(handover)


def test_the_items_are_refreshed_when_the_lead_signs(duty, people, day_of_orders):
    early, middle, night, orders = day_of_orders
    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    reply = services.handover_add_item(handover=handover, actor=people.lead, kind=HandoverItemKind.REPLY,
                                       text="向上级公司答复停电原因", due_at=at(2026, 3, 3, 9, 0))

    duty.move_to(at(2026, 3, 2, 23, 10))  # closed after the draft was opened: gone at submission
    duty.fire(orders["agent2_consultation"], "answer_on_call", actor=people.agent2, answer="已答复")
    duty.move_to(at(2026, 3, 2, 23, 20))  # a member's new order meanwhile: listed at submission
    new = duty.order(people.agent)
    duty.move_to(at(2026, 3, 2, 23, 30))  # dispatched meanwhile: its arrival deadline is listed
    duty.fire(orders["repair"], "dispatch", actor=people.agent2, department=duty.org.repair2.pk)
    duty.order(duty.agent3)  # not a member: not listed

    assert duty.carried(handover) == ids(orders, "carried", "agent_complaint", "agent2_consultation", "repair")
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)

    assert duty.carried(handover) == {*ids(orders, "carried", "agent_complaint", "repair"), new.pk}
    assert HandoverItem.objects.filter(pk=reply.pk).exists()  # hand-added items stay
    due = {item.order_id: item.due_at for item in HandoverItem.objects.filter(handover=handover, order__isnull=False)}
    assert due == {
        orders["carried"].pk: at(2026, 3, 3, 9, 0),  # complaint: first contact within 24 h (before reply, 5 days)
        orders["agent_complaint"].pk: at(2026, 3, 3, 17, 0),
        new.pk: at(2026, 3, 3, 23, 20),
        orders["repair"].pk: at(2026, 3, 3, 0, 15),  # dispatched 23:30, urban: arrival within 45 min
    }


def test_the_due_time_of_an_item_is_the_earliest_deadline_of_its_order(duty, people):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 16, 30))
    complaint = duty.order(people.agent)  # first contact 24 h, reply 5 days
    duty.move_to(at(2026, 3, 2, 16, 40))
    suggestion = duty.order(people.agent, "suggestion")  # reply 5 working days only
    repair = duty.order(people.agent2, "repair", area_type="rural")
    duty.move_to(at(2026, 3, 2, 17, 0))
    duty.fire(repair, "dispatch", actor=people.agent2, department=duty.org.repair.pk)  # rural: 90 min

    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    assert duty.item(handover, complaint).due_at == at(2026, 3, 3, 16, 30)
    assert duty.item(handover, suggestion).due_at == at(2026, 3, 9, 16, 40)  # Mon + 5 working days = next Mon
    assert duty.item(handover, repair).due_at == at(2026, 3, 2, 18, 30)


def test_opening_twice_gives_the_same_draft(duty, people):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 17, 0))
    order = duty.order(people.agent)
    duty.move_to(at(2026, 3, 2, 23, 0))
    first = services.handover_open(shift=middle)
    duty.move_to(at(2026, 3, 2, 23, 5))
    second = services.handover_open(shift=middle)
    assert first.pk == second.pk
    assert duty.carried(second) == {order.pk}
    assert list(second.history.values_list("name", flat=True)) == ["create"]


def test_hand_added_items_need_the_outgoing_lead_a_text_and_an_unsigned_handover(duty, people, lead2):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    with pytest.raises(NotPermitted):
        services.handover_add_item(handover=handover, actor=lead2, kind=HandoverItemKind.NOTE, text="x")
    with pytest.raises(InvalidInput):
        services.handover_add_item(handover=handover, actor=people.lead, kind=HandoverItemKind.NOTE, text="  ")
    with pytest.raises(InvalidInput):
        services.handover_add_item(handover=handover, actor=people.lead, kind=HandoverItemKind.ORDER, text="x")
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    with pytest.raises(Conflict):
        services.handover_add_item(handover=duty.reload(handover), actor=people.lead, kind=HandoverItemKind.NOTE,
                                   text="交班后补记")
    assert not HandoverItem.objects.filter(handover=handover).exists()


def test_a_handover_with_no_open_orders_lists_none(duty):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    assert duty.carried(handover) == set()
    assert handover.incoming == night
    assert handover.due_at == at(2026, 3, 3, 0, 5)  # the incoming start + 5 minutes' grace
    assert handover.due_at - night.starts_at == dt.timedelta(minutes=5)


def test_an_arrived_repair_is_listed_with_its_restore_deadline(duty, people):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 17, 0))
    repair = duty.order(people.agent, "repair")  # urban
    duty.fire(repair, "dispatch", actor=people.agent, department=duty.org.repair2.pk)  # arrive by 17:45
    duty.move_to(at(2026, 3, 2, 17, 30))
    duty.fire(repair, "arrive", actor=people.repair2)  # on site in time; restore within 3 h: 20:30

    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    assert duty.item(handover, repair).due_at == at(2026, 3, 2, 20, 30)
