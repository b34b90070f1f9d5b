"""no_cleaning (seed 000 考核 5 "交接班未做卫生", 交接-班规定 4; 20 yuan): a handover submitted with the checklist
saying not cleaned, or refused by the incoming lead for the cleaning, charges each outgoing member once through the
sweep, however often it is refused and resubmitted, and even if fixed before the sweep ran; a refusal for another
reason charges nobody. Nobody here checks in (absent: tests/kpi/rules/test_absent.py), so that rule is off."""

from decimal import Decimal

import pytest

from kpi.models import LedgerEntry
from shifts.models import HandoverState, HandoverTransition
from tests.shifts.conftest import ALL_DONE, NOT_CLEANED, at, entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _absences_judged_elsewhere(db):
    from kpi.models import PenaltyRule

    PenaltyRule.objects.filter(code="absent").update(enabled=False)


def no_cleaning_by_member() -> dict[str, int]:
    found = entries("no_cleaning")
    return {user: found.filter(agent__username=user).count() for user in found.values_list("agent__username",
                                                                                            flat=True)}


def history(handover):
    return list(HandoverTransition.objects.filter(handover=handover).order_by("at", "id").values_list(
        "name", "source", "target", "actor__username", "at"))


# Also checks the signing machine's history and refusal count (the machine: tests/shifts/test_handover_signing.py).
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
