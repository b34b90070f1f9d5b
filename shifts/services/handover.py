"""The handover 交接班 (seed 000 交接班, 交接-班规定): opened with the outgoing shift's open orders, signed by the
outgoing lead with the checklist, accepted or refused by the incoming lead — one typed function per action."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from contactcenter.fsm import available_transitions, check_transition
from tickets.models import User, WorkOrder
from tickets.models.workorders import FINAL_STATES
from tickets.sla import next_unmet_due

from ..models import (
    Handover,
    HandoverItem,
    HandoverItemKind,
    HandoverState,
    HandoverTransition,
    OrderShift,
    Shift,
    is_incoming_lead,
    is_outgoing_lead,
)
from .roster import shift_next

HANDOVER_TRANSITIONS = ("submit", "refuse", "accept")


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
    return next_unmet_due(order)


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
        raise NotPermitted(_("Only the shift's lead opens its handover"))
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
        raise InvalidInput(_("Only replies owed upward and notes are added by hand"), extra={"field": "kind"})
    if handover.state not in (HandoverState.DRAFT, HandoverState.REFUSED):
        raise Conflict(_("Items are added before the handover is signed"), code="handover_signed")
    if not text.strip():
        raise InvalidInput(_("The item needs a text"), extra={"field": "text"})
    return HandoverItem.objects.create(handover=handover, kind=kind, text=text.strip(), due_at=due_at)


def handover_outgoing_check(*, handover: Handover, actor: User) -> None:
    """403 unless the actor is the outgoing lead (or a supervisor), who adds items and signs. The pages and the API
    ask it before reading the fields, so a refusal never depends on what was sent."""
    if not is_outgoing_lead(handover, actor):
        raise NotPermitted(_("Only the outgoing lead adds items and signs the handover"))


def handover_incoming_check(*, handover: Handover, actor: User) -> None:
    """403 unless the actor is the incoming lead (or a supervisor), who accepts or refuses; asked before reading
    the review's fields (the state is the transition's own question: 409)."""
    if not is_incoming_lead(handover, actor):
        raise NotPermitted(_("Only the incoming lead reviews the handover"))


def handover_transition_check(*, handover: Handover, name: str, actor: User) -> None:
    check_transition(handover, name, actor, names=HANDOVER_TRANSITIONS, what=_("handover"))


def handover_available_transitions(handover: Handover, user: User) -> list[str]:
    return available_transitions(handover, user)


def _fire(handover: Handover, name: str, *, actor: User, note: str = "", after=None, **arguments) -> Handover:
    """Ask the handover's machine (409 not allowed now, 403 not this user), run transition ``name``, save, then
    ``after(at)``, then the history row."""
    handover_transition_check(handover=handover, name=name, actor=actor)
    at = timezone.now()
    source = handover.state
    getattr(handover, name)(at=at, **arguments)
    handover.save()
    if after is not None:
        after(at)
    entry = HandoverTransition.objects.create(handover=handover, name=name, source=source, target=handover.state,
                                              actor=actor, at=at, note=note)
    if name in ("submit", "accept"):  # signed by the outgoing lead, then countersigned by the incoming one
        events.record("handover.signed", f"handover.transition:{entry.pk}",
                      {"id": handover.pk, "outgoing_shift": handover.outgoing_id,
                       "incoming_shift": handover.incoming_id, "state": handover.state,
                       "by": "outgoing" if name == "submit" else "incoming", "lead": actor.username}, at=at)
    return handover


@transaction.atomic
def handover_submit(*, handover: Handover, actor: User, cleaning_done: bool, equipment_ok: bool,
                    items_counted: bool, notes: str = "", note: str = "") -> Handover:
    """The outgoing lead signs, with the checklist (seed 000 交接-班规定 2, 4): the carried orders are listed anew."""
    handover_transition_check(handover=handover, name="submit", actor=actor)
    for field, value in (("cleaning_done", cleaning_done), ("equipment_ok", equipment_ok),
                         ("items_counted", items_counted)):
        if not isinstance(value, bool):
            raise InvalidInput(_("%(field)s (true or false) is required") % {"field": field}, extra={"field": field})
    _refresh_items(handover)
    return _fire(handover, "submit", actor=actor, note=note, by=actor, cleaning_done=cleaning_done,
                 equipment_ok=equipment_ok, items_counted=items_counted, notes=notes or "")


@transaction.atomic
def handover_refuse(*, handover: Handover, actor: User, reason: str, for_cleaning: bool = False,
                    note: str = "") -> Handover:
    """The incoming lead refuses (e.g. cleaning not done, seed 000 交接-班规定 4); the outgoing shift fixes it and
    resubmits."""
    handover_transition_check(handover=handover, name="refuse", actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("A refusal needs a reason"), extra={"field": "reason"})
    return _fire(handover, "refuse", actor=actor, note=note or reason, reason=reason, for_cleaning=bool(for_cleaning))


@transaction.atomic
def handover_accept(*, handover: Handover, actor: User, flagged: list | None = None, note: str = "") -> Handover:
    """The incoming lead has reviewed every carried item and signs; the orders it flags as "could have been handled
    in the shift" (seed 000 考核 6) are noted. The incoming shift now handles the carried orders."""
    handover_transition_check(handover=handover, name="accept", actor=actor)
    if handover.incoming_id is None:
        raise Conflict(_("There is no incoming shift to accept this handover"), code="no_incoming_shift")
    flags = _flags(handover, flagged or [])
    return _fire(handover, "accept", actor=actor, note=note, by=actor,
                 after=lambda at: _accept_items(handover, flags, at))


def _flags(handover: Handover, flagged: list) -> dict[int, str]:
    """{item id: note} of the carried orders the incoming lead flags as 'could have been handled', each with the
    reason (400 without one)."""
    result: dict[int, str] = {}
    orders = dict(handover.items.filter(kind=HandoverItemKind.ORDER).values_list("pk", "order_id"))
    for entry in flagged:
        item_id, note = (entry.get("item"), entry.get("note", "")) if isinstance(entry, dict) else (entry, "")
        if item_id not in orders:
            raise InvalidInput(_("“%(item)s” is not a carried work order of this handover") % {"item": item_id},
                               extra={"field": "flagged"})
        note = str(note or "").strip()
        if not note:
            # A flag charges the order's first-question owner (seed 000 考核 6): the lead says why it could have been
            # handled in the shift — what the agent reads in the ledger, and what an appeal is decided on.
            raise InvalidInput(_("Say why each flagged order could have been handled in the shift"),
                               code="flag_reason_required", extra={"field": "flagged", "item": item_id})
        result[item_id] = note[:2000]
    return result


def _accept_items(handover: Handover, flagged: dict[int, str], at: dt.datetime) -> None:
    handover.items.update(reviewed=True)
    for item_id, note in flagged.items():
        HandoverItem.objects.filter(pk=item_id).update(flagged=True, flag_note=note)
    # The incoming shift now handles the carried orders; the first-question owner does not change.
    for order_id in handover.items.filter(kind=HandoverItemKind.ORDER).values_list("order_id", flat=True):
        OrderShift.objects.update_or_create(order_id=order_id, defaults={"shift": handover.incoming, "since": at})
