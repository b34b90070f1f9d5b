"""first_question (首问负责制, seed 000 考核 6 "本班可办结工单未办结", 20 yuan): each carried order the incoming lead
flags on accepting a handover as "could have been handled in the shift" charges the order's owner once — also an owner
who was not on the outgoing shift; flagging an item the handover does not carry is refused and changes nothing.
Nobody here checks in (absent: tests/kpi/rules/test_absent.py), so that rule is off."""

from decimal import Decimal

import pytest

from contactcenter.errors import InvalidInput
from shifts import services
from shifts.models import HandoverItem, HandoverItemKind, HandoverState, HandoverTransition, OrderShift
from tests.shifts.conftest import ALL_DONE, DAY, NEXT_DAY, at, entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    from kpi.models import PenaltyRule

    PenaltyRule.objects.filter(code="absent").update(enabled=False)


@pytest.fixture
def carried(duty, people, shifts):
    """A submitted handover carrying three orders: agent's, agent2's, and another of agent's."""
    middle, night = shifts
    duty.move_to(at(2026, 3, 2, 17, 0))
    orders = {"agent": duty.order(people.agent), "agent2": duty.order(people.agent2, "repair"),
              "unflagged": duty.order(people.agent, "consultation")}
    duty.move_to(at(2026, 3, 2, 23, 0))
    handover = services.handover_open(shift=middle)
    services.handover_add_item(handover=handover, actor=people.lead, kind=HandoverItemKind.NOTE, text="钥匙已交接")
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    return handover, orders


def test_flagged_items_charge_their_owners_once(duty, people, lead2, carried):
    handover, orders = carried
    flagged_agent, flagged_agent2 = duty.item(handover, orders["agent"]), duty.item(handover, orders["agent2"])
    duty.move_to(at(2026, 3, 3, 0, 3))
    duty.sign(handover, "accept", lead2,
              flagged=[{"item": flagged_agent.pk, "note": "资料齐全"},
                       {"item": flagged_agent2.pk, "note": "当班可办结"}])

    duty.move_to(at(2026, 3, 3, 0, 4))
    result = duty.sweep_twice()
    assert result.by_rule == {"first_question": 2}
    by_owner = {e.agent.username: e for e in entries("first_question")}
    assert set(by_owner) == {"agent", "agent2"}
    for owner, item in (("agent", flagged_agent), ("agent2", flagged_agent2)):
        entry = by_owner[owner]
        assert entry.amount == Decimal("20.00")
        assert entry.occurred_at == at(2026, 3, 3, 0, 3)
        assert entry.period == "2026-03"
        assert entry.source == f"handover_item:{item.pk}"

    items = {i.order_id: i for i in HandoverItem.objects.filter(handover=handover, kind=HandoverItemKind.ORDER)}
    assert items[orders["agent"].pk].flagged and items[orders["agent2"].pk].flagged
    assert items[orders["agent2"].pk].flag_note == "当班可办结"
    assert not items[orders["unflagged"].pk].flagged
    assert all(i.reviewed for i in HandoverItem.objects.filter(handover=handover))

    duty.move_to(at(2026, 3, 4, 9, 0))
    duty.sweep_twice()
    assert entries("first_question").count() == 2
    assert not entries("first_question", agent=people.lead).exists()


def test_first_question_goes_to_the_owner_even_when_not_an_outgoing_member(duty, people, lead2, agent3):
    """An order carried in from an earlier shift: flagged, its owner (not on this shift) is charged."""
    early = duty.shift("early", DAY, lead=lead2, members=[agent3])
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 9, 0))
    order = duty.order(agent3)
    duty.move_to(at(2026, 3, 2, 15, 50))
    early_handover = services.handover_open(shift=early)
    duty.sign(early_handover, "submit", lead2, **ALL_DONE)
    duty.sign(early_handover, "accept", people.lead)
    duty.move_to(at(2026, 3, 2, 23, 50))
    handover = services.handover_open(shift=middle)
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 0))
    duty.sign(handover, "accept", lead2, flagged=[{"item": duty.item(handover, order).pk, "note": "本班可办结"}])
    duty.sweep_twice()
    [entry] = entries("first_question")
    assert entry.agent == agent3


@pytest.mark.parametrize("bad", ["unknown", "note", "other_handover"])
def test_flagging_an_item_not_carried_by_this_handover_changes_nothing(duty, people, lead2, carried, bad):
    handover, orders = carried
    good = duty.item(handover, orders["agent"]).pk
    if bad == "unknown":
        wrong = HandoverItem.objects.order_by("-pk").first().pk + 1000
    elif bad == "note":
        wrong = HandoverItem.objects.get(handover=handover, kind=HandoverItemKind.NOTE).pk
    else:
        other_shift = duty.shift("early", NEXT_DAY, lead=lead2, members=[duty.agent3])
        duty.order(duty.agent3)
        other = services.handover_open(shift=other_shift)
        wrong = HandoverItem.objects.get(handover=other).pk

    duty.move_to(at(2026, 3, 3, 0, 3))
    with pytest.raises(InvalidInput):
        duty.sign(handover, "accept", lead2, flagged=[good, {"item": wrong, "note": "?"}])

    fresh = duty.reload(handover)
    assert (fresh.state, fresh.accepted_at, fresh.accepted_by) == (HandoverState.SUBMITTED, None, None)
    assert not HandoverItem.objects.filter(flagged=True).exists()
    assert not HandoverItem.objects.filter(handover=handover, reviewed=True).exists()
    assert not OrderShift.objects.exists()
    assert [h.name for h in HandoverTransition.objects.filter(handover=handover)] == ["create", "submit"]
    duty.sweep_twice()
    assert not entries("first_question").exists()


def test_a_flag_without_its_reason_is_refused_and_charges_nobody(duty, people, lead2, carried):
    """A flag charges the first-question owner 20 yuan: the lead must say why the order could have been handled."""
    handover, orders = carried
    item = duty.item(handover, orders["agent"])
    duty.move_to(at(2026, 3, 3, 0, 3))
    with pytest.raises(InvalidInput) as refused:
        duty.sign(handover, "accept", lead2, flagged=[{"item": item.pk, "note": "  "}])
    assert refused.value.code == "flag_reason_required"
    assert duty.reload(handover).state == HandoverState.SUBMITTED
    duty.move_to(at(2026, 3, 4, 9, 0))
    duty.sweep_twice()
    assert not entries("first_question").exists()
