"""The agent's work pages: my queue 我的工单 (mine / my shift's / my unit's), and the order page with a form per
transition (today's due callbacks 回访 are ``callbacks``). Thin: reads from ``selectors``, writes through
``services.workorders``, refusals become form errors (``forms.transitions.TransitionForm``).

The "my shift" tab is the shifts app's (``tickets.queue_tabs``): tickets never imports shifts."""

import datetime as dt
import functools
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Least
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services, sla
from ..filters import MAX_ID, WorkOrderFilter, filled
from ..forms.bulk import BULK_LABELS
from ..forms.transitions import TRANSITION_LABELS, transition_form
from ..models import Deadline, Kind, Role, SavedFilterPage, State, User, WorkOrder
from ..phones import phone_for
from ..queue_tabs import OnDuty, shift_orders
from ..reference import department_choices, unit_with_ancestors
from ..services.workorders import available_transitions, transition_names
from .rows import QueueRows, countdown_text, select_options

PAGE_SIZE = 50
TABS = ("mine", "shift", "unit")
TAB_LABELS = {"mine": gettext_lazy("Mine"), "shift": gettext_lazy("My shift's"), "unit": gettext_lazy("My unit's")}
DUE_TABS = ("overdue", "soon")
NOT_ON_ROWS = {"add_note"}  # on the order page and in the bulk bar, not a button on every row
PHRASES_PARTIAL = "tickets/_phrases.html"  # standard phrases for a situation (the console's work)
SEES_ORDERS = "tickets.view_workorder"
TAKES_CALLS = "tickets.take_calls"

DEADLINE_LABELS = {rule.column: Deadline(rule.deadline).label for rule in sla.DEADLINES}
NO_DEADLINE = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)  # sorts last; never shown

# Steps every kind has; listed after the kind's own (the order's next step comes first).
COMMON_STEPS = ("urge", "add_note", "escalate", "reassign", "return_to_sender", "cancel", "merge")



# --- Deadlines and their countdowns (static/js/countdown.js keeps the text running) --------------------------


def iso(moment: dt.datetime) -> str:
    """ISO 8601 to the millisecond, in local time: what JavaScript's Date.parse reads everywhere."""
    return timezone.localtime(moment).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Due:
    """One deadline of an order: when it is due, what met it (if anything), and the countdown."""

    column: str
    at: dt.datetime
    met_at: dt.datetime | None
    now: dt.datetime
    running: bool = True  # false when the order is finished: nothing is counting down
    provisional: bool = False  # counted on a provisional holiday calendar (tickets.calendar)

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self.column]

    @property
    def overdue(self) -> bool:
        return self.running and self.met_at is None and self.at < self.now

    @property
    def soon(self) -> bool:
        """Less than an hour left (amber)."""
        return self.counting and self.now <= self.at < self.now + dt.timedelta(hours=1)

    @property
    def counting(self) -> bool:
        return self.running and self.met_at is None

    @property
    def text(self) -> str:
        return countdown_text(self.at, self.now)

    @property
    def iso(self) -> str:
        return iso(self.at)


def order_deadlines(order: WorkOrder, now: dt.datetime) -> list[Due]:
    """Every deadline the order has, with the fact that met it (the deadline table, ``tickets.sla``), by due time."""
    dues = [Due(rule.column, getattr(order, rule.column), rule.met_at(order), now, running=order.is_open,
                provisional=rule.column in order.provisional_deadlines)
            for rule in sla.DEADLINES if getattr(order, rule.column) is not None]
    return sorted(dues, key=lambda due: due.at)


def nearest_deadline(order: WorkOrder, now: dt.datetime) -> Due | None:
    """The earliest deadline not met yet, among those the queue counts down."""
    unmet = [Due(rule.column, getattr(order, rule.column), None, now,
                 provisional=rule.column in order.provisional_deadlines)
             for rule in sla.COUNTED_DOWN if getattr(order, rule.column) is not None and rule.met_at(order) is None]
    return min(unmet, key=lambda due: due.at, default=None)


