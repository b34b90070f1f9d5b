"""Every write of the shifts app: roster, check-in / check-out, handover and its transitions."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from contactcenter.fsm import available_transitions, check_transition
from tickets.models import Unit, User, WorkOrder
from tickets.models.workorders import FINAL_STATES
from tickets.sla import DEADLINE_CLOCKS, MET_BY

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

HANDOVER_TRANSITIONS = ("submit", "refuse", "accept")


# --- Roster ------------------------------------------------------------------------------------------


@transaction.atomic
def shift_create(*, unit: Unit, template: ShiftTemplate, date: dt.date, lead: User, members: list[User],
                 actor: User) -> Shift:
    """Roster a shift; the lead is always a member. A template that crosses midnight ends the next day."""
    if not actor.has_perm("shifts.add_shift"):
        raise NotPermitted("Only a shift lead or a supervisor builds the roster")
    starts_at, ends_at = template.bounds(date, timezone.get_current_timezone())
    try:
        with transaction.atomic():
            shift = Shift.objects.create(unit=unit, template=template, date=date, starts_at=starts_at,
                                         ends_at=ends_at, lead=lead)
    except IntegrityError:
        raise Conflict(f"{unit} already has a {template.name} on {date}", code="shift_exists") from None
    shift_set_members(shift=shift, members=members, actor=actor)
    return shift


@transaction.atomic
def shift_set_members(*, shift: Shift, members: list[User], actor: User) -> Shift:
    """Replace the members (attendance facts of those who stay are kept)."""
    if not actor.has_perm("shifts.change_shift"):
        raise NotPermitted("Only a shift lead or a supervisor changes the roster")
    wanted = {user.pk: user for user in [shift.lead, *members]}
    leaving = shift.memberships.exclude(user_id__in=wanted)
    if leaving.filter(Q(checked_in_at__isnull=False) | Q(checked_out_at__isnull=False)).exists():
        raise Conflict("A member who has checked in cannot be removed", code="member_checked_in")
    leaving.delete()
    present = set(shift.memberships.values_list("user_id", flat=True))
    ShiftMember.objects.bulk_create(ShiftMember(shift=shift, user=u) for pk, u in wanted.items() if pk not in present)
    return shift


def shift_next(shift: Shift) -> Shift | None:
    """The incoming shift: the unit's next shift, starting when this one ends (or the first after it)."""
    return (
        Shift.objects.filter(unit=shift.unit, starts_at__gt=shift.starts_at, starts_at__lte=shift.ends_at)
        .order_by("-starts_at").first()
        or Shift.objects.filter(unit=shift.unit, starts_at__gt=shift.starts_at).order_by("starts_at").first()
    )


# --- Attendance --------------------------------------------------------------------------------------


def _membership(shift: Shift, user: User) -> ShiftMember:
    member = ShiftMember.objects.select_for_update().filter(shift=shift, user=user).first()
    if member is None:
        raise NotPermitted("You are not rostered on this shift")
    return member


@transaction.atomic
def shift_check_in(*, shift: Shift, user: User) -> ShiftMember:
    """签到. On post ``checkin_lead_minutes`` before the start (seed 000: 20); later is late (kpi judges)."""
    member = _membership(shift, user)
    now = timezone.now()
    if member.checked_in_at is not None:
        raise Conflict("Already checked in", code="already_checked_in")
    if now >= shift.ends_at:
        raise Conflict("This shift has ended", code="shift_ended")
    if now < shift.starts_at - dt.timedelta(hours=2):
        raise Conflict("Check-in opens two hours before the shift", code="too_early")
    member.checked_in_at = now
    member.save(update_fields=["checked_in_at"])
    return member


