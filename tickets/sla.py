"""The deadline table: for each deadline its due column, the fact that starts its clock, the facts that meet it and
the penalty rule a breach is judged under — the one definition the deadline sweep (``kpi.sweeps``), the queue and the
order page, the handover's carried items, the monthly report and the dashboard all read. And the deadlines
themselves, computed in Python from the policies (``SlaPolicy``) when a clock starts.

Penalty rules are named here by their code (data of the ``kpi`` app, which judges; ``tickets`` never imports it).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone

from .calendar import WorkingDayDue, add_working_days
from .models import Deadline, Kind, Measure, SlaPolicy, WorkOrder
from .models.workorders import FINAL_STATES
from .reference import active_policies


@dataclass(frozen=True)
class DeadlineRule:
    deadline: str  # a Deadline value
    column: str  # the order's due column
    starts: str  # the fact that starts its clock: a due time moves only when its start moves
    met_by: tuple[str, ...]  # the facts that meet it (the first one set counts)
    penalties: dict[str, str] = field(default_factory=dict)  # order kind → penalty rule code (kpi.PenaltyRule)
    counted_down: bool = True  # shown counting down on the queue and judged "overdue" there

    def met_at(self, order: WorkOrder) -> dt.datetime | None:
        """When the order met this deadline (``None``: not yet)."""
        return next((getattr(order, fact) for fact in self.met_by if getattr(order, fact) is not None), None)

    def met_q(self, prefix: str = "") -> Q:
        """Rows that met it, by any time."""
        met = Q()
        for fact in self.met_by:
            met |= Q(**{f"{prefix}{fact}__isnull": False})
        return met

    def met_in_time_q(self, prefix: str = "") -> Q:
        """Rows that met it by their due time (the report's "on time"): the first fact set, by the due time."""
        in_time, earlier_unset = Q(), {}
        for fact in self.met_by:
            in_time |= Q(**earlier_unset, **{f"{prefix}{fact}__lte": F(f"{prefix}{self.column}")})
            earlier_unset[f"{prefix}{fact}__isnull"] = True
        return in_time

    def overdue_q(self, now: dt.datetime) -> Q:
        return Q(**{f"{self.column}__lt": now}) & ~self.met_q()


# Repairs: a callback is sampled (seed 000 细则 9 "随机电话回访"); complaints and dispatched consultations 100 %.
CALLBACK_RULE = "callback_missed"  # seed 000 考核 7
DEADLINES: tuple[DeadlineRule, ...] = (
    # State Grid's commitment (contact within 24 h): a report figure of the queue, not a penalty.
    DeadlineRule(Deadline.FIRST_CONTACT, "first_contact_due_at", "accepted_at", ("first_contacted_at",)),
    DeadlineRule(Deadline.REPLY, "reply_due_at", "reply_started_at", ("replied_at", "resolved_at"), {
        Kind.COMPLAINT: "complaint_reply_late",  # seed 000 细则 10: 5 days
        Kind.CONSULTATION: "consultation_reply_late",
        Kind.REPORT: "report_reply_late",
        Kind.SUGGESTION: "suggestion_reply_late",
    }),
    DeadlineRule(Deadline.ARRIVAL, "arrival_due_at", "dispatched_at", ("arrived_at",),
                 {Kind.REPAIR: "repair_arrival_late"}),  # seed 000 细则 6: the crew's department
    # Restoration after arrival: a figure of the report, nobody is late for it.
    DeadlineRule(Deadline.RESTORE, "restore_due_at", "arrived_at", ("restored_at",), counted_down=False),
    DeadlineRule(Deadline.CALLBACK, "callback_due_at", "resolved_at", ("called_back_at",),
                 {kind: CALLBACK_RULE for kind in Kind.values}),
)
BY_DEADLINE: dict[str, DeadlineRule] = {rule.deadline: rule for rule in DEADLINES}
BY_COLUMN: dict[str, DeadlineRule] = {rule.column: rule for rule in DEADLINES}
DUE_COLUMNS = tuple(rule.column for rule in DEADLINES)
COUNTED_DOWN = tuple(rule for rule in DEADLINES if rule.counted_down)


def met_at(order: WorkOrder, deadline: str) -> dt.datetime | None:
    return BY_DEADLINE[deadline].met_at(order)


def penalty_of(kind: str, deadline: str) -> str | None:
    """The penalty rule a missed deadline of an order of ``kind`` is judged under (``None``: not charged)."""
    return BY_DEADLINE[deadline].penalties.get(kind)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Open orders with a counted-down deadline passed and not met."""
    now = now or timezone.now()
    late = Q()
    for rule in COUNTED_DOWN:
        late |= rule.overdue_q(now)
    return late & ~Q(state__in=FINAL_STATES)


def due_soon_q(now: dt.datetime | None = None, *, within: dt.timedelta = dt.timedelta(hours=1)) -> Q:
    """Open orders with a counted-down deadline not met yet that falls due within the next ``within`` (amber)."""
    now = now or timezone.now()
    soon = Q()
    for rule in COUNTED_DOWN:
        soon |= Q(**{f"{rule.column}__gte": now, f"{rule.column}__lt": now + within}) & ~rule.met_q()
    return soon & ~Q(state__in=FINAL_STATES)


def is_overdue(order: WorkOrder, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return order.state not in FINAL_STATES and any(
        getattr(order, rule.column) is not None and rule.met_at(order) is None and getattr(order, rule.column) < now
        for rule in COUNTED_DOWN)


def next_unmet_due(order: WorkOrder) -> dt.datetime | None:
    """The order's next deadline still to be met (what an incoming shift must watch)."""
    return min((getattr(order, rule.column) for rule in DEADLINES
                if getattr(order, rule.column) is not None and rule.met_at(order) is None), default=None)


def callback_outlook(order: WorkOrder) -> str:
    """What the order page says about the callback 回访: ``required`` (its clock runs), ``after_reply`` (a complaint or
    a consultation sent to a department: 100 % once answered), ``sampled`` (an open repair: sampled once restored),
    ``none``."""
    if order.callback_required:
        return "required"
    if not order.is_open or order.resolved_at is not None:
        return "none"
    if order.kind == Kind.COMPLAINT or (order.kind == Kind.CONSULTATION and order.dispatched_at is not None):
        return "after_reply"
    return "sampled" if order.kind == Kind.REPAIR else "none"


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
        (rule.column, rule.deadline, rule.starts) for rule in DEADLINES
        if before is None or before.get(rule.starts) != getattr(order, rule.starts)
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
    met_at = next((before.get(attr) for attr in BY_DEADLINE[deadline].met_by if before.get(attr) is not None), None)
    order.superseded_deadlines = [*order.superseded_deadlines, {
        "deadline": deadline, "due": due.isoformat(), "met_at": met_at.isoformat() if met_at else None,
        "department_id": before.get("department_id"),
    }]
    order.next_due_at = min(due, order.next_due_at) if order.next_due_at else due
