"""The deadline sweep: judges every time rule and event rule, posting each breach exactly once.

Time rules (work-order deadlines) — a loop of small steps (style guide, "Deadlines"):
claim a batch of orders whose ``next_due_at`` has come (``SELECT … FOR UPDATE SKIP LOCKED`` through the
partial index ``wo_next_due_idx``), judge each of their deadlines that has come, post the breaches
(unique key, conflict-ignore), move ``next_due_at`` on to the next deadline still ahead, commit; repeat
until nothing is due or the time budget is spent. Two sweepers never take the same orders; a sweeper
killed mid-batch rolls back and the next one takes the batch again; the unique key absorbs the rest.

Event rules (a call that rang too long, an attitude finding) read the facts recorded since a cursor,
re-reading an overlap so that a transaction committing late is not missed; the key makes re-reading
harmless.
"""

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets.models import Call, Department, Kind, WorkOrder
from tickets.models.workorders import FindingCause

from .models import ChargedTo, PenaltyRule, SweepCursor
from .services import Breach, post_breaches

BATCH = 500
EVENT_OVERLAP = dt.timedelta(minutes=10)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

REPLY_RULES = {
    Kind.COMPLAINT: "complaint_reply_late",  # seed 000 细则 10: 5 days
    Kind.CONSULTATION: "consultation_reply_late",
    Kind.REPORT: "report_reply_late",
    Kind.SUGGESTION: "suggestion_reply_late",
}
DEADLINE_COLUMNS = ("first_contact_due_at", "reply_due_at", "arrival_due_at", "restore_due_at", "callback_due_at")
ORDER_COLUMNS = (
    "id", "kind", "state", "owner_id", "department_id", "unit_id", "next_due_at", "callback_required",
    *DEADLINE_COLUMNS, "replied_at", "resolved_at", "arrived_at", "called_back_at",
)


@dataclass
class SweepResult:
    orders_judged: int = 0
    entries_posted: int = 0
    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    budget_exhausted: bool = False

    def record(self, posted: list[Breach]) -> None:
        self.entries_posted += len(posted)
        for breach in posted:
            self.by_rule[breach.rule.code] += 1

    def summary(self) -> str:
        rules = ", ".join(f"{code}: {n}" for code, n in sorted(self.by_rule.items())) or "none"
        more = " (time budget spent; the next sweep continues)" if self.budget_exhausted else ""
        return f"judged {self.orders_judged} due orders; {self.entries_posted} new ledger entries ({rules}){more}"


def order_deadlines(order: WorkOrder):
    """(rule code, due, met at) for each judged deadline of an order."""
    if order.reply_due_at and order.kind in REPLY_RULES:
        yield REPLY_RULES[order.kind], order.reply_due_at, order.replied_at or order.resolved_at
    if order.arrival_due_at and order.kind == Kind.REPAIR:
        yield "repair_arrival_late", order.arrival_due_at, order.arrived_at  # charged to the crew
    if order.callback_due_at and order.callback_required:
        yield "callback_missed", order.callback_due_at, order.called_back_at  # seed 000 细则 9


def _judge_order(order: WorkOrder, now: dt.datetime, rules: dict[str, PenaltyRule],
                 department_units: dict[int, int]) -> list[Breach]:
    breaches = []
    for code, due, met in order_deadlines(order):
        # Judged at its limit: due has come and it was not met by then.
        if due > now or (met is not None and met <= due) or code not in rules:
            continue
        rule = rules[code]
        if rule.charged_to == ChargedTo.DEPARTMENT:
            charged = {"department_id": order.department_id,
                       "unit_id": department_units.get(order.department_id, order.unit_id)}
        else:
            charged = {"agent_id": order.owner_id, "unit_id": order.unit_id}
        breaches.append(Breach(rule=rule, source=f"work_order:{order.pk}", occurrence=due.isoformat(),
                               occurred_at=due, **charged))
    return breaches


def _next_due(order: WorkOrder, now: dt.datetime) -> dt.datetime | None:
    if order.state == "cancelled":
        return None
    ahead = [getattr(order, c) for c in DEADLINE_COLUMNS if getattr(order, c) is not None and getattr(order, c) > now]
    return min(ahead, default=None)


