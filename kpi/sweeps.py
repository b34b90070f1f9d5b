"""The deadline sweep: judges every time rule and event rule, posting each breach exactly once.

Time rules (work-order deadlines) — a loop of small steps (style guide, "Deadlines"):
claim a batch of orders whose ``next_due_at`` has come (``SELECT … FOR UPDATE SKIP LOCKED`` through the
partial index ``wo_next_due_idx``), judge each of their deadlines that has come, post the breaches
(unique key, conflict-ignore), move ``next_due_at`` on to the next deadline still ahead, commit; repeat
until nothing is due or the time budget is spent. Two sweepers never take the same orders; a sweeper
killed mid-batch rolls back and the next one takes the batch again; the unique key absorbs the rest.

Event rules (a call that rang too long, an attitude finding, a late check-in, a handover without
cleaning …) are judged in ``kpi.events``.
"""

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from tickets import sla
from tickets.models import NOT_JUDGED, Deadline, Department, WorkOrder

from . import events
from .models import ChargedTo, PenaltyRule
from .services import Breach, post_breaches

BATCH = 500

ORDER_COLUMNS = (
    "id", "kind", "state", "owner_id", "department_id", "unit_id", "next_due_at", "callback_required",
    *sla.DUE_COLUMNS, *sorted({fact for rule in sla.DEADLINES for fact in rule.met_by}), "superseded_deadlines",
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
    """(rule code, due, met at, department) for each judged deadline of an order (``tickets.sla``'s table): its
    current ones, and those that had come when a transition restarted or stopped their clock
    (``superseded_deadlines``). A callback is judged only when the order owes one."""
    for rule in sla.DEADLINES:
        code, due = rule.penalties.get(order.kind), getattr(order, rule.column)
        if code is None or due is None or (rule.deadline == Deadline.CALLBACK and not order.callback_required):
            continue
        yield code, due, rule.met_at(order), order.department_id  # the department that has it (a repair's crew)
    for kept in order.superseded_deadlines:
        code = sla.penalty_of(order.kind, kept["deadline"])
        if code is not None:
            met = dt.datetime.fromisoformat(kept["met_at"]) if kept.get("met_at") else None
            yield code, dt.datetime.fromisoformat(kept["due"]), met, kept.get("department_id")


def _judge_order(order: WorkOrder, now: dt.datetime, rules: dict[str, PenaltyRule],
                 department_units: dict[int, int]) -> list[Breach]:
    breaches = []
    for code, due, met, department_id in order_deadlines(order):
        # Judged at its limit: due has come and it was not met by then.
        if due > now or (met is not None and met <= due) or code not in rules:
            continue
        rule = rules[code]
        if rule.charged_to == ChargedTo.DEPARTMENT and department_id is not None:
            charged = {"department_id": department_id, "unit_id": department_units.get(department_id, order.unit_id)}
        else:  # an agent's rule, or no department had the order yet: the first-question owner answers for it
            charged = {"agent_id": order.owner_id, "unit_id": order.unit_id}
        breaches.append(Breach(rule=rule, source=f"work_order:{order.pk}", occurrence=due.isoformat(),
                               occurred_at=due, **charged))
    return breaches


def _next_due(order: WorkOrder, now: dt.datetime) -> dt.datetime | None:
    if order.state in NOT_JUDGED:  # a duplicate cancelled or merged away
        return None
    ahead = [getattr(order, c) for c in sla.DUE_COLUMNS if getattr(order, c) is not None and getattr(order, c) > now]
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
        kept = [order.pk for order in orders if order.superseded_deadlines]
        for order in orders:
            order.next_due_at = _next_due(order, now)
        WorkOrder.objects.bulk_update(orders, ["next_due_at"])  # one statement per batch
        if kept:
            WorkOrder.objects.filter(pk__in=kept).update(superseded_deadlines=[])  # judged
    result.orders_judged += len(orders)
    return len(orders)


def sweep_deadlines(*, now: dt.datetime | None = None, budget_seconds: float = 50.0,
                    batch: int = BATCH) -> SweepResult:
    """Judge everything that has come due. Called every minute by beat and by ``manage.py sweep_deadlines``."""
    now = now or timezone.now()
    rules = {rule.code: rule for rule in PenaltyRule.objects.filter(enabled=True)}
    result = SweepResult()
    started = time.monotonic()
    for judge in events.JUDGES:
        judge(now=now, rules=rules, result=result)
    while sweep_due_orders_step(now=now, rules=rules, result=result, batch=batch) == batch:
        if time.monotonic() - started > budget_seconds:
            result.budget_exhausted = True
            break
    return result