@transaction.atomic
def shift_check_out(*, shift: Shift, user: User) -> ShiftMember:
    """签退. Before the end is an early leave (kpi judges)."""
    member = _membership(shift, user)
    if member.checked_in_at is None:
        raise Conflict("Check in first", code="not_checked_in")
    if member.checked_out_at is not None:
        raise Conflict("Already checked out", code="already_checked_out")
    member.checked_out_at = timezone.now()
    member.save(update_fields=["checked_out_at"])
    return member


# --- Handover ----------------------------------------------------------------------------------------


def handover_open_orders(shift: Shift):
    """The open work orders the shift holds: owned by its members, or carried into it by a handover."""
    members = shift.memberships.values("user_id")
    return (
        WorkOrder.objects.exclude(state__in=FINAL_STATES)
        .filter(Q(owner_id__in=members) | Q(handling_shift__shift=shift))
        .distinct()
    )


def _order_due(order: WorkOrder) -> dt.datetime | None:
    """The order's next deadline that is still to be met (what the incoming shift must watch)."""
    dues = [
        getattr(order, column) for column, deadline, _ in DEADLINE_CLOCKS
        if getattr(order, column) is not None and not any(getattr(order, met) for met in MET_BY[deadline])
    ]
    return min(dues, default=None)


def _refresh_items(handover: Handover) -> None:
    """Carried orders = the shift's open orders now: add new ones, drop those closed meanwhile."""
    orders = {order.pk: order for order in handover_open_orders(handover.outgoing)}
    handover.items.filter(kind=HandoverItemKind.ORDER).exclude(order_id__in=orders).delete()
    present = set(handover.items.filter(kind=HandoverItemKind.ORDER).values_list("order_id", flat=True))
    HandoverItem.objects.bulk_create(
        HandoverItem(handover=handover, kind=HandoverItemKind.ORDER, order=order, due_at=_order_due(order))
        for pk, order in orders.items() if pk not in present
    )
    for item in handover.items.filter(kind=HandoverItemKind.ORDER).select_related("order"):
        due = _order_due(item.order)
        if item.due_at != due:
            HandoverItem.objects.filter(pk=item.pk).update(due_at=due)


@transaction.atomic
def handover_open(*, shift: Shift, actor: User | None = None) -> Handover:
    """The draft handover of an outgoing shift, created once (automatically by beat before the shift ends,
    or when its lead opens the page), listing the open orders the shift holds. A person opening it must be
    the shift's lead or a supervisor; beat passes no actor."""
    if actor is not None and not (actor.pk == shift.lead_id or actor.has_perm("shifts.supervise_handover")):
        raise NotPermitted("Only the shift's lead opens its handover")
    handover, created = Handover.objects.get_or_create(outgoing=shift, defaults={"incoming": shift_next(shift)})
    if handover.incoming_id is None:
        incoming = shift_next(shift)
        if incoming is not None:
            Handover.objects.filter(pk=handover.pk).update(incoming=incoming)
            handover.incoming = incoming
    if handover.state in (HandoverState.DRAFT, HandoverState.REFUSED):
        _refresh_items(handover)
    if created:
        HandoverTransition.objects.create(handover=handover, name="create", source="", target=handover.state,
                                          at=timezone.now())
    return handover


@transaction.atomic
def handover_add_item(*, handover: Handover, actor: User, kind: str, text: str,
                      due_at: dt.datetime | None = None) -> HandoverItem:
    """A pending item of the outgoing shift: a reply owed to the upper company, or a note."""
    handover_outgoing_check(handover=handover, actor=actor)
    if kind not in (HandoverItemKind.REPLY, HandoverItemKind.NOTE):
        raise InvalidInput("Only replies owed upward and notes are added by hand", extra={"field": "kind"})
    if handover.state not in (HandoverState.DRAFT, HandoverState.REFUSED):
        raise Conflict("Items are added before the handover is signed", code="handover_signed")
    if not text.strip():
        raise InvalidInput("The item needs a text", extra={"field": "text"})
    return HandoverItem.objects.create(handover=handover, kind=kind, text=text.strip(), due_at=due_at)


