"""After acceptance the incoming shift handles the carried orders (OrderShift); the first-question owner
(WorkOrder.owner) never changes; the incoming shift's own handover carries them on."""

import pytest

from shifts import services
from shifts.models import HandoverItem, OrderShift

from .conftest import ALL_DONE, NEXT_DAY, at

pytestmark = pytest.mark.django_db


def test_carried_orders_move_to_the_incoming_shift_and_keep_their_owner(duty, people, lead2, agent3):
    middle, night = duty.middle_and_night()
    early_next = duty.shift("early", NEXT_DAY, lead=people.supervisor, members=[people.manager])
    duty.move_to(at(2026, 3, 2, 17, 0))
    mine, theirs = duty.order(people.agent), duty.order(people.agent2, "repair")
    closed_before = duty.order(people.agent, "consultation", answer="已答复")
    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    assert not OrderShift.objects.exists()  # signing out does not move anything yet

    duty.move_to(at(2026, 3, 3, 0, 2))
    duty.sign(handover, "accept", lead2, flagged=[{"item": duty.item(handover, mine).pk, "note": "本班可办结"}])

    handling = {row.order_id: (row.shift, row.since) for row in OrderShift.objects.all()}
    assert handling == {mine.pk: (night, at(2026, 3, 3, 0, 2)), theirs.pk: (night, at(2026, 3, 3, 0, 2))}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.owner, theirs.owner) == (people.agent, people.agent2)  # 首问负责人 unchanged, flagged or not
    assert not OrderShift.objects.filter(order=closed_before).exists()

    # The night shift (lead2, agent3) does not own them, yet its handover carries them on.
    duty.move_to(at(2026, 3, 3, 1, 0))
    agent3_order = duty.order(agent3)
    duty.move_to(at(2026, 3, 3, 7, 0))
    night_handover = services.handover_open(shift=night)
    assert night_handover.incoming == early_next
    assert duty.carried(night_handover) == {mine.pk, theirs.pk, agent3_order.pk}
    duty.move_to(at(2026, 3, 3, 7, 50))
    duty.sign(night_handover, "submit", lead2, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 8, 0))
    duty.sign(night_handover, "accept", people.supervisor)

    assert set(OrderShift.objects.values_list("order_id", "shift_id")) == {
        (mine.pk, early_next.pk), (theirs.pk, early_next.pk), (agent3_order.pk, early_next.pk)}
    for order, owner in ((mine, people.agent), (theirs, people.agent2), (agent3_order, agent3)):
        order.refresh_from_db()
        assert order.owner == owner
    # The earlier handover's items are its own record: still there, still pointing at the same orders.
    assert duty.carried(handover) == {mine.pk, theirs.pk}
    assert HandoverItem.objects.get(handover=handover, order=mine).flagged


def test_an_order_closed_while_carried_is_not_carried_on(duty, people, lead2):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 17, 0))
    consultation, complaint = duty.order(people.agent, "consultation"), duty.order(people.agent)
    duty.move_to(at(2026, 3, 2, 23, 50))
    handover = services.handover_open(shift=middle)
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 0))
    duty.sign(handover, "accept", lead2)

    duty.move_to(at(2026, 3, 3, 2, 0))
    duty.fire(consultation, "answer_on_call", actor=duty.agent3, answer="客户再次来电，已答复")
    duty.move_to(at(2026, 3, 3, 7, 0))
    assert duty.carried(services.handover_open(shift=night)) == {complaint.pk}