@functools.cache
def next_deadline_expression() -> Least:
    """``nearest_deadline`` in SQL, for sorting: the earliest unmet due time, NO_DEADLINE when there is none.
    (No NULLs: SQLite's multi-argument min() is NULL when any argument is.) Built once: the deadline table is code,
    and a query copies an expression before resolving it (``Expression.resolve_expression``)."""
    return Least(*(
        Case(When(Q(**{f"{rule.column}__isnull": False}) & ~rule.met_q(), then=F(rule.column)),
             default=Value(NO_DEADLINE), output_field=DateTimeField())
        for rule in sla.COUNTED_DOWN
    ))


def queue_columns() -> tuple[str, ...]:
    """The columns a queue row reads — its cells, its deadlines (the deadline table's columns and facts), what the
    state machine's conditions and permissions read to offer its steps — and nothing else: an order has 60."""
    deadlines = {name for rule in sla.DEADLINES for name in (rule.column, rule.starts, *rule.met_by)}
    return (
        "id", "number", "kind", "state", "caller_number", "address", "accepted_at", "reopen_count", "outage",
        "callback_required", "callback_attempts", "provisional_deadlines", "unit", "customer", "owner",
        "department", "handler", *sorted(deadlines),
    )


# The names a row shows of the order's customer, owner, department and handler, read as columns of the order's own
# row (``QueueRows.row``): building four related objects for each of 50 rows cost more than the rest of the row.
QUEUE_NAMES = {
    "customer_name": F("customer__name"), "customer_phone": F("customer__phone"),
    "owner_username": F("owner__username"), "owner_first_name": F("owner__first_name"),
    "owner_last_name": F("owner__last_name"), "department_name": F("department__name"),
    "handler_username": F("handler__username"), "handler_first_name": F("handler__first_name"),
    "handler_last_name": F("handler__last_name"),
}


def steps_for(order: WorkOrder, user: User) -> list[str]:
    """``available_transitions``, the kind's own steps first. Linking to a published outage is offered only when one
    covers the order's address (the published notices are cached: no query)."""
    names = available_transitions(order, user)
    if "link_outage" in names and selectors.outage_covering(order.address) is None:
        names.remove("link_outage")
    return sorted(names, key=lambda name: (name in COMMON_STEPS, COMMON_STEPS.index(name) if name in COMMON_STEPS
                                           else names.index(name)))


# --- My queue ----------------------------------------------------------------------------------------------


def mine_q(user: User) -> Q:
    """首问负责: orders I accepted or handle; for a department handler, also those now with my department."""
    mine = Q(owner=user) | Q(handler=user)
    if user.department_id and user.has_perm("tickets.handle_department"):
        mine |= Q(department_id=user.department_id)
    return mine


def default_tab(user: User) -> str:
    """Each role's own scope first: a supervisor's or a manager's unit tree, a lead's shift, an agent's orders."""
    roles = set(user.groups.values_list("name", flat=True))
    if roles & {Role.SUPERVISOR, Role.MANAGER} and user.has_perm("tickets.view_all_orders"):
        return "unit"
    if Role.SHIFT_LEAD in roles:
        return "shift"
    return "mine"


def tabs_for(user: User) -> list[str]:
    return [tab for tab in TABS if tab != "unit" or user.has_perm("tickets.view_all_orders")]


def bulk_context() -> dict:
    """The bulk-action bar's choices (``_bulk_bar.html``): the actions, the departments (cached reference data)."""
    return {"bulk_actions": BULK_LABELS, "bulk_department_options": select_options(department_choices())}