def sweep_due_orders_step(*, now: dt.datetime, rules: dict[str, PenaltyRule], result: SweepResult,
                          batch: int = BATCH) -> int:
    """One step: claim up to ``batch`` due orders, judge, post, move them on, commit. Returns how many."""
    department_units = dict(Department.objects.values_list("id", "unit_id"))
    with transaction.atomic():
        orders = list(
            WorkOrder.objects.select_for_update(skip_locked=True)
            .filter(next_due_at__isnull=False, next_due_at__lte=now)
            .order_by("next_due_at")
            .only(*ORDER_COLUMNS)[:batch]
        )
        if not orders:
            return 0
        breaches = [b for order in orders for b in _judge_order(order, now, rules, department_units)]
        result.record(post_breaches(breaches))
        moves: dict[dt.datetime | None, list[int]] = defaultdict(list)
        for order in orders:
            moves[_next_due(order, now)].append(order.pk)
        for next_due, ids in moves.items():
            WorkOrder.objects.filter(pk__in=ids).update(next_due_at=next_due)
    result.orders_judged += len(orders)
    return len(orders)


def _advance_cursor(name: str, now: dt.datetime, judge) -> None:
    """Judge the facts recorded in (cursor − overlap, now], then move the cursor to now (same transaction)."""
    with transaction.atomic():
        cursor, _ = SweepCursor.objects.get_or_create(name=name, defaults={"position": EPOCH})
        judge(cursor.position - EVENT_OVERLAP, now)
        SweepCursor.objects.filter(pk=cursor.pk, position__lt=now).update(position=now)


def judge_calls(*, now: dt.datetime, rules: dict[str, PenaltyRule], result: SweepResult) -> None:
    """ring_over_3: a call at an agent's seat rang longer than the limit (10 s = 3 rings, seed 004 §6.3.2)
    before it was answered, or was never answered."""
    rule = rules.get("ring_over_3")
    if rule is None:
        return

    def judge(since, until):
        limit = rule.threshold if rule.threshold is not None else 10
        calls = (
            Call.objects.filter(created_at__gt=since, created_at__lte=until, agent__isnull=False)
            .filter(Q(ring_seconds__gt=limit) | Q(answered_at__isnull=True))
            .values_list("id", "agent_id", "agent__unit_id", "ring_started_at")
        )
        breaches = [
            Breach(rule=rule, source=f"call:{pk}", occurrence="ring", occurred_at=ring_started_at,
                   agent_id=agent_id, unit_id=unit_id)
            for pk, agent_id, unit_id, ring_started_at in calls
        ]
        result.record(post_breaches(breaches))

    _advance_cursor("ring_over_3", now, judge)


def judge_attitude_findings(*, now: dt.datetime, rules: dict[str, PenaltyRule], result: SweepResult) -> None:
    """attitude_complaint (100 yuan): a valid complaint caused by the responsible agent's attitude."""
    rule = rules.get("attitude_complaint")
    if rule is None:
        return

    def judge(since, until):
        findings = (
            WorkOrder.objects.filter(
                investigated_at__gt=since, investigated_at__lte=until, finding_valid=True,
                finding_cause=FindingCause.ATTITUDE, kind=Kind.COMPLAINT, finding_responsible__isnull=False,
            ).values_list("id", "finding_responsible_id", "finding_responsible__unit_id", "investigated_at")
        )
        breaches = [
            Breach(rule=rule, source=f"work_order:{pk}", occurrence="finding", occurred_at=investigated_at,
                   agent_id=agent_id, unit_id=unit_id)
            for pk, agent_id, unit_id, investigated_at in findings
        ]
        result.record(post_breaches(breaches))

    _advance_cursor("attitude_complaint", now, judge)


def sweep_deadlines(*, now: dt.datetime | None = None, budget_seconds: float = 50.0,
                    batch: int = BATCH) -> SweepResult:
    """Judge everything that has come due. Called every minute by beat and by ``manage.py sweep_deadlines``."""
    now = now or timezone.now()
    rules = {rule.code: rule for rule in PenaltyRule.objects.filter(enabled=True)}
    result = SweepResult()
    started = time.monotonic()
    judge_calls(now=now, rules=rules, result=result)
    judge_attitude_findings(now=now, rules=rules, result=result)
    while sweep_due_orders_step(now=now, rules=rules, result=result, batch=batch) == batch:
        if time.monotonic() - started > budget_seconds:
            result.budget_exhausted = True
            break
    return result
