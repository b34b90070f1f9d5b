"""Merging duplicates 合并重复工单: a lead or supervisor merges an order into the one it repeats, and may undo it for a
while (``settings.MERGE_UNDO_MINUTES``).

The target keeps its number and owner. The merged order is closed as ``merged`` with a link to it; its calls move
to the target as urges 催办 (its own call and each urge it had: one urge row on the target each, with the call); each
order's history says what happened. The merged order's deadlines are no longer judged (``next_due_at`` cleared, the
sweep and the report skip ``NOT_JUDGED`` states). Penalties already posted stay: the ledger is append-only — an
appeal reverses them (README, "Merging duplicates").
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.errors import Conflict, InvalidInput

from ... import sla
from ...models import User, WorkOrder, WorkOrderTransition
from .firing import fire, work_order_transition_check


def merge_undo_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.MERGE_UNDO_MINUTES)


def _locked(*pks: int) -> dict[int, WorkOrder]:
    """Both orders, locked in id order (two merges crossing each other wait instead of deadlocking)."""
    rows = WorkOrder.objects.select_for_update().select_related("customer").filter(pk__in=pks).order_by("pk")
    return {order.pk: order for order in rows}


@transaction.atomic
def work_order_merge(*, order: WorkOrder, into: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """Merge ``order`` (a duplicate) into ``into``: 403 unless a lead or supervisor, 409 unless both are open, 400
    for an order merged into itself or into an order that is itself merged."""
    work_order_transition_check(order=order, name="merge", actor=actor)
    if into.pk == order.pk:
        raise InvalidInput(_("An order cannot be merged into itself."), extra={"field": "into"})
    locked = _locked(order.pk, into.pk)
    order, into = locked[order.pk], locked[into.pk]
    work_order_transition_check(order=order, name="merge", actor=actor)  # as it is now, under the lock
    if not into.is_open:
        raise Conflict(_("%(number)s is closed: merge into an open order.") % {"number": into.number},
                       code="target_closed", extra={"field": "into"})
    calls = [(order.call, _("accepted from %(number)s") % {"number": order.number})]
    calls += [(row.call, row.note) for row in order.history.filter(name="urge").select_related("call").order_by("pk")]
    merged = fire(order, "merge", actor=actor, note=note, into=into,
                  data={"into": into.pk, "into_number": into.number, "urges": len(calls)})
    for call, said in calls:  # its calls, as urges of the target
        fire(into, "urge", actor=actor, call=call,
             note=_("Merged from %(number)s") % {"number": order.number} + (f": {said}" if said else ""),
             data={"merged_from": order.pk})
    return merged


@transaction.atomic
def work_order_unmerge(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """Undo a merge within ``MERGE_UNDO_MINUTES``: the order goes back to the state it was merged from and is judged
    again; the urges it brought are taken off the target. 409 after the window or when the target has closed."""
    work_order_transition_check(order=order, name="unmerge", actor=actor)
    locked = _locked(order.pk, order.merged_into_id)
    order, into = locked[order.pk], locked.get(order.merged_into_id)
    work_order_transition_check(order=order, name="unmerge", actor=actor)
    if order.merged_at is None or timezone.now() > order.merged_at + merge_undo_window():
        raise Conflict(_("A merge can be undone within %(minutes)s minutes only.")
                       % {"minutes": settings.MERGE_UNDO_MINUTES}, code="undo_expired")
    if into is None or not into.is_open:
        raise Conflict(_("The order it was merged into is closed: the merge can no longer be undone."),
                       code="target_closed")
    merge = order.history.filter(name="merge").order_by("-pk").first()
    urges = merge.data.get("urges", 0) if merge else 0
    back_to = merge.source if merge else order.state
    next_due = sla.next_unmet_due(order)  # a deadline that passed while merged is judged now
    undone = fire(order, "unmerge", actor=actor, note=note, back_to=back_to, next_due_at=next_due,
                  data={"from": into.pk, "from_number": into.number})
    # The urges it brought come off the target; the target's state does not change (a history row, no transition).
    WorkOrder.objects.filter(pk=into.pk).update(urge_count=Greatest(F("urge_count") - urges, 0))
    WorkOrderTransition.objects.create(
        order=into, name="unmerge", source=into.state, target=into.state, actor=actor, at=timezone.now(),
        note=_("Merge of %(number)s undone") % {"number": order.number}, data={"unmerged": order.pk, "urges": -urges})
    return undone

