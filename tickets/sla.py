"""Deadlines from SLA policies. Computed in Python from the event that starts each clock."""

import datetime as dt

from django.utils import timezone

from .calendar import add_working_days
from .models import Deadline, Measure, SlaPolicy, WorkOrder
from .reference import active_policies

# The facts that meet each deadline (the first one set counts).
MET_BY: dict[str, tuple[str, ...]] = {
    Deadline.FIRST_CONTACT: ("first_contacted_at",),
    Deadline.REPLY: ("replied_at", "resolved_at"),
    Deadline.ARRIVAL: ("arrived_at",),
    Deadline.RESTORE: ("restored_at",),
    Deadline.CALLBACK: ("called_back_at",),
}

# (due column, deadline, the fact that starts its clock). A due time moves only when its start moves.
DEADLINE_CLOCKS: tuple[tuple[str, str, str], ...] = (
    ("first_contact_due_at", Deadline.FIRST_CONTACT, "accepted_at"),
    ("reply_due_at", Deadline.REPLY, "reply_started_at"),
    ("arrival_due_at", Deadline.ARRIVAL, "dispatched_at"),
    ("restore_due_at", Deadline.RESTORE, "arrived_at"),
    ("callback_due_at", Deadline.CALLBACK, "resolved_at"),
)
DUE_COLUMNS = tuple(column for column, _, _ in DEADLINE_CLOCKS)
CLOCK_STARTS = tuple(start for _, _, start in DEADLINE_CLOCKS)


def policy_for(order: WorkOrder, deadline: str, policies: list[SlaPolicy]) -> SlaPolicy | None:
    """The most specific active policy: the nearest unit up the tree beats the default,
    the order's area type beats 'any area'."""
    units = [unit.pk for unit in order.unit.ancestry()] if order.unit_id else []

    def rank(policy: SlaPolicy) -> tuple[int, int]:
        unit_rank = units.index(policy.unit_id) if policy.unit_id is not None else len(units)
        return unit_rank, 0 if policy.area_type else 1

    candidates = [
        p for p in policies
        if p.deadline == deadline
        and p.area_type in ("", order.area_type)
        and (p.unit_id is None or p.unit_id in units)
    ]
    return min(candidates, key=rank, default=None)


def due_after(start: dt.datetime, policy: SlaPolicy) -> dt.datetime:
    if policy.measure == Measure.MINUTES:
        return start + dt.timedelta(minutes=policy.amount)
    if policy.measure == Measure.HOURS:
        return start + dt.timedelta(hours=policy.amount)
    if policy.measure == Measure.CALENDAR_DAYS:
        return start + dt.timedelta(days=policy.amount)
    return add_working_days(start, policy.amount)


def recompute_deadlines(order: WorkOrder, *, before: dict[str, dt.datetime | None] | None = None) -> None:
    """Set the due columns whose clock started (or restarted, or stopped) since ``before``.

    ``before`` maps (at least) the clock-start attributes to their values before the transition; ``None`` means
    the order is new and every clock is evaluated.
    """
    moved = [
        (column, deadline, start) for column, deadline, start in DEADLINE_CLOCKS
        if before is None or before.get(start) != getattr(order, start)
    ]
    if not moved:
        return
    policies = active_policies(order.kind)
    now = timezone.now()
    for column, deadline, start_attr in moved:
        if before is not None:
            _keep_passed_deadline(order, deadline, before.get(column), before, now)
        start = getattr(order, start_attr)
        policy = policy_for(order, deadline, policies) if start is not None else None
        due = due_after(start, policy) if policy is not None else None
        if deadline == Deadline.CALLBACK:
            # A closed order (a consultation answered on the call) gets no callback.
            order.callback_required = (
                policy is not None and order.is_open and order.sample_for_callback(policy.sample_percent)
            )
            if not order.callback_required:
                due = None
        setattr(order, column, due)
        if due is not None and order.is_open:
            # The sweep must look at this order by then; a pending earlier check is never dropped.
            order.next_due_at = min(due, order.next_due_at) if order.next_due_at else due


def _keep_passed_deadline(order: WorkOrder, deadline: str, due: dt.datetime | None, before: dict,
                          now: dt.datetime) -> None:
    """A deadline that has already come is a fact the deadline sweep must still see after its clock
    restarts or stops (a complaint reopened, a repair returned): keep it, with what met it by then and the
    department that had the order, in ``superseded_deadlines``, and make sure the sweep visits."""
    if due is None or due > now:
        return
    met_at = next((before.get(attr) for attr in MET_BY[deadline] if before.get(attr) is not None), None)
    order.superseded_deadlines = [*order.superseded_deadlines, {
        "deadline": deadline, "due": due.isoformat(), "met_at": met_at.isoformat() if met_at else None,
        "department_id": before.get("department_id"),
    }]
    order.next_due_at = min(due, order.next_due_at) if order.next_due_at else due
