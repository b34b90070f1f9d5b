"""Deadlines from SLA policies. Computed in Python from the event that starts each clock."""

import datetime as dt

from django.utils import timezone

from .calendar import WorkingDayDue, add_working_days
from .models import Deadline, Kind, Measure, SlaPolicy, WorkOrder
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


def always_called_back(order: WorkOrder) -> bool:
    """Called back 100 %, whatever a policy's sampling rate: every complaint (seed 000 细则 9
    "属用户投诉的必须100%回访") and every consultation that went to a department (seed 003 咨询:
    "工單辦結完畢後…及時回訪客戶，工單存檔"; seed 000 考核 7 charges an order archived without a timely
    callback). A consultation answered on the call is closed at once and gets none; repairs are sampled
    (细则 9 "随机电话回访")."""
    if order.kind == Kind.COMPLAINT:
        return True
    return order.kind == Kind.CONSULTATION and order.replied_at is not None


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


def due_after(start: dt.datetime, policy: SlaPolicy) -> WorkingDayDue:
    """When a clock started at ``start`` runs out under ``policy``; provisional when counted on a year whose holiday
    arrangement is not entered yet (``tickets.calendar``). Minutes, hours and calendar days run 24×7."""
    if policy.measure == Measure.MINUTES:
        return WorkingDayDue(start + dt.timedelta(minutes=policy.amount), False)
    if policy.measure == Measure.HOURS:
        return WorkingDayDue(start + dt.timedelta(hours=policy.amount), False)
    if policy.measure == Measure.CALENDAR_DAYS:
        return WorkingDayDue(start + dt.timedelta(days=policy.amount), False)
    return add_working_days(start, policy.amount)


def mark_provisional(order: WorkOrder, column: str, provisional: bool) -> None:
    """Keep ``provisional_deadlines`` (and its indexed flag) in step with how ``column`` was computed."""
    marked = [c for c in order.provisional_deadlines if c != column]
    if provisional:
        marked.append(column)
    if marked != order.provisional_deadlines:
        order.provisional_deadlines = marked
    order.has_provisional_deadline = bool(marked)


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
        computed = due_after(start, policy) if policy is not None else None
        due = computed.at if computed is not None else None
        if deadline == Deadline.CALLBACK:
            # A closed order (a consultation answered on the call) gets no callback.
            order.callback_required = policy is not None and order.is_open and (
                always_called_back(order) or order.sample_for_callback(policy.sample_percent))
            if not order.callback_required:
                due = None
        setattr(order, column, due)
        mark_provisional(order, column, due is not None and computed.provisional)
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
