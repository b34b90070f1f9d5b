"""Event rules: facts recorded at a moment (a call logged, a finding, a check-in, a handover signed),
judged by the sweep from a cursor.

Each judge reads the facts recorded in (cursor − overlap, now] through an index on the fact's time, posts
the breaches (unique key, conflict-ignore) and moves the cursor to now in the same transaction. The overlap
re-reads facts whose transaction committed after a previous sweep had passed their time; the key makes
re-reading harmless. A sweep killed midway rolls back, cursor included, and the next one starts over.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from shifts.models import Handover, HandoverItem, Shift, ShiftMember
from tickets.models import Call, Kind, OutageNotice, WorkOrder
from tickets.models.workorders import FindingCause

from .models import PenaltyRule, SweepCursor
from .services import Breach, post_breaches

EVENT_OVERLAP = dt.timedelta(minutes=10)
OUTAGE_WINDOW = dt.timedelta(days=2)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _advance_cursor(name: str, now: dt.datetime, judge) -> None:
    """Judge the facts recorded in (cursor − overlap, now], then move the cursor to now (same transaction)."""
    with transaction.atomic():
        cursor, _ = SweepCursor.objects.get_or_create(name=name, defaults={"position": EPOCH})
        judge(cursor.position - EVENT_OVERLAP, now)
        SweepCursor.objects.filter(pk=cursor.pk, position__lt=now).update(position=now)


def judge_calls(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """ring_over_3: a call at an agent's seat rang longer than the limit (10 s = 3 rings, seed 004 §6.3.2)
    before it was answered, or was never answered."""
    rule = rules.get("ring_over_3")

    def judge(since, until):
        if rule is None:
            return  # switched off: the cursor still moves on, so switching it on does not charge the past
        limit = rule.threshold if rule.threshold is not None else 10
        calls = (
            Call.objects.filter(created_at__gt=since, created_at__lte=until, agent__isnull=False)
            .filter(Q(ring_seconds__gt=limit) | Q(answered_at__isnull=True))
            .values_list("id", "agent_id", "agent__unit_id", "ring_started_at")
        )
        breaches = [
            Breach(rule=rule, source=f"call:{pk}", occurrence="ring", occurred_at=ring_started_at,
                   agent_id=agent_id, unit_id=unit_id)
            for pk, agent_id, unit_id, ring_started_at in calls
        ]
        result.record(post_breaches(breaches))

    _advance_cursor("ring_over_3", now, judge)


def judge_attitude_findings(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """attitude_complaint (100 yuan): a valid complaint caused by the responsible agent's attitude."""
    rule = rules.get("attitude_complaint")

    def judge(since, until):
        if rule is None:
            return
        findings = (
            WorkOrder.objects.filter(
                investigated_at__gt=since, investigated_at__lte=until, finding_valid=True,
                finding_cause=FindingCause.ATTITUDE, kind=Kind.COMPLAINT, finding_responsible__isnull=False,
            ).values_list("id", "finding_responsible_id", "finding_responsible__unit_id", "investigated_at")
        )
        breaches = [
            Breach(rule=rule, source=f"work_order:{pk}", occurrence="finding", occurred_at=investigated_at,
                   agent_id=agent_id, unit_id=unit_id)
            for pk, agent_id, unit_id, investigated_at in findings
        ]
        result.record(post_breaches(breaches))

    _advance_cursor("attitude_complaint", now, judge)


