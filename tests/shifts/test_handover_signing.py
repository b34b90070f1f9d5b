"""The handover machine draft → submitted → accepted | refused → submitted …, its permissions, bad input,
history, and the penalties it posts through the sweep — each exactly once, however often it is refused and
resubmitted: no_cleaning (each outgoing member), first_question (the owner of each flagged order). Whether it was
handed over in time (late_or_early) is tests/kpi/rules/test_late_or_early_handover.py; nobody here checks in
(absent: tests/kpi/rules/test_absent.py), so that rule is off in this module."""

from decimal import Decimal

import pytest

from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from kpi.models import LedgerEntry
from shifts import services
from shifts.models import HandoverItem, HandoverItemKind, HandoverState, HandoverTransition, OrderShift

from .conftest import ALL_DONE, DAY, NEXT_DAY, at, entries

pytestmark = pytest.mark.django_db

NOT_CLEANED = {**ALL_DONE, "cleaning_done": False}


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    from kpi.models import PenaltyRule

    PenaltyRule.objects.filter(code="absent").update(enabled=False)


@pytest.fixture
def shifts(duty):
    return duty.middle_and_night()


@pytest.fixture
def draft(duty, people, shifts):
    middle, night = shifts
    duty.move_to(at(2026, 3, 2, 17, 0))
    duty.order(people.agent)
    duty.order(people.agent2)
    duty.move_to(at(2026, 3, 2, 23, 0))
    return services.handover_open(shift=middle)


def no_cleaning_by_member() -> dict[str, int]:
    found = entries("no_cleaning")
    return {user: found.filter(agent__username=user).count() for user in found.values_list("agent__username",
                                                                                            flat=True)}


def history(handover):
    return list(HandoverTransition.objects.filter(handover=handover).order_by("at", "id").values_list(
        "name", "source", "target", "actor__username", "at"))


# --- no_cleaning -----------------------------------------------------------------------------------


def test_refuse_fix_resubmit_accept_posts_no_cleaning_once_per_outgoing_member(duty, people, lead2, draft):
    handover = draft
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **NOT_CLEANED, notes="卫生未做")
    duty.sweep_twice()
    assert no_cleaning_by_member() == {"lead": 1, "agent": 1, "agent2": 1}
    [entry] = entries("no_cleaning", agent=people.agent)
    assert entry.amount == Decimal("20.00")
    assert entry.occurred_at == at(2026, 3, 2, 23, 50)
    assert entry.source == f"handover:{handover.pk}"
    assert entry.period == "2026-03"

    duty.move_to(at(2026, 3, 2, 23, 52))
    duty.sign(handover, "refuse", lead2, reason="卫生未做", for_cleaning=True)
    duty.sweep_twice()
    assert no_cleaning_by_member() == {"lead": 1, "agent": 1, "agent2": 1}

    duty.move_to(at(2026, 3, 2, 23, 55))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.sweep_twice()
    duty.move_to(at(2026, 3, 2, 23, 57))
    duty.sign(handover, "refuse", lead2, reason="仍未打扫干净", for_cleaning=True)
    duty.sweep_twice()
    duty.move_to(at(2026, 3, 2, 23, 59))
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.sweep_twice()
    duty.move_to(at(2026, 3, 3, 0, 1))
    accepted = duty.sign(handover, "accept", lead2)
    assert accepted.state == HandoverState.ACCEPTED
    duty.sweep_twice()
    duty.move_to(at(2026, 3, 3, 9, 0))
    duty.sweep_twice()

    assert no_cleaning_by_member() == {"lead": 1, "agent": 1, "agent2": 1}
    assert not entries("late_or_early").exists()  # accepted within the grace
    assert not entries("first_question").exists()
    assert not LedgerEntry.objects.filter(agent__in=[lead2, duty.agent3]).exists()

    assert history(handover) == [
        ("create", "", "draft", None, at(2026, 3, 2, 23, 0)),
        ("submit", "draft", "submitted", "lead", at(2026, 3, 2, 23, 50)),
        ("refuse", "submitted", "refused", "lead2", at(2026, 3, 2, 23, 52)),
        ("submit", "refused", "submitted", "lead", at(2026, 3, 2, 23, 55)),
        ("refuse", "submitted", "refused", "lead2", at(2026, 3, 2, 23, 57)),
        ("submit", "refused", "submitted", "lead", at(2026, 3, 2, 23, 59)),
        ("accept", "submitted", "accepted", "lead2", at(2026, 3, 3, 0, 1)),
    ]
    refusal = HandoverTransition.objects.filter(handover=handover, name="refuse").order_by("at").first()
    assert refusal.note == "卫生未做"
    handover = duty.reload(handover)
    assert handover.refusal_count == 2
    assert (handover.accepted_by, handover.accepted_at) == (lead2, at(2026, 3, 3, 0, 1))
    assert (handover.submitted_by, handover.submitted_at) == (people.lead, at(2026, 3, 2, 23, 59))


def test_a_checklist_saying_cleaned_refused_for_cleaning_posts_once_per_member(duty, people, lead2, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.sweep_twice()
    assert not entries("no_cleaning").exists()

    duty.move_to(at(2026, 3, 2, 23, 55))
    duty.sign(draft, "refuse", lead2, reason="地面未清扫", for_cleaning=True)
    duty.sweep_twice()
    assert no_cleaning_by_member() == {"lead": 1, "agent": 1, "agent2": 1}
    assert entries("no_cleaning").first().occurred_at == at(2026, 3, 2, 23, 55)

    duty.move_to(at(2026, 3, 2, 23, 58))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 2))
    duty.sign(draft, "accept", lead2)
    duty.sweep_twice()
    assert no_cleaning_by_member() == {"lead": 1, "agent": 1, "agent2": 1}


