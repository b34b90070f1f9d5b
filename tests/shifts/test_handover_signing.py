"""The handover machine draft → submitted → accepted | refused → submitted …: its permissions, bad input and the
checklist. The penalties it posts through the sweep are in tests/kpi/rules/: test_no_cleaning.py (each outgoing
member), test_first_question.py (the owner of each flagged order), test_late_or_early.py (whether it was handed over
in time); the history of the refusals and resubmissions is checked along with no_cleaning's."""

import pytest

from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from shifts.models import HandoverState, HandoverTransition

from .conftest import ALL_DONE, NOT_CLEANED, at

pytestmark = pytest.mark.django_db


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
