"""Reads of the shifts app that the API and the pages share: the roster week, my shifts, handovers and their
lateness. No writes here (see ``services``)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from tickets.models import Unit, User
from tickets.queue_tabs import OnDuty

from .models import (
    Handover,
    HandoverItem,
    HandoverItemKind,
    HandoverState,
    HandoverTransition,
    OrderShift,
    Shift,
    ShiftMember,
    ShiftTemplate,
    is_incoming_lead,
    is_outgoing_lead,
)
from .services import handover_available_transitions

WEEK = 7


# --- Shifts --------------------------------------------------------------------------------------------


def visible_shifts(user: User) -> QuerySet[Shift]:
    """Every role that may see the roster sees all of it (the center works one roster)."""
    if not user.has_perm("shifts.view_shift"):
        return Shift.objects.none()
    lead_first = Case(When(user_id=F("shift__lead_id"), then=Value(0)), default=Value(1), output_field=IntegerField())
    members = ShiftMember.objects.select_related("user").order_by(lead_first, "user__username")
    return Shift.objects.select_related("unit", "template", "lead", "handover_out").prefetch_related(
        Prefetch("memberships", queryset=members))


def checkin_due_at(shift: Shift) -> dt.datetime:
    """The on-time limit of a check-in: the start − the template's lead minutes (seed 000: 20)."""
    return shift.starts_at - dt.timedelta(minutes=shift.template.checkin_lead_minutes)


def checked_in_late(shift: Shift, member: ShiftMember) -> bool:
    return member.checked_in_at is not None and member.checked_in_at > checkin_due_at(shift)


def left_early(shift: Shift, member: ShiftMember) -> bool:
    return member.checked_out_at is not None and member.checked_out_at < shift.ends_at


def templates_in_columns() -> list[ShiftTemplate]:
    """Active templates in the order of a day: the three shifts (夜 0:00, 早 8:00, 中 16:00), then 24-hour duty."""
    return sorted(ShiftTemplate.objects.filter(active=True), key=lambda t: (t.pattern == "24h", t.start, t.code))


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class RosterDay:
    date: dt.date
    cells: list[Shift | None]  # one per template column


@dataclass
class RosterWeek:
    unit: Unit | None
    monday: dt.date
    templates: list[ShiftTemplate]
    days: list[RosterDay]

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=WEEK)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=WEEK)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=WEEK - 1)


def roster_week(user: User, *, unit: Unit | None, day: dt.date) -> RosterWeek:
    """The week containing ``day`` as a grid of dates × templates; a cell is the rostered shift or None."""
    monday = week_start(day)
    templates = templates_in_columns()
    shifts = visible_shifts(user).filter(unit=unit, date__gte=monday, date__lt=monday + dt.timedelta(days=WEEK))
    by_key = {(shift.date, shift.template_id): shift for shift in shifts}
    days = [
        RosterDay(date=date, cells=[by_key.get((date, template.pk)) for template in templates])
        for date in (monday + dt.timedelta(days=n) for n in range(WEEK))
    ]
    return RosterWeek(unit=unit, monday=monday, templates=templates, days=days)


def default_roster_unit(user: User) -> Unit | None:
    """The user's own unit when it has shifts, otherwise the unit with the latest rostered shift."""
    if user.unit_id and Shift.objects.filter(unit_id=user.unit_id).exists():
        return user.unit
    latest = Shift.objects.select_related("unit").order_by("-starts_at").first()
    return latest.unit if latest else user.unit


def rostered_units() -> QuerySet[Unit]:
    return Unit.objects.filter(shifts__isnull=False).distinct().order_by("code")


def my_shifts(user: User, *, now: dt.datetime | None = None, limit: int = 6) -> list[ShiftMember]:
    """The user's memberships from the shift that ended most recently (to check out) to the next few."""
    now = now or timezone.now()
    return list(
        ShiftMember.objects.filter(user=user, shift__ends_at__gt=now - dt.timedelta(hours=12))
        .select_related("shift__unit", "shift__template", "shift__lead", "shift__handover_out")
        .order_by("shift__starts_at")[:limit]
    )


# --- Handovers -----------------------------------------------------------------------------------------


def visible_handovers(user: User) -> QuerySet[Handover]:
    if not user.has_perm("shifts.view_handover"):
        return Handover.objects.none()
    return Handover.objects.select_related(
        "outgoing__unit", "outgoing__template", "outgoing__lead", "incoming__template", "incoming__lead",
        "submitted_by", "accepted_by",
    )


def handover_detail_queryset(user: User) -> QuerySet[Handover]:
    return visible_handovers(user).prefetch_related(
        Prefetch("items", queryset=HandoverItem.objects.select_related("order__owner").order_by(
            "kind", F("due_at").asc(nulls_last=True), "id")),
        Prefetch("history", queryset=HandoverTransition.objects.select_related("actor").order_by("at", "id")),
    )


def carried_orders(handover: Handover) -> list[HandoverItem]:
    """The items the incoming lead may flag: carried work orders (not notes or replies owed)."""
    return [item for item in handover.items.all() if item.kind == HandoverItemKind.ORDER]


def lateness(handover: Handover, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How late the handover was accepted (or, not accepted yet, is already) after the incoming shift's start
    + grace (seed 000 交接-班规定 1: 5 minutes); None when on time or there is no incoming shift."""
    due = handover.due_at
    if due is None:
        return None
    done = handover.accepted_at if handover.state == HandoverState.ACCEPTED else (now or timezone.now())
    return done - due if done > due else None


def may_open_handover(shift: Shift, user: User) -> bool:
    """The outgoing lead (or a supervisor) opens the shift's draft handover."""
    return user.pk == shift.lead_id or user.has_perm("shifts.supervise_handover")


def may_edit_outgoing(handover: Handover, user: User) -> bool:
    return handover.state in (HandoverState.DRAFT, HandoverState.REFUSED) and is_outgoing_lead(handover, user)


def may_review(handover: Handover, user: User) -> bool:
    return handover.state == HandoverState.SUBMITTED and is_incoming_lead(handover, user)


def available_transitions(handover: Handover, user: User) -> list[str]:
    return handover_available_transitions(handover, user)


def handovers_to_review(user: User) -> QuerySet[Handover]:
    """Submitted handovers waiting for this user as the incoming lead."""
    return visible_handovers(user).filter(state=HandoverState.SUBMITTED, incoming__lead=user)


# --- The queue's "my shift" tab (registered with tickets.queue_tabs in ShiftsConfig.ready) ---------------------


def on_duty_orders(user: User, now: dt.datetime) -> OnDuty:
    """The shifts the user is on now, their members, and the shift's orders: accepted or handled by one of its
    members, or carried over to it at a handover."""
    shifts = list(Shift.objects.filter(starts_at__lte=now, ends_at__gt=now, memberships__user=user)
                  .select_related("template", "unit", "lead").order_by("starts_at", "pk"))
    if not shifts:
        return OnDuty()
    members = ShiftMember.objects.filter(shift__in=shifts).values("user_id")
    carried = OrderShift.objects.filter(order=OuterRef("pk"), shift__in=shifts)
    return OnDuty(
        shifts=shifts,
        members=list(User.objects.filter(shift_memberships__shift__in=shifts).distinct().order_by("username")),
        orders=Q(owner_id__in=members) | Q(handler_id__in=members) | Q(Exists(carried)),
    )
