"""The queries behind the monthly assessment, each a fixed number of queries whatever the size of the month:
one grouped query per source — orders, calls, callbacks, the ledger — counting what the report needs per
agent, department and unit; who gets a row (the scope's agents and departments, the unit tree); and the
ledger detail, read lazily in chunks.

``units`` is the ids of the scope's units (a unit and every unit below it), or ``None`` for the whole center.
Orders are scoped by their unit, calls by the answering agent's unit (else the customer's), callbacks by their
order's unit, ledger entries by their unit. The deadlines met are ``tickets.sla``'s.
"""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tickets import sla
from tickets.models import NOT_JUDGED, Call, Callback, Deadline, Department, Kind, Unit, User, WorkOrder

from ...models import EntryKind, LedgerEntry
from ...rules import answered_within

KIND_KEYS = [(kind, f"accepted_{kind}") for kind in Kind.values]  # (kind, the key of its orders accepted)


def _in_month(name: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def order_counts(start, end, units: list[int] | None) -> list[dict]:
    """Orders that touch the month (accepted, or a reply / arrival / callback due in it), grouped by owner,
    current department and unit, with each count the report needs."""
    touches = (
        _in_month("accepted_at", start, end) | _in_month("reply_due_at", start, end)
        | _in_month("arrival_due_at", start, end) | _in_month("callback_due_at", start, end)
    )
    orders = WorkOrder.objects.filter(touches).exclude(state__in=NOT_JUDGED)
    if units is not None:
        orders = orders.filter(unit_id__in=units)
    accepted = _in_month("accepted_at", start, end)
    complaint = Q(kind=Kind.COMPLAINT)
    reply_due = complaint & _in_month("reply_due_at", start, end)
    reply_met = sla.BY_DEADLINE[Deadline.REPLY].met_in_time_q()
    arrival_due = Q(kind=Kind.REPAIR) & _in_month("arrival_due_at", start, end)
    callback_due = _in_month("callback_due_at", start, end)
    counts = {key: Count("id", filter=accepted & Q(kind=kind)) for kind, key in KIND_KEYS}
    counts.update(
        callbacks_due=Count("id", filter=callback_due),
        callbacks_done=Count("id", filter=callback_due & sla.BY_DEADLINE[Deadline.CALLBACK].met_q()),
        complaint_replies_due=Count("id", filter=reply_due),
        complaint_replies_on_time=Count("id", filter=reply_due & reply_met),
        complaints_received=Count("id", filter=complaint & accepted),
        complaints_handled=Count("id", filter=complaint & accepted & Q(replied_at__isnull=False)),  # replied
        arrivals_due=Count("id", filter=arrival_due),
        arrivals_on_time=Count("id", filter=arrival_due & sla.BY_DEADLINE[Deadline.ARRIVAL].met_in_time_q()),
    )
    return list(orders.order_by().values("owner_id", "department_id", "unit_id").annotate(**counts))


def call_counts(start, end, units: list[int] | None, ring_limit: int) -> list[dict]:
    """Calls that rang in the month, grouped by agent and scope unit: offered, answered, answered within the
    ring limit, abandoned."""
    calls = Call.objects.filter(_in_month("ring_started_at", start, end)).annotate(
        scope_unit=Coalesce("agent__unit_id", "customer__unit_id")
    )
    if units is not None:
        calls = calls.filter(scope_unit__in=units)
    return list(calls.order_by().values("agent_id", "scope_unit").annotate(**call_figures(ring_limit)))


def call_figures(ring_limit: int, among: Q | None = None, suffix: str = "") -> dict[str, Count]:
    """The call counts of the report (``CALL_KEYS``: offered, answered, answered within the ring limit, abandoned),
    as aggregates of calls; ``among`` narrows them (e.g. the calls of this hour, on the wallboard) and ``suffix``
    names them apart. The one definition the report and the wallboard (``kpi.wallboard``) count with."""
    conditions = {
        "calls_offered": Q(),
        "calls_answered": Q(answered_at__isnull=False),
        "calls_within_limit": answered_within(ring_limit),
        "calls_abandoned": Q(outcome="abandoned"),
    }
    figures = {}
    for key, condition in conditions.items():
        condition = condition & among if among is not None else condition
        figures[f"{key}{suffix}"] = Count("id", filter=condition) if condition else Count("id")
    return figures


def callback_counts(start, end, units: list[int] | None) -> list[dict]:
    """Callbacks made in the month, grouped by their order's owner, department and unit: surveyed, satisfied."""
    callbacks = Callback.objects.filter(_in_month("made_at", start, end))
    if units is not None:
        callbacks = callbacks.filter(order__unit_id__in=units)
    surveyed = Q(reached=True)  # a reached callback records satisfied or not (tickets.services)
    return list(
        callbacks.order_by().values("order__owner_id", "order__department_id", "order__unit_id").annotate(
            surveyed=Count("id", filter=surveyed), satisfied=Count("id", filter=surveyed & Q(satisfied=True)),
        )
    )


def ledger_scope(period: str, units: list[int] | None):
    """The ledger entries of ``period`` in the scope."""
    entries = LedgerEntry.objects.filter(period=period)
    return entries if units is None else entries.filter(unit_id__in=units)


def ledger_sums(period: str, units: list[int] | None) -> list[dict]:
    """The month's ledger summed by agent, department, unit, rule and kind (entry or reversal)."""
    return list(
        ledger_scope(period, units).order_by()
        .values("agent_id", "department_id", "unit_id", "rule_id", "kind")
        .annotate(amount=Sum("amount"), count=Count("id"))
    )


# --- who gets a row ----------------------------------------------------------------------------------------
# Everyone with a figure, and every agent and department of the scope (a zero row says "nothing this month",
# which a missing row does not); an agent who has left (inactive) only with figures.

def agents_in_scope(units: list[int] | None, with_figures: list[int]) -> QuerySet:
    """The agents who get a row, by unit code and username; ``with_figures``: the users with a figure."""
    in_scope = Q(groups__name="agent", is_active=True)
    if units is not None:
        in_scope &= Q(unit_id__in=units)
    agent_users = User.objects.filter(Q(pk__in=with_figures) | in_scope)
    return agent_users.select_related("unit").distinct().order_by("unit__code", "username")


def departments_in_scope(units: list[int] | None, with_figures: list[int]) -> QuerySet:
    """The departments that get a row, by unit code and code (every department for the whole center)."""
    departments = Department.objects.all()
    if units is not None:
        departments = departments.filter(Q(pk__in=with_figures) | Q(unit_id__in=units))
    return departments.select_related("unit").order_by("unit__code", "code")


def unit_tree(unit: Unit | None) -> list[tuple[Unit, int, list[int]]]:
    """Units of the scope in tree order (depth first, by code): each with its depth below the scope's top and
    the ids of its subtree (itself and every unit below it)."""
    children: dict[int | None, list[Unit]] = {}
    for u in Unit.objects.order_by("code"):
        children.setdefault(u.parent_id, []).append(u)

    def subtree(pk: int) -> list[int]:
        ids, stack = [], [pk]
        while stack:
            current = stack.pop()
            ids.append(current)
            stack.extend(child.pk for child in children.get(current, []))
        return ids

    ordered: list[tuple[Unit, int, list[int]]] = []
    stack = [(unit, 0)] if unit is not None else [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        current, depth = stack.pop()
        ordered.append((current, depth, subtree(current.pk)))
        stack.extend((child, depth + 1) for child in reversed(children.get(current.pk, [])))
    return ordered


# --- the ledger detail -------------------------------------------------------------------------------------

def ledger_detail(period: str, units: list[int] | None) -> Iterator[dict]:
    """Every entry of the scope, oldest first, read in chunks (a month can hold 100,000 entries); the keys are
    those of ``sections.LEDGER_COLUMNS``."""
    kinds = dict(EntryKind.choices)
    rows = (
        ledger_scope(period, units).order_by("occurred_at", "id")
        .values_list("id", "occurred_at", "rule__code", "rule__name_zh", "kind", "agent__last_name",
                     "agent__first_name", "agent__username", "department__name", "unit__name", "amount", "source",
                     "reverses_id", "reason")
        .iterator(chunk_size=5000)
    )
    for (pk, occurred_at, code, name, kind, last, first, username, department, unit, amount, source, reverses,
         reason) in rows:
        yield {
            "id": pk, "occurred_at": occurred_at, "rule": code, "rule_name": name, "kind": str(kinds.get(kind, kind)),
            "agent": f"{last}{first}" if username else "", "username": username or "",
            "department": department or "", "unit": unit or "", "amount": amount, "source": source,
            "reverses": reverses, "reason": reason,
        }
