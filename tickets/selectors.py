"""Reads shared by the API, the pages and (later) the reports."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import Call, Customer, User, WorkOrder, WorkOrderTransition
from .models.workorders import FINAL_STATES, State

# Each deadline paired with the fact that meets it.
_DEADLINE_MET = (
    ("first_contact_due_at", "first_contacted_at"),
    ("reply_due_at", "replied_at"),
    ("arrival_due_at", "arrived_at"),
    ("callback_due_at", "called_back_at"),
)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Open orders with a deadline passed and not met."""
    now = now or timezone.now()
    late = Q()
    for due, met in _DEADLINE_MET:
        late |= Q(**{f"{due}__lt": now, f"{met}__isnull": True})
    return late & ~Q(state__in=FINAL_STATES)


def is_overdue(order: WorkOrder, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if order.state in FINAL_STATES:
        return False
    return any(
        getattr(order, due) is not None and getattr(order, met) is None and getattr(order, due) < now
        for due, met in _DEADLINE_MET
    )


def visible_work_orders(user: User) -> QuerySet[WorkOrder]:
    """The front office and management see every order; a department handler sees the orders now with
    their department and those their department has acted on (so an order they passed on stays visible)."""
    orders = WorkOrder.objects.select_related("owner", "department", "handler", "customer", "unit")
    if user.has_perm("tickets.view_all_orders") or user.has_perm("tickets.take_calls"):
        return orders
    if user.has_perm("tickets.handle_department") and user.department_id:
        acted = WorkOrderTransition.objects.filter(order=OuterRef("pk"), actor__department_id=user.department_id)
        return orders.filter(Q(department_id=user.department_id) | Q(Exists(acted)))
    return orders.none()


def work_order_detail(user: User, pk: int) -> WorkOrder:
    return (
        visible_work_orders(user)
        .prefetch_related("history__actor", "callbacks__agent")
        .get(pk=pk)
    )


def visible_customers(user: User) -> QuerySet[Customer]:
    if user.has_perm("tickets.take_calls") or user.has_perm("tickets.view_all_orders"):
        return Customer.objects.all()
    return Customer.objects.filter(orders__in=visible_work_orders(user)).distinct()


def visible_calls(user: User) -> QuerySet[Call]:
    calls = Call.objects.select_related("agent", "customer")
    if user.has_perm("tickets.take_calls") or user.has_perm("tickets.view_all_orders"):
        return calls
    return calls.none()


OPEN_STATES = [s for s in State.values if s not in FINAL_STATES]
