"""The counts of ``counts`` put into buckets — per agent, per department, per unit and per rule — and the rows
made of a bucket: its counts, the rates computed from them (``RATES``), the orders accepted and the money.

A unit's bucket holds only what is its own; ``subtree`` adds up a unit and every unit below it. Rates are
always recomputed from added counts, never averaged.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ...models import EntryKind
from .counts import KIND_KEYS

RATES = {  # rate key: (numerator, denominator)
    "within_limit_rate": ("calls_within_limit", "calls_offered"),  # design "KPI formulas": ÷ calls offered
    "callback_rate": ("callbacks_done", "callbacks_due"),
    "complaint_reply_rate": ("complaint_replies_on_time", "complaint_replies_due"),
    "complaint_handling_rate": ("complaints_handled", "complaints_received"),
    "arrival_rate": ("arrivals_on_time", "arrivals_due"),
    "satisfaction_rate": ("satisfied", "surveyed"),
}
CALL_KEYS = ("calls_offered", "calls_answered", "calls_within_limit", "calls_abandoned")
ORDER_GROUPING = ("owner_id", "department_id", "unit_id")  # an order row's keys that are not counts


def rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def with_rates(counts: Counter) -> dict:
    """A row: the counts, each rate, the orders accepted of every kind, and the money (0 when none)."""
    row = dict(counts)
    for key, (numerator, denominator) in RATES.items():
        row[key] = rate(counts[numerator], counts[denominator])
    row["accepted_total"] = sum(counts[key] for _, key in KIND_KEYS)
    for key in ("penalties", "reversals", "net"):
        row[key] = counts.get(key, Decimal("0"))
    return row


def added(counters: Iterable[Counter]) -> Counter:
    total = Counter()
    for counts in counters:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


def total_row(counters: Iterable[Counter]) -> dict:
    """The 合计 row of some buckets: their counts added up, the rates recomputed."""
    return with_rates(added(counters))


def _add_ledger_row(counts: Counter, row: dict, rule_codes: dict[int, str]) -> None:
    if row["kind"] == EntryKind.REVERSAL:
        counts["reversals"] = counts.get("reversals", Decimal("0")) + row["amount"]
    else:
        counts["penalties"] = counts.get("penalties", Decimal("0")) + row["amount"]
        key = f"rule:{rule_codes[row['rule_id']]}"
        counts[key] = counts.get(key, Decimal("0")) + row["amount"]
        counts["entries"] += row["count"]
    counts["net"] = counts.get("net", Decimal("0")) + row["amount"]


def _bucket(table: dict, key) -> Counter:
    return table.setdefault(key, Counter())


@dataclass
class Buckets:
    """The month's counts by agent (user id; None: an order without owner), department, unit (None: no unit)
    and penalty rule (count, penalties, reversals, net)."""

    by_agent: dict[int | None, Counter] = field(default_factory=dict)
    by_department: dict[int, Counter] = field(default_factory=dict)
    by_unit: dict[int | None, Counter] = field(default_factory=dict)
    by_rule: dict[int, Counter] = field(default_factory=dict)

    @classmethod
    def of(cls, order_rows: list[dict], call_rows: list[dict], callback_rows: list[dict], ledger_rows: list[dict],
           rule_codes: dict[int, str]) -> "Buckets":
        """The rows of ``counts.order_counts``, ``call_counts``, ``callback_counts`` and ``ledger_sums``."""
        buckets = cls()
        buckets._add_orders(order_rows)
        buckets._add_calls(call_rows)
        buckets._add_callbacks(callback_rows)
        buckets._add_ledger(ledger_rows, rule_codes)
        return buckets

    def subtree(self, ids: Iterable[int]) -> Counter:
        """The counts of a unit and the units below it (``ids``), added up."""
        return added(self.by_unit[pk] for pk in ids if pk in self.by_unit)

    def _add_orders(self, rows: list[dict]) -> None:
        # An agent (the owner) is judged on complaint replies but not on handling or arrivals; a department on
        # complaints and arrivals; a unit on everything.
        figure_keys = [k for k in rows[0] if k not in ORDER_GROUPING] if rows else []
        for row in rows:
            figures = {k: row[k] for k in figure_keys}
            _bucket(self.by_unit, row["unit_id"]).update(figures)
            _bucket(self.by_agent, row["owner_id"]).update(
                {k: v for k, v in figures.items() if not k.startswith(("complaints_", "arrivals_"))})
            if row["department_id"] is not None:
                _bucket(self.by_department, row["department_id"]).update(
                    {k: v for k, v in figures.items() if k.startswith(("complaint", "arrivals_"))})

    def _add_calls(self, rows: list[dict]) -> None:
        for row in rows:
            figures = {k: row[k] for k in CALL_KEYS}
            _bucket(self.by_unit, row["scope_unit"]).update(figures)
            if row["agent_id"] is not None:
                _bucket(self.by_agent, row["agent_id"]).update(figures)

    def _add_callbacks(self, rows: list[dict]) -> None:
        for row in rows:
            figures = {"surveyed": row["surveyed"], "satisfied": row["satisfied"]}
            _bucket(self.by_unit, row["order__unit_id"]).update(figures)
            _bucket(self.by_agent, row["order__owner_id"]).update(figures)
            if row["order__department_id"] is not None:
                _bucket(self.by_department, row["order__department_id"]).update(figures)

    def _add_ledger(self, rows: list[dict], rule_codes: dict[int, str]) -> None:
        for row in rows:
            _add_ledger_row(_bucket(self.by_unit, row["unit_id"]), row, rule_codes)
            if row["agent_id"] is not None:
                _add_ledger_row(_bucket(self.by_agent, row["agent_id"]), row, rule_codes)
            if row["department_id"] is not None:
                _add_ledger_row(_bucket(self.by_department, row["department_id"]), row, rule_codes)
            totals = _bucket(self.by_rule, row["rule_id"])
            if row["kind"] == EntryKind.REVERSAL:
                totals["reversals"] = totals.get("reversals", Decimal("0")) + row["amount"]
            else:
                totals["count"] += row["count"]
                totals["penalties"] = totals.get("penalties", Decimal("0")) + row["amount"]
            totals["net"] = totals.get("net", Decimal("0")) + row["amount"]