@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def queue(request):
    """我的工单: my open orders (or my shift's, or my unit tree's), by the nearest deadline, with what I may do to
    each. Tabs within: all of them, the overdue, those due within the hour."""
    user, now = request.user, timezone.now()
    tabs = tabs_for(user)
    tab = request.GET.get("tab") if request.GET.get("tab") in tabs else default_tab(user)
    orders = selectors.visible_work_orders(user).filter(state__in=selectors.OPEN_STATES)
    on_duty = OnDuty()
    if tab == "mine":
        orders = orders.filter(mine_q(user))
    elif tab == "unit":
        if user.unit_id:
            orders = orders.filter(unit_id__in=selectors.unit_subtree_ids(user.unit))
    else:
        on_duty = shift_orders(user, now)  # the shifts app's (tickets.queue_tabs)
        orders = orders.filter(on_duty.orders) if on_duty.orders is not None else orders.none()
    data = filled(request.GET)
    due = data.get("due") if data.get("due") in DUE_TABS else ""
    if due:
        orders = orders.filter(selectors.overdue_q(now) if due == "overdue" else selectors.due_soon_q(now))
    found = WorkOrderFilter(data, queryset=orders, request=request)
    filtered = found.qs if found.is_valid() else found.queryset.none()
    filtered = (filtered.select_related(None).annotate(next_due=next_deadline_expression(), **QUEUE_NAMES)
                .order_by("next_due", "accepted_at", "id").only(*queue_columns()).prefetch_related(None))
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    writer = QueueRows(now=now)
    rows = [writer.row(order, nearest_deadline(order, now),
                       [name for name in steps_for(order, user) if name not in NOT_ON_ROWS],
                       phone_for(user, order.customer_phone or order.caller_number))
            for order in page]
    return render(request, "tickets/queue/queue.html", {
        "live_url": f"{settings.LIVE_ORIGIN}/ws/queue/",
        "tab": tab, "tabs": [(name, TAB_LABELS[name]) for name in tabs], "due": due, "filter": found,
        "page": page, "rows": rows, "now": now, "now_iso": iso(now),
        "shifts": on_duty.shifts, "members": on_duty.members,
        "kinds": Kind.choices, "states": [(value, label) for value, label in State.choices
                                          if value in selectors.OPEN_STATES],
        "saved": selectors.saved_filters(user, SavedFilterPage.QUEUE), "saved_page": SavedFilterPage.QUEUE,
        **bulk_context(),
        # the lead's and supervisor's page: a surge of repair calls proposes an outage notice
        "surges": selectors.surges(now) if user.has_perm("tickets.cancel_order") else [],
    }, status=200 if found.is_valid() else 400)


# --- The order page ----------------------------------------------------------------------------------------


def visible_order(request, pk: int) -> WorkOrder:
    """The order with its history and callbacks; 404 when there is none, 403 when the user may not see it."""
    if pk > MAX_ID:
        raise Http404
    try:
        return selectors.work_order_detail(request.user, pk)
    except WorkOrder.DoesNotExist:
        if WorkOrder.objects.filter(pk=pk).exists():
            raise PermissionDenied from None
        raise Http404 from None


def phrases_partial() -> str | None:
    """The standard-phrases partial, once it exists (the pages work without it)."""
    try:
        get_template(PHRASES_PARTIAL)
    except TemplateDoesNotExist:
        return None
    return PHRASES_PARTIAL


@dataclass
class Step:
    name: str
    label: str
    form: object

    @property
    def situation(self) -> str | None:
        return self.form.situation

    @property
    def target(self) -> str:
        """Where a clicked standard phrase goes: the text written to the customer."""
        return f"#{self.form[self.form.text_field].auto_id}" if self.form.text_field else ""


