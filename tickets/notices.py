"""Whom this app's events tell (``contactcenter.notifications``): an order that comes to a department tells its
handlers; an urge tells those who hold the order (its department's handlers, the agent who accepted it); an order
due soon tells the same people and the lead of the shift on duty it belongs to (``notify_due_soon``, from beat; the
shifts app registers who that is, ``register_shift_leads``). Nobody is told of what they did themselves."""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from contactcenter.models import NoticeKind, NotificationPreference
from contactcenter.notifications import Notice, notify, register, register_labels, users_with_perm

from . import sla
from .models import WorkOrder
from .models.workorders import FINAL_STATES

HANDLES = "tickets.handle_department"
COMES_TO_DEPARTMENT = ("dispatch", "forward", "return_to_sender")  # the steps that hand an order to a department


# The shifts app's reader: the open orders → for each, the leads of the shifts on duty now it belongs to.
_shift_leads: Callable[[list[WorkOrder], dt.datetime], dict[int, list[int]]] | None = None


def register_shift_leads(reader: Callable[[list[WorkOrder], dt.datetime], dict[int, list[int]]]) -> None:
    global _shift_leads
    _shift_leads = reader


def department_handlers(department_ids: set[int]) -> dict[int, list[int]]:
    """Each department's active handlers (those told of what comes to it or is charged to it)."""
    found: dict[int, list[int]] = {}
    if department_ids:
        rows = users_with_perm(HANDLES, department_id__in=department_ids, is_active=True).values_list(
            "department_id", "pk")
        for department_id, pk in rows:
            found.setdefault(department_id, []).append(pk)
    return found


def _order_url(order_id: int) -> str:
    return reverse("tickets:order-detail", args=[order_id])


def dispatched(events) -> list[Notice]:
    """order.transitioned: an order dispatched, forwarded or returned to a department tells its handlers."""
    events = [e for e in events if e.payload.get("transition") in COMES_TO_DEPARTMENT and e.payload.get("department")]
    handlers = department_handlers({e.payload["department"] for e in events})
    return [Notice(user, NoticeKind.DISPATCHED, e.key, _order_url(e.payload["id"]),
                   {"number": e.payload.get("number", ""), "order": e.payload["id"]})
            for e in events for user in handlers.get(e.payload["department"], ())
            if user != e.payload.get("actor_id")]


def urged(events) -> list[Notice]:
    """order.urged: those who hold the order — its department's handlers, else the agent who accepted it."""
    handlers = department_handlers({e.payload["department"] for e in events if e.payload.get("department")})
    notices = []
    for e in events:
        holders = handlers.get(e.payload.get("department"), []) or [e.payload.get("owner")]
        notices += [Notice(user, NoticeKind.URGED, e.key, _order_url(e.payload["id"]),
                           {"number": e.payload.get("number", ""), "order": e.payload["id"]})
                    for user in dict.fromkeys(holders) if user and user != e.payload.get("actor_id")]
    return notices


def register_recipients() -> None:
    from .models import Deadline

    register_labels("deadline", dict(Deadline.choices))
    register("order.transitioned", dispatched)
    register("order.urged", urged)


def notify_due_soon(now: dt.datetime | None = None) -> int:
    """Tell those who hold an open order whose deadline (a counted-down one, not met) falls due within their chosen
    time (default ``NOTIFY_DUE_MINUTES``): once per order, deadline and due time. Returns the notices written."""
    now = now or timezone.now()
    windows = dict(NotificationPreference.objects.exclude(due_minutes=None).values_list("user_id", "due_minutes"))
    longest = dt.timedelta(minutes=max([settings.NOTIFY_DUE_MINUTES, *windows.values()]))
    orders = list(WorkOrder.objects.filter(sla.due_soon_q(now, within=longest)).exclude(state__in=FINAL_STATES)
                  .only("pk", "number", "department_id", "owner_id", "handler_id", "state", *sla.DUE_COLUMNS,
                        *{fact for rule in sla.COUNTED_DOWN for fact in rule.met_by}))
    handlers = department_handlers({o.department_id for o in orders if o.department_id})
    leads = _shift_leads(orders, now) if _shift_leads is not None and orders else {}
    notices = []
    for order in orders:
        holders = list(dict.fromkeys([*handlers.get(order.department_id, []), order.owner_id,
                                      *leads.get(order.pk, [])]))
        for rule in sla.COUNTED_DOWN:
            due = getattr(order, rule.column)
            if due is None or rule.met_at(order) is not None or not now <= due:
                continue
            for user in holders:
                minutes = windows.get(user, settings.NOTIFY_DUE_MINUTES)
                if user and due < now + dt.timedelta(minutes=minutes):
                    notices.append(Notice(
                        user, NoticeKind.DUE_SOON, f"due:{order.pk}:{rule.deadline}:{due.isoformat()}",
                        _order_url(order.pk), {"number": order.number, "order": order.pk, "due_at": due.isoformat(),
                                               "deadline": rule.deadline}))
    notify(notices, at=now)
    return len(notices)

