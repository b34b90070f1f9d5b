"""Reads of work orders, customers and calls that the API, the pages and the reports share: who sees what."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from ..models import Call, Callback, Customer, User, WorkOrder, WorkOrderTransition
from ..models.states import OPEN_STATES  # noqa: F401  (the machine's; read through here by the pages)
from ..reference import attach_users
from ..sla import due_soon_q, is_overdue, overdue_q  # noqa: F401  (the deadline table's; read through here by the pages)


def visible_work_orders(user: User) -> QuerySet[WorkOrder]:
    """The front office and management see every order; a department handler sees the orders now with
    their department and those their department has acted on (so an order they passed on stays visible)."""
    # Joined: what every answer shows. Not the unit (answers give its id) nor the finding's responsible agent
    # (set on few orders: read for a page in one query when any is): each join of a query costs PostgreSQL
    # planning time on every request, more than the query itself for one order.
    return _visible(user, WorkOrder.objects.select_related("owner", "department", "handler", "customer")
                    .prefetch_related("finding_responsible"))


def _visible(user: User, orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """``orders`` as far as the user may see them (``visible_work_orders``)."""
    if user.has_perm("tickets.view_all_orders") or user.has_perm("tickets.take_calls"):
        return orders
    if user.has_perm("tickets.handle_department") and user.department_id:
        acted = WorkOrderTransition.objects.filter(order=OuterRef("pk"), actor__department_id=user.department_id)
        return orders.filter(Q(department_id=user.department_id) | Q(Exists(acted)))
    return orders.none()


# What an order's detail shows besides the order, read the same way for one order and for many: its history with
# the actors, its callbacks with the agents (attribute: relation, model, its user).
_DETAIL = {"detail_history": ("history", WorkOrderTransition, "actor"),
           "detail_callbacks": ("callbacks", Callback, "agent")}
_PEOPLE = ("owner", "handler", "finding_responsible")  # an order's users that its page shows


def detail_prefetches() -> tuple[Prefetch, ...]:
    """The detail of many orders (``detail_history``, ``detail_callbacks``): one query each for all of them."""
    return tuple(Prefetch(relation, queryset=model.objects.select_related(user), to_attr=attr)
                 for attr, (relation, model, user) in _DETAIL.items())


def work_order_detail(user: User, pk: int) -> WorkOrder:
    """One order with its detail; its people (owner, handler …) from the cached directory, not joined."""
    order = _visible(user, WorkOrder.objects.select_related("department", "customer")).get(pk=pk)
    attach_users([order], *_PEOPLE)
    return _read_detail(order)


def _read_detail(order: WorkOrder) -> WorkOrder:
    """One order's detail: filtered on the order's id directly (the prefetch machinery costs more than these two
    queries for a single order), the users from the cached directory; each row's ``order`` is the order in hand."""
    for attr, (_relation, model, user) in _DETAIL.items():
        rows = list(model.objects.filter(order_id=order.pk))
        attach_users(rows, user)
        for row in rows:
            row.order = order
        setattr(order, attr, rows)
    return order


def with_detail(order: WorkOrder, *, new: bool = False) -> WorkOrder:
    """(Re)load the history and callbacks of an order in hand, e.g. right after a write, instead of reading the whole
    order again: one query each. An order just created (``new``) carries the history rows the service wrote
    (``written_history``) and has no callback: nothing is read."""
    if new and getattr(order, "written_history", None) is not None:
        order.detail_history, order.detail_callbacks = list(order.written_history), []
        return order
    return _read_detail(order)  # what was read before the write is stale: read again


def visible_customers(user: User) -> QuerySet[Customer]:
    if user.has_perm("tickets.take_calls") or user.has_perm("tickets.view_all_orders"):
        return Customer.objects.all()
    return Customer.objects.filter(orders__in=visible_work_orders(user)).distinct()


def visible_calls(user: User) -> QuerySet[Call]:
    calls = Call.objects.select_related("agent", "customer")
    if any(user.has_perm(p) for p in ("tickets.take_calls", "tickets.view_all_orders", "tickets.log_any_call")):
        return calls  # the telephony system reads back the calls it logged
    return calls.none()