def judge_attendance(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """late_or_early (seed 000 考核 2): checked in after start − lead minutes (seed 000: on post 20 minutes
    before), or checked out before the shift ended. One entry per occurrence."""
    rule = rules.get("late_or_early")

    def late_check_ins(since, until):
        if rule is None:
            return
        members = ShiftMember.objects.filter(checked_in_at__gt=since, checked_in_at__lte=until).select_related(
            "shift__template")
        result.record(post_breaches([
            Breach(rule=rule, source=f"shift_member:{m.pk}", occurrence="check_in", occurred_at=m.checked_in_at,
                   agent_id=m.user_id, unit_id=m.shift.unit_id)
            for m in members
            if m.checked_in_at > m.shift.starts_at - dt.timedelta(minutes=m.shift.template.checkin_lead_minutes)
        ]))

    def early_check_outs(since, until):
        if rule is None:
            return
        members = ShiftMember.objects.filter(checked_out_at__gt=since, checked_out_at__lte=until).select_related(
            "shift")
        result.record(post_breaches([
            Breach(rule=rule, source=f"shift_member:{m.pk}", occurrence="check_out", occurred_at=m.checked_out_at,
                   agent_id=m.user_id, unit_id=m.shift.unit_id)
            for m in members if m.checked_out_at < m.shift.ends_at
        ]))

    _advance_cursor("late_check_in", now, late_check_ins)
    _advance_cursor("early_check_out", now, early_check_outs)


def _outgoing_members(handover: Handover) -> list[tuple[int, int]]:
    return [(m.user_id, handover.outgoing.unit_id) for m in handover.outgoing.memberships.all()]


def judge_handovers(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """From the handover (seed 000 考核 5, 6; 交接-班规定 1, 4):
    no_cleaning — the checklist says cleaning not done, or the incoming lead refused for it: each outgoing
    member once per handover, however often it is refused and resubmitted;
    first_question — each carried order flagged "could have been handled in the shift": its owner;
    late_or_early — accepted later than the incoming shift's start + grace: the outgoing lead."""
    no_cleaning, first_question, late = rules.get("no_cleaning"), rules.get("first_question"), rules.get(
        "late_or_early")
    handovers = Handover.objects.select_related("outgoing", "incoming__template").prefetch_related(
        "outgoing__memberships")

    def cleaning_missed(since, until):
        if no_cleaning is None:
            return
        found = handovers.filter(cleaning_missed_at__gt=since, cleaning_missed_at__lte=until)
        result.record(post_breaches([
            Breach(rule=no_cleaning, source=f"handover:{h.pk}", occurrence=f"member:{user_id}",
                   occurred_at=h.cleaning_missed_at, agent_id=user_id, unit_id=unit_id)
            for h in found for user_id, unit_id in _outgoing_members(h)
        ]))

    def accepted(since, until):
        found = list(handovers.filter(accepted_at__gt=since, accepted_at__lte=until))
        breaches = []
        if late is not None:
            breaches += [
                Breach(rule=late, source=f"handover:{h.pk}", occurrence="late", occurred_at=h.accepted_at,
                       agent_id=h.outgoing.lead_id, unit_id=h.outgoing.unit_id)
                for h in found if h.due_at is not None and h.accepted_at > h.due_at
            ]
        if first_question is not None:
            items = HandoverItem.objects.filter(handover__in=found, flagged=True).select_related(
                "order", "handover")
            breaches += [
                Breach(rule=first_question, source=f"handover_item:{item.pk}", occurrence="flagged",
                       occurred_at=item.handover.accepted_at, agent_id=item.order.owner_id, unit_id=item.order.unit_id)
                for item in items
            ]
        result.record(post_breaches(breaches))

    _advance_cursor("handover_cleaning_missed", now, cleaning_missed)
    _advance_cursor("handover_accepted", now, accepted)


def receiving_shift(notice: OutageNotice) -> Shift | None:
    """The shift on duty in the receiving agent's unit when the notice came in (found by time: tickets does
    not know about shifts). Prefer the one the receiving agent was rostered on."""
    shifts = list(Shift.objects.filter(unit_id=notice.unit_id, starts_at__lte=notice.received_at,
                                       ends_at__gt=notice.received_at).prefetch_related("memberships"))
    for shift in shifts:
        if any(m.user_id == notice.received_by_id for m in shift.memberships.all()):
            return shift
    return shifts[0] if shifts else None


def judge_outages(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """outage_publish_late (seed 000 考核 1, 20 yuan): still unpublished when the shift that received the notice
    ended — charged to the receiving agent if rostered on it, else to the shift's lead. Notices are re-read for
    two days after they arrive, so a shift of up to 24 h ends inside the window."""
    rule = rules.get("outage_publish_late")

    def judge(since, until):
        if rule is None:
            return
        breaches = []
        for notice in OutageNotice.objects.filter(received_at__gt=since - OUTAGE_WINDOW, received_at__lte=until):
            shift = receiving_shift(notice)
            if shift is None or shift.ends_at > now:
                continue
            if shift.ends_at <= since and notice.created_at <= since:
                continue  # judged by an earlier sweep (or the rule was off then): not charged now
            if notice.published_at is not None and notice.published_at <= shift.ends_at:
                continue
            rostered = any(m.user_id == notice.received_by_id for m in shift.memberships.all())
            breaches.append(Breach(rule=rule, source=f"outage:{notice.pk}", occurrence=f"shift:{shift.pk}",
                                   occurred_at=shift.ends_at, unit_id=shift.unit_id,
                                   agent_id=notice.received_by_id if rostered else shift.lead_id))
        result.record(post_breaches(breaches))

    _advance_cursor("outage_publish_late", now, judge)


JUDGES = (judge_calls, judge_attitude_findings, judge_attendance, judge_handovers, judge_outages)