def test_a_refusal_for_another_reason_posts_no_cleaning_penalty(duty, people, lead2, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 2, 23, 52))
    duty.sign(draft, "refuse", lead2, reason="物品未清点")
    duty.sweep_twice()
    duty.move_to(at(2026, 3, 2, 23, 56))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 0))
    duty.sign(draft, "accept", lead2)
    duty.sweep_twice()
    assert not LedgerEntry.objects.exists()


def test_a_not_cleaned_submission_is_charged_even_if_fixed_before_the_sweep_ran(duty, people, lead2, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, **NOT_CLEANED)
    duty.move_to(at(2026, 3, 2, 23, 52))
    duty.sign(draft, "refuse", lead2, reason="物品未清点")  # refused, but not for the cleaning
    duty.move_to(at(2026, 3, 2, 23, 56))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)  # the checklist now says cleaned
    duty.move_to(at(2026, 3, 3, 0, 0))
    duty.sign(draft, "accept", lead2)

    duty.move_to(at(2026, 3, 3, 0, 1))  # the first sweep after all this (beat was down for 10 minutes)
    duty.sweep_twice()
    assert no_cleaning_by_member() == {"lead": 1, "agent": 1, "agent2": 1}


# --- permissions and bad input -------------------------------------------------------------------------


def test_only_the_outgoing_lead_submits(duty, people, lead2, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    for someone in (people.agent, lead2, duty.agent3, people.manager):
        with pytest.raises(NotPermitted):
            duty.sign(draft, "submit", someone, **ALL_DONE)
    assert duty.reload(draft).state == HandoverState.DRAFT
    assert duty.sign(draft, "submit", people.lead, **ALL_DONE).state == HandoverState.SUBMITTED


def test_only_the_incoming_lead_accepts_or_refuses(duty, people, lead2, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 2, 23, 58))
    for someone in (people.lead, people.agent, duty.agent3, people.manager):
        with pytest.raises(NotPermitted):
            duty.sign(draft, "accept", someone)
        with pytest.raises(NotPermitted):
            duty.sign(draft, "refuse", someone, reason="卫生未做", for_cleaning=True)
    assert duty.reload(draft).state == HandoverState.SUBMITTED
    assert [h.name for h in HandoverTransition.objects.filter(handover=draft)] == ["create", "submit"]
    assert duty.sign(draft, "refuse", lead2, reason="卫生未做").state == HandoverState.REFUSED


def test_a_supervisor_may_stand_in_for_either_lead(duty, people, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.supervisor, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 0))
    assert duty.sign(draft, "accept", people.supervisor).state == HandoverState.ACCEPTED


@pytest.mark.parametrize(("name", "params"), [("accept", {}), ("refuse", {"reason": "卫生未做"})])
def test_accepting_or_refusing_a_draft_is_a_conflict(duty, lead2, draft, name, params):
    with pytest.raises(Conflict) as error:
        duty.sign(draft, name, lead2, **params)
    assert error.value.code == "transition_not_allowed"
    assert duty.reload(draft).state == HandoverState.DRAFT


def test_an_accepted_handover_is_final(duty, people, lead2, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, **ALL_DONE)
    duty.sign(draft, "accept", lead2)
    for name, actor, params in (("submit", people.lead, ALL_DONE), ("refuse", lead2, {"reason": "x"}),
                                ("accept", lead2, {})):
        with pytest.raises(Conflict):
            duty.sign(draft, name, actor, **params)
    with pytest.raises(Conflict):
        duty.sign(draft, "sign_off", lead2)
    assert duty.reload(draft).state == HandoverState.ACCEPTED


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_refusal_needs_a_reason(duty, people, lead2, draft, reason):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, **NOT_CLEANED)
    params = {"for_cleaning": True} if reason is None else {"reason": reason, "for_cleaning": True}
    with pytest.raises(InvalidInput):
        duty.sign(draft, "refuse", lead2, **params)
    handover = duty.reload(draft)
    assert (handover.state, handover.refusal_count, handover.refused_at) == (HandoverState.SUBMITTED, 0, None)


@pytest.mark.parametrize("checklist", [
    {},
    {"cleaning_done": True, "equipment_ok": True},
    {"cleaning_done": True, "items_counted": True},
    {"equipment_ok": True, "items_counted": True},
    {**ALL_DONE, "cleaning_done": None},
    {**ALL_DONE, "cleaning_done": "true"},
    {**ALL_DONE, "equipment_ok": 1},
])
def test_submitting_needs_the_three_checklist_booleans(duty, people, draft, checklist):
    duty.move_to(at(2026, 3, 2, 23, 50))
    with pytest.raises(InvalidInput):
        duty.sign(draft, "submit", people.lead, **checklist)
    handover = duty.reload(draft)
    assert (handover.state, handover.submitted_at, handover.cleaning_done) == (HandoverState.DRAFT, None, None)
    assert [h.name for h in HandoverTransition.objects.filter(handover=draft)] == ["create"]


def test_the_checklist_and_notes_are_kept(duty, people, draft):
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(draft, "submit", people.lead, cleaning_done=True, equipment_ok=False, items_counted=True,
              notes="2号席耳麦故障，已报修")
    handover = duty.reload(draft)
    assert (handover.cleaning_done, handover.equipment_ok, handover.items_counted) == (True, False, True)
    assert handover.notes == "2号席耳麦故障，已报修"
    assert (handover.submitted_by, handover.submitted_at) == (people.lead, at(2026, 3, 2, 23, 50))


# --- first_question --------------------------------------------------------------------------------


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
              flagged=[flagged_agent.pk, {"item": flagged_agent2.pk, "note": "当班可办结"}])

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
    duty.sign(handover, "accept", lead2, flagged=[duty.item(handover, order).pk])
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
