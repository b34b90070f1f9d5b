"""The one private helper behind every work-order action: ask the machine, run the transition, recompute the deadlines
it moved, save what changed, write the history row.

Every action (``work_order_dispatch``, ``work_order_reply`` …) validates its own inputs, then calls ``fire`` inside its
``transaction.atomic``. ``fire`` asks the order's machine whether the transition is allowed from the current state
(409 otherwise) and for this user (403); a concurrent change of the state makes the save fail (409, django-fsm's
``ConcurrentTransitionMixin``).
"""

import datetime as dt
from collections.abc import Callable

from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events, rows
from contactcenter.fsm import available_transitions as fsm_available
from contactcenter.fsm import check_transition

from ... import search, sla
from ...models import Call, User, WorkOrder, WorkOrderTransition
from ..sms import sms_order_transitioned


def order_event(order: WorkOrder) -> dict:
    """What an order's domain events carry (``contactcenter.events``): no phone number, no customer's name."""
    return {"id": order.pk, "number": order.number, "kind": order.kind, "state": order.state,
            "department": order.department_id, "unit": order.unit_id, "owner": order.owner_id}


def transition_names(order: WorkOrder) -> list[str]:
    """Every transition of this order's machine, in definition order."""
    return list(dict.fromkeys(t.name for t in order.get_all_state_transitions()))


def available_transitions(order: WorkOrder, user: User) -> list[str]:
    """Names the user may fire now: allowed from the state, conditions met, permitted."""
    return fsm_available(order, user)


def work_order_transition_check(*, order: WorkOrder, name: str, actor: User) -> None:
    """409 if ``name`` is not a transition of this order's machine or not allowed now; 403 if not permitted. The API
    and the pages ask it before reading the input: a refusal never depends on what was sent."""
    what = _("%(kind)s order") % {"kind": order.get_kind_display()}
    check_transition(order, name, actor, names=transition_names(order), what=what)


def fire(order: WorkOrder, name: str, *, actor: User, note: str = "", call: Call | None = None,
         data: dict | None = None, after: Callable[[WorkOrder, dt.datetime], None] | None = None,
         **arguments) -> WorkOrder:
    """Fire transition ``name`` of the order's machine with ``arguments`` (its method's keyword arguments, ``at``
    aside), in the caller's transaction. ``data`` goes to the history row; ``after(order, at)`` writes what belongs
    with the transition (a callback's answers)."""
    work_order_transition_check(order=order, name=name, actor=actor)
    at = timezone.now()
    source = order.state
    columns = [f.attname for f in order._meta.concrete_fields if f.attname != "state"]
    before = {attr: getattr(order, attr) for attr in columns}
    getattr(order, name)(at=at, **arguments)
    sla.recompute_deadlines(order, before=before)
    if any(getattr(order, attr) != before[attr] for attr in search.ORDER_TEXT_FIELDS):
        search.refresh(order)  # a reply, a finding, a note: found by a search from now on
    # Write only what this transition changed: a stale copy must not undo a concurrent same-state transition (an
    # urge) in the columns it did not touch. ConcurrentTransitionMixin adds "WHERE state = <state when loaded>", so
    # a concurrent change of the state fails this save (409).
    changed = [attr for attr in columns if getattr(order, attr) is not before[attr]
               and (isinstance(getattr(order, attr), Combinable) or getattr(order, attr) != before[attr])]
    order.save(update_fields=["state", "updated_at", *changed])
    expressions = [attr for attr in changed if isinstance(getattr(order, attr), Combinable)]
    if expressions:
        # What the database computed (urge_count + 1 …), in one query: refresh_from_db(fields=…) would build a
        # deferred instance whose state django-fsm's ConcurrentTransitionMixin then loads with a second one.
        for attr, value in WorkOrder.objects.filter(pk=order.pk).values(*expressions).get().items():
            setattr(order, attr, value)
    entry = WorkOrderTransition.objects.create(order=order, name=name, source=source, target=order.state,
                                               actor=actor, at=at, note=note, call=call, data=data or {})
    written = getattr(order, "written_history", None)
    if written is not None:  # an order created in this request: its whole history is in hand
        written.append(entry)
    with rows.batch():  # the event, its notifications and the caller's text message: sent together
        events.record("order.urged" if name == "urge" else "order.transitioned", f"order.transition:{entry.pk}",
                      {**order_event(order), "transition": name, "source": source, "actor": actor.username,
                       "actor_id": actor.pk}, at=at)
        sms_order_transitioned(order=order, name=name, entry_pk=entry.pk, at=at)  # the caller told, where they are
    if after is not None:
        after(order, at)
    return order


def required_message(field: str) -> str:
    """"<field> is required" in the user's language, with the field's name in words where it is known."""
    known = {"note": _("note is required"), "reason": _("reason is required"), "answer": _("answer is required"),
             "reply_text": _("reply_text is required"), "department": _("department is required")}
    return known.get(field) or _("%(field)s is required") % {"field": field}


def require_text(value: str | None, field: str) -> str:
    """A required text, stripped: 400 naming the field when it is missing or blank."""
    from contactcenter.errors import InvalidInput

    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(required_message(field), extra={"field": field})
    return value.strip()
