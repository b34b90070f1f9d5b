"""Bulk actions 批量操作 on the queue and the search results: the same typed service and permission check as one order,
once per order, each in its own transaction — an order is changed entirely or not at all, and one refused order
does not stop the others. Each order's outcome is reported: done, or refused with the service's reason."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from contactcenter.errors import DomainError, InvalidInput

from ...models import Department, User, WorkOrder
from .routing import (
    work_order_add_note,
    work_order_cancel,
    work_order_dispatch,
    work_order_reassign,
    work_order_urge,
)

BULK_ACTIONS = ("dispatch", "urge", "reassign", "add_note", "cancel")
BULK_MAX = 500  # orders in one request


@dataclass(frozen=True)
class BulkOutcome:
    order_id: int
    number: str
    done: bool
    code: str = ""
    detail: str = ""
    status: int = 200


def work_orders_bulk(*, orders: Sequence[WorkOrder], action: str, actor: User, department: Department | None = None,
                     handler: User | None = None, note: str = "", reason: str = "") -> list[BulkOutcome]:
    """Apply ``action`` to each order (already read as the actor may see them). 400 for an unknown action, too many
    orders, or an input the action needs and lacks (before any order is touched)."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(_("Unknown bulk action “%(action)s”") % {"action": action}, extra={"field": "action"})
    if len(orders) > BULK_MAX:
        raise InvalidInput(_("At most %(count)s orders at once") % {"count": BULK_MAX}, extra={"field": "orders"})
    if action in ("dispatch", "reassign") and department is None:
        raise InvalidInput(_("department is required"), extra={"field": "department"})
    if action == "add_note" and not (note or "").strip():
        raise InvalidInput(_("note is required"), extra={"field": "note"})
    if action == "cancel" and not (reason or "").strip():
        raise InvalidInput(_("reason is required"), extra={"field": "reason"})
    perform = {
        "dispatch": lambda order: work_order_dispatch(order=order, actor=actor, department=department,
                                                      handler=handler, note=note),
        "reassign": lambda order: work_order_reassign(order=order, actor=actor, department=department,
                                                      handler=handler, note=note),
        "urge": lambda order: work_order_urge(order=order, actor=actor, note=note),
        "add_note": lambda order: work_order_add_note(order=order, actor=actor, note=note),
        "cancel": lambda order: work_order_cancel(order=order, actor=actor, reason=reason, note=note),
    }[action]
    outcomes = []
    for order in orders:
        try:
            with transaction.atomic():
                perform(order)
        except DomainError as refused:
            outcomes.append(BulkOutcome(order.pk, order.number, False, refused.code, refused.detail,
                                        refused.status_code))
        except (ConcurrentTransition, TransitionNotAllowed):
            outcomes.append(BulkOutcome(order.pk, order.number, False, "concurrent_change",
                                        "Changed by someone else meanwhile", 409))
        else:
            outcomes.append(BulkOutcome(order.pk, order.number, True))
    return outcomes