def _order_page(request, order: WorkOrder, *, failed=None, status=200):
    """The order, its deadlines, customer, history and callbacks, and a form for each step the user may take now.
    ``failed`` is (name, bound form) of a refused step: shown in place, or as messages when no longer offered."""
    user, now = request.user, timezone.now()
    names = steps_for(order, user)
    steps = []
    for name in names:
        form = failed[1] if failed and failed[0] == name else transition_form(name, order)
        steps.append(Step(name, TRANSITION_LABELS.get(name, name), form))
    if failed and failed[0] not in names:
        for error in failed[1].non_field_errors() or [_("This step is not allowed in the work order's current "
                                                        "state; reload the page.")]:
            messages.error(request, error)
    others = (selectors.visible_work_orders(user).filter(customer_id=order.customer_id).exclude(pk=order.pk)
              .select_related(None).prefetch_related(None).only("id", "number", "kind", "state", "accepted_at")
              .order_by("-accepted_at", "-id")[:10])  # number, kind, state, time: what the list shows
    if order.unit_id:
        order.unit = unit_with_ancestors(order.unit_id)  # the cached unit, no query
    merge_candidates = selectors.repeat_candidates(
        customer=order.customer, phone=order.caller_number, address=order.address, kind=order.kind,
        exclude=order.pk) if "merge" in names else []
    merged_orders = list(WorkOrder.objects.filter(merged_into=order).only("id", "number").order_by("id"))
    return render(request, "tickets/queue/order.html", {
        "order": order, "now": now, "now_iso": iso(now), "steps": steps, "deadlines": order_deadlines(order, now),
        "nearest": nearest_deadline(order, now) if order.is_open else None,
        "history": [(row, TRANSITION_LABELS.get(row.name, row.name)) for row in order.detail_history],
        "callbacks": order.detail_callbacks, "other_orders": others,
        "caller_number": phone_for(user, order.caller_number),
        "customer_phone": phone_for(user, order.customer.phone),
        "phrases_partial": phrases_partial(),
        "merge_candidates": merge_candidates, "merged_orders": merged_orders,
        "callback_outlook": sla.callback_outlook(order),
        "live_url": f"{settings.LIVE_ORIGIN}/ws/queue/",
        # order_id too: the related manager sets each message's order from it (left out, one query per message)
        "text_messages": list(order.text_messages.only("order_id", "trigger", "state", "created_at", "sent_at",
                                                       "error").order_by("created_at", "pk")),
    }, status=status)


@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def order_detail(request, pk: int):
    return _order_page(request, visible_order(request, pk))


def _next_url(request) -> str | None:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return None


def _done_message(name: str, order: WorkOrder) -> str:
    if name == "callback":
        if order.state == State.DISPATCHED:  # an unsatisfied callback reopened it
            return _("The customer is not satisfied: %(number)s has been reopened and goes back to "
                     "%(department)s.") % {"number": order.number,
                                           "department": order.department.name if order.department else "—"}
        if order.called_back_at is None:
            return _("The customer was not reached; attempt %(count)s of %(number)s has been recorded.") % {
                "count": order.callback_attempts, "number": order.number}
        return _("The callback of %(number)s has been recorded.") % {"number": order.number}
    return _("%(number)s: “%(step)s” done; the work order is now “%(state)s”.") % {
        "number": order.number, "step": TRANSITION_LABELS.get(name, name), "state": order.get_state_display()}


@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_POST
def order_transition(request, pk: int, name: str):
    """Each transition's form posts here. Who may fire it is the machine's question (403); a step not allowed
    now is 409; bad input 400 — each an error on the form, re-shown on the order page."""
    order = visible_order(request, pk)
    if name not in transition_names(order):
        raise Http404
    form = transition_form(name, order, request.POST)
    form.submit(services.work_order_transition_check, order=order, name=name, actor=request.user)
    if form.status_code == 200:
        if form.is_valid():
            done = form.submit(form.perform, order=order, actor=request.user)
            if done is not None:
                messages.success(request, _done_message(name, done))
                return redirect(_next_url(request) or reverse("tickets:order-detail", args=[done.pk]))
        else:
            form.status_code = 400
    return _order_page(request, visible_order(request, pk), failed=(name, form), status=form.status_code)