def handover_outgoing_check(*, handover: Handover, actor: User) -> None:
    """403 unless the actor is the outgoing lead (or a supervisor), who adds items and signs. The pages and the API
    ask it before reading the fields, so a refusal never depends on what was sent."""
    if not is_outgoing_lead(handover, actor):
        raise NotPermitted("Only the outgoing lead adds items and signs the handover")


def handover_incoming_check(*, handover: Handover, actor: User) -> None:
    """403 unless the actor is the incoming lead (or a supervisor), who accepts or refuses; asked before reading
    the review's fields (the state is the transition's own question: 409)."""
    if not is_incoming_lead(handover, actor):
        raise NotPermitted("Only the incoming lead reviews the handover")


def handover_transition_check(*, handover: Handover, name: str, actor: User) -> None:
    check_transition(handover, name, actor, names=HANDOVER_TRANSITIONS, what="A handover")


def handover_available_transitions(handover: Handover, user: User) -> list[str]:
    return available_transitions(handover, user)


@transaction.atomic
def handover_transition(*, handover: Handover, name: str, actor: User, params: dict[str, Any] | None = None,
                        note: str = "") -> Handover:
    """submit (checklist), refuse (reason, for_cleaning), accept (flagged item ids)."""
    params = dict(params or {})
    handover_transition_check(handover=handover, name=name, actor=actor)
    at = timezone.now()
    source = handover.state
    flagged: dict[int, str] = {}
    if name == "submit":
        _refresh_items(handover)
        for field in ("cleaning_done", "equipment_ok", "items_counted"):
            if not isinstance(params.get(field), bool):
                raise InvalidInput(f"{field} (true or false) is required", extra={"field": field})
        handover.submit(at=at, by=actor, cleaning_done=params["cleaning_done"], equipment_ok=params["equipment_ok"],
                        items_counted=params["items_counted"], notes=params.get("notes", "") or "")
    elif name == "refuse":
        reason = (params.get("reason") or "").strip()
        if not reason:
            raise InvalidInput("A refusal needs a reason", extra={"field": "reason"})
        handover.refuse(at=at, reason=reason, for_cleaning=bool(params.get("for_cleaning")))
    else:
        if handover.incoming_id is None:
            raise Conflict("There is no incoming shift to accept this handover", code="no_incoming_shift")
        flagged = _flags(handover, params.get("flagged") or [])
        handover.accept(at=at, by=actor)
    handover.save()
    if name == "accept":
        _accept_items(handover, flagged, at)
    HandoverTransition.objects.create(handover=handover, name=name, source=source, target=handover.state,
                                      actor=actor, at=at, note=note or params.get("reason", "") or "")
    return handover


def _flags(handover: Handover, flagged: list) -> dict[int, str]:
    """{item id: note} of the carried orders the incoming lead flags as 'could have been handled'."""
    result: dict[int, str] = {}
    orders = dict(handover.items.filter(kind=HandoverItemKind.ORDER).values_list("pk", "order_id"))
    for entry in flagged:
        item_id, note = (entry.get("item"), entry.get("note", "")) if isinstance(entry, dict) else (entry, "")
        if item_id not in orders:
            raise InvalidInput(f"{item_id!r} is not a carried work order of this handover",
                               extra={"field": "flagged"})
        result[item_id] = str(note or "")[:2000]
    return result


def _accept_items(handover: Handover, flagged: dict[int, str], at: dt.datetime) -> None:
    handover.items.update(reviewed=True)
    for item_id, note in flagged.items():
        HandoverItem.objects.filter(pk=item_id).update(flagged=True, flag_note=note)
    # The incoming shift now handles the carried orders; the first-question owner does not change.
    for order_id in handover.items.filter(kind=HandoverItemKind.ORDER).values_list("order_id", flat=True):
        OrderShift.objects.update_or_create(order_id=order_id, defaults={"shift": handover.incoming, "since": at})
