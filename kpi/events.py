"""Event rules: facts recorded at a moment (a call logged, a finding, a check-in, a handover signed),
judged by the sweep from a cursor.

Each judge reads the facts recorded in (cursor − overlap, now] through an index on the fact's time, posts
the breaches (unique key, conflict-ignore) and moves the cursor to now in the same transaction. The overlap
re-reads facts whose transaction committed after a previous sweep had passed their time; the key makes
re-reading harmless. A sweep killed midway rolls back, cursor included, and the next one starts over.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max

from shifts.models import Handover, HandoverItem, Shift, ShiftMember, ShiftTemplate
from shifts.services import shift_next
from tickets.models import Call, Kind, OutageNotice, WorkOrder
from tickets.models.workorders import FindingCause

from .models import PenaltyRule, SweepCursor
from .rules import RING_OVER_3, rang_too_long, ring_limit_of
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
    """ring_over_3 (seed 000 考核 4, 20 yuan): a call at an agent's seat that rang more than the limit before it was
    picked up — answered late, or abandoned after the limit (``kpi.rules``). One abandoned within the limit is not."""
    rule = rules.get(RING_OVER_3)

    def judge(since, until):
        if rule is None:
            return  # switched off: the cursor still moves on, so switching it on does not charge the past
        calls = (
            Call.objects.filter(created_at__gt=since, created_at__lte=until, agent__isnull=False)
            .filter(rang_too_long(ring_limit_of(rule)))
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


def judge_absences(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """absent (旷工 / 脱岗: seed 000 值班制度 "按时上下班，上班期间坚守岗位，不得擅自脱岗", seed 002 "不得曠工"; 20 yuan
    like 考核 2, configurable): a rostered member who had not checked in when the shift ended. Judged at the end."""
    rule = rules.get("absent")

    def judge(since, until):
        if rule is None:
            return
        members = ShiftMember.objects.filter(
            shift__ends_at__gt=since, shift__ends_at__lte=until, checked_in_at__isnull=True,
        ).values_list("pk", "user_id", "shift__unit_id", "shift__ends_at")
        result.record(post_breaches([
            Breach(rule=rule, source=f"shift_member:{pk}", occurrence="absent", occurred_at=ends_at,
                   agent_id=user_id, unit_id=unit_id)
            for pk, user_id, unit_id, ends_at in members
        ]))

    _advance_cursor("absent", now, judge)


def _outgoing_members(handover: Handover) -> list[tuple[int, int]]:
    return [(m.user_id, handover.outgoing.unit_id) for m in handover.outgoing.memberships.all()]


def judge_handovers(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """From the handover's checklist and review (seed 000 考核 5, 6; 交接-班规定 4):
    no_cleaning — the checklist says cleaning not done, or the incoming lead refused for it: each outgoing
    member once per handover, however often it is refused and resubmitted;
    first_question — each carried order flagged "could have been handled in the shift": its owner."""
    no_cleaning, first_question = rules.get("no_cleaning"), rules.get("first_question")
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
        if first_question is None:
            return
        items = HandoverItem.objects.filter(
            handover__accepted_at__gt=since, handover__accepted_at__lte=until, flagged=True,
        ).select_related("order", "handover")
        result.record(post_breaches([
            Breach(rule=first_question, source=f"handover_item:{item.pk}", occurrence="flagged",
                   occurred_at=item.handover.accepted_at, agent_id=item.order.owner_id, unit_id=item.order.unit_id)
            for item in items
        ]))

    _advance_cursor("handover_cleaning_missed", now, cleaning_missed)
    _advance_cursor("handover_accepted", now, accepted)


def judge_handover_punctuality(*, now: dt.datetime, rules: dict[str, PenaltyRule], result) -> None:
    """late_or_early (seed 000 考核 2 "不能按时交接班者", 20 yuan; 交接-班规定 1: at most 5 minutes late), judged by the
    sweep when each moment passes, whether or not the handover is ever signed:
    — not submitted by the outgoing shift's end + grace: the outgoing lead (when an incoming shift is rostered);
    — submitted by then but neither accepted nor refused by the incoming shift's start + grace: the incoming lead."""
    rule = rules.get("late_or_early")
    if rule is None:
        _advance_cursor("handover_submit_due", now, lambda since, until: None)
        _advance_cursor("handover_sign_due", now, lambda since, until: None)
        return
    grace = dt.timedelta(minutes=ShiftTemplate.objects.aggregate(most=Max("handover_grace_minutes"))["most"] or 0)

    def not_submitted(since, until):
        breaches = []
        ending = Shift.objects.filter(ends_at__gt=since - grace, ends_at__lte=until).select_related(
            "template", "handover_out")
        for shift in ending:
            due = shift.handover_submit_due_at
            if not since < due <= until:
                continue
            handover = getattr(shift, "handover_out", None)
            incoming = handover.incoming if handover is not None and handover.incoming_id else shift_next(shift)
            if incoming is None:
                continue  # no one to hand over to
            submitted = handover.first_submitted_at if handover is not None else None
            if submitted is None or submitted > due:
                breaches.append(Breach(rule=rule, source=f"shift:{shift.pk}", occurrence="handover_not_submitted",
                                       occurred_at=due, agent_id=shift.lead_id, unit_id=shift.unit_id))
        result.record(post_breaches(breaches))

    def not_signed(since, until):
        breaches = []
        starting = Shift.objects.filter(starts_at__gt=since - grace, starts_at__lte=until).select_related("template")
        for shift in starting:
            due = shift.handover_sign_due_at
            if not since < due <= until:
                continue
            for handover in Handover.objects.filter(incoming=shift):
                submitted, decided = handover.first_submitted_at, handover.first_decided_at
                if submitted is not None and submitted <= due and (decided is None or decided > due):
                    breaches.append(Breach(rule=rule, source=f"shift:{shift.pk}", occurrence="handover_not_signed",
                                           occurred_at=due, agent_id=shift.lead_id, unit_id=shift.unit_id))
        result.record(post_breaches(breaches))

    _advance_cursor("handover_submit_due", now, not_submitted)
    _advance_cursor("handover_sign_due", now, not_signed)


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


JUDGES = (judge_calls, judge_attitude_findings, judge_attendance, judge_absences, judge_handovers,
          judge_handover_punctuality, judge_outages)
