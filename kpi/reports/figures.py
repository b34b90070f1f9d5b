"""The monthly assessment 月度考核: every figure of a month for an org unit, per agent, per department and per
unit rolled up the tree (seed 000 第四条 3 考核; seed 002 服务考核; design "Monthly assessment report").

A read: it records nothing. The exports (``writers``), the API, the pages and the dashboard all read these
figures, so a number means the same thing wherever it is shown. Each figure's formula is in ``FORMULAS``
(written into the report's notes sheet and into the README).

The month is ``[first day 00:00, first day of the next month 00:00)`` in Asia/Shanghai: a call at 23:59 on the
last day belongs to that month. Ledger entries are taken by their ``period`` (stamped in Asia/Shanghai when
posted; a reversal carries its entry's period), so the penalty totals equal the ledger's sums for the same
period and unit (``kpi.selectors.ledger_totals``).

Scope: with a unit, the unit and every unit below it — orders by their unit, calls by the answering agent's
unit (else the customer's), callbacks by their order's unit, ledger entries by their unit. Without a unit, the
whole center, including what has no unit. Figures are as of the moment the report is generated.
"""

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Call, Callback, Department, Kind, State, Unit, User, WorkOrder

from ..models import EntryKind, LedgerEntry, PenaltyRule
from ..rules import RING_OVER_3, answered_within, ring_limit_of
from ..selectors import unit_subtree_ids

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")  # \Z, not $: "2026-10\n" is not a period


class Fmt:
    TEXT = "text"
    INT = "int"
    PERCENT = "percent"  # a Decimal fraction 0…1 (4 places), or None when there is nothing to divide by
    MONEY = "money"  # a Decimal in yuan
    DATETIME = "datetime"  # an aware datetime, shown in Asia/Shanghai


@dataclass(frozen=True)
class Column:
    key: str
    title: Any  # a lazy translation: the headers are in the report's language (Chinese by default)
    fmt: str = Fmt.INT
    width: int = 10  # in characters, for the XLSX and PDF writers


@dataclass
class Section:
    key: str
    title: Any
    columns: list[Column]
    rows: list[dict] | Iterator[dict]  # the ledger detail is streamed (an iterator), the others are lists
    total: dict | None = None  # the 合计 row, when the section has one
    streamed: bool = False  # too long for the PDF (which states that it leaves it out)


@dataclass
class Assessment:
    period: str
    unit: Unit | None
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    ring_limit: int
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


# --- formulas (the notes sheet, the README) ----------------------------------------------------------------

FORMULAS: list[tuple[Any, Any]] = [
    (_("Month"), _("From 00:00 on the 1st to 00:00 on the 1st of the next month, Asia/Shanghai.")),
    (_("Calls offered"), _("Calls that rang in the month, answered or not; by the agent whose seat rang (a call "
                            "abandoned before it reached a seat counts only in its unit and the total).")),
    (_("Calls answered"), _("Calls that rang in the month and were answered (answered_at set), by answering agent.")),
    (_("Answered within 3 rings"), _("Answered calls whose ring time ≤ the ring_over_3 rule's threshold (10 s = "
                                     "3 rings); rate = within 3 rings ÷ calls offered (a call never answered "
                                     "was not answered within 3 rings).")),
    (_("Abandoned"), _("Calls that rang in the month and were never answered (outcome abandoned).")),
    (_("Orders accepted"), _("Work orders accepted in the month, by kind, not counting those cancelled as "
                             "duplicates; by first-question owner.")),
    (_("Callbacks due / done"), _("Orders whose callback fell due in the month / of those, the ones called back "
                                  "(at any time before the report); rate = done ÷ due.")),
    (_("Complaint replies on time"), _("Complaints whose reply fell due in the month; on time = replied (or "
                                       "resolved) no later than the due time; rate = on time ÷ due.")),
    (_("Complaint handling rate"), _("Complaints accepted in the month (not cancelled) that have been replied ÷ "
                                     "complaints accepted in the month; target 100 %. By current department.")),
    (_("Repair arrival on time"), _("Repairs whose arrival fell due in the month; on time = crew arrived no "
                                    "later than the due time; rate = on time ÷ due. By repair crew.")),
    (_("Satisfaction"), _("Callbacks made in the month that reached the customer; rate = satisfied ÷ those "
                          "callbacks. By the order's owner, current department and unit.")),
    (_("Penalties"), _("Ledger entries of the month's period (not reversals), in yuan, by rule. Reversals are the "
                       "appeals granted (negative). Net = penalties + reversals; equals the ledger's total for "
                       "the same period and unit.")),
    (_("Units"), _("Each unit's row adds up the unit and every unit below it; rates are recomputed from the "
                   "added counts, not averaged.")),
    (_("Rates"), _("A rate with nothing to divide by is left empty.")),
]


# --- the counts and the rates made from them ---------------------------------------------------------------

KIND_KEYS = [(kind, f"accepted_{kind}") for kind in Kind.values]
RATES = {  # rate key: (numerator, denominator)
    "within_limit_rate": ("calls_within_limit", "calls_offered"),  # design "KPI formulas": ÷ calls offered
    "callback_rate": ("callbacks_done", "callbacks_due"),
    "complaint_reply_rate": ("complaint_replies_on_time", "complaint_replies_due"),
    "complaint_handling_rate": ("complaints_handled", "complaints_received"),
    "arrival_rate": ("arrivals_on_time", "arrivals_due"),
    "satisfaction_rate": ("satisfied", "surveyed"),
}


def rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _with_rates(counts: Counter) -> dict:
    row = dict(counts)
    for key, (numerator, denominator) in RATES.items():
        row[key] = rate(counts[numerator], counts[denominator])
    row["accepted_total"] = sum(counts[key] for _, key in KIND_KEYS)
    for key in ("penalties", "reversals", "net"):
        row[key] = counts.get(key, Decimal("0"))
    return row


def month_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` → the month's first instant and the next month's first instant, in Asia/Shanghai."""
    match = PERIOD_RE.fullmatch(period) if isinstance(period, str) else None
    if not match:
        raise ValueError("period must look like YYYY-MM")
    year, month = int(match[1]), int(match[2])
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(dt.datetime(year, month, 1), tz),
        timezone.make_aware(dt.datetime(*following, 1), tz),
    )


def previous_period(moment: dt.datetime | None = None) -> str:
    """The month before the one ``moment`` falls in (Asia/Shanghai): what the report on the 1st covers."""
    local = timezone.localtime(moment or timezone.now())
    last_day = local.date().replace(day=1) - dt.timedelta(days=1)
    return last_day.strftime("%Y-%m")


# --- the queries: one grouped query per source, counted in Python --------------------------------------------

def _in_month(name: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _order_counts(start, end, units: list[int] | None) -> list[dict]:
    """Orders that touch the month (accepted, or a reply / arrival / callback due in it), grouped by owner,
    current department and unit, with each count the report needs."""
    touches = (
        _in_month("accepted_at", start, end) | _in_month("reply_due_at", start, end)
        | _in_month("arrival_due_at", start, end) | _in_month("callback_due_at", start, end)
    )
    orders = WorkOrder.objects.filter(touches).exclude(state=State.CANCELLED)
    if units is not None:
        orders = orders.filter(unit_id__in=units)
    accepted = _in_month("accepted_at", start, end)
    complaint = Q(kind=Kind.COMPLAINT)
    reply_due = complaint & _in_month("reply_due_at", start, end)
    reply_met = Q(replied_at__lte=F("reply_due_at")) | Q(replied_at__isnull=True, resolved_at__lte=F("reply_due_at"))
    arrival_due = Q(kind=Kind.REPAIR) & _in_month("arrival_due_at", start, end)
    callback_due = _in_month("callback_due_at", start, end)
    counts = {key: Count("id", filter=accepted & Q(kind=kind)) for kind, key in KIND_KEYS}
    counts.update(
        callbacks_due=Count("id", filter=callback_due),
        callbacks_done=Count("id", filter=callback_due & Q(called_back_at__isnull=False)),
        complaint_replies_due=Count("id", filter=reply_due),
        complaint_replies_on_time=Count("id", filter=reply_due & reply_met),
        complaints_received=Count("id", filter=complaint & accepted),
        complaints_handled=Count("id", filter=complaint & accepted & Q(replied_at__isnull=False)),
        arrivals_due=Count("id", filter=arrival_due),
        arrivals_on_time=Count("id", filter=arrival_due & Q(arrived_at__lte=F("arrival_due_at"))),
    )
    return list(orders.order_by().values("owner_id", "department_id", "unit_id").annotate(**counts))


def _call_counts(start, end, units: list[int] | None, ring_limit: int) -> list[dict]:
    calls = Call.objects.filter(_in_month("ring_started_at", start, end)).annotate(
        scope_unit=Coalesce("agent__unit_id", "customer__unit_id")
    )
    if units is not None:
        calls = calls.filter(scope_unit__in=units)
    answered = Q(answered_at__isnull=False)
    return list(
        calls.order_by().values("agent_id", "scope_unit").annotate(
            calls_offered=Count("id"),
            calls_answered=Count("id", filter=answered),
            calls_within_limit=Count("id", filter=answered_within(ring_limit)),
            calls_abandoned=Count("id", filter=Q(outcome="abandoned")),
        )
    )


def _callback_counts(start, end, units: list[int] | None) -> list[dict]:
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
    entries = LedgerEntry.objects.filter(period=period)
    return entries if units is None else entries.filter(unit_id__in=units)


def _ledger_sums(period: str, units: list[int] | None) -> list[dict]:
    return list(
        ledger_scope(period, units).order_by()
        .values("agent_id", "department_id", "unit_id", "rule_id", "kind")
        .annotate(amount=Sum("amount"), count=Count("id"))
    )


# --- assembling the sections -------------------------------------------------------------------------------

def _add_ledger(counts: Counter, row: dict, rule_codes: dict[int, str]) -> None:
    if row["kind"] == EntryKind.REVERSAL:
        counts["reversals"] = counts.get("reversals", Decimal("0")) + row["amount"]
    else:
        counts["penalties"] = counts.get("penalties", Decimal("0")) + row["amount"]
        key = f"rule:{rule_codes[row['rule_id']]}"
        counts[key] = counts.get(key, Decimal("0")) + row["amount"]
        counts["entries"] += row["count"]
    counts["net"] = counts.get("net", Decimal("0")) + row["amount"]


def _sum(counters) -> Counter:
    total = Counter()
    for counts in counters:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


def _unit_tree(unit: Unit | None) -> list[tuple[Unit, int, list[int]]]:
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


def _figure_columns() -> tuple[list[Column], list[Column], list[Column], list[Column], list[Column]]:
    calls = [
        Column("calls_offered", _("Calls offered")),
        Column("calls_answered", _("Calls answered")),
        Column("calls_within_limit", _("Answered within 3 rings")),
        Column("within_limit_rate", _("Within 3 rings %"), Fmt.PERCENT),
        Column("calls_abandoned", _("Abandoned")),
    ]
    accepted = [Column(key, _("Accepted: %(kind)s") % {"kind": Kind(kind).label}) for kind, key in KIND_KEYS]
    accepted.append(Column("accepted_total", _("Orders accepted")))
    callbacks = [
        Column("callbacks_due", _("Callbacks due")),
        Column("callbacks_done", _("Callbacks done")),
        Column("callback_rate", _("Callback rate %"), Fmt.PERCENT),
        Column("surveyed", _("Callbacks surveyed")),
        Column("satisfied", _("Satisfied")),
        Column("satisfaction_rate", _("Satisfaction %"), Fmt.PERCENT),
    ]
    complaints = [
        Column("complaint_replies_due", _("Complaint replies due")),
        Column("complaint_replies_on_time", _("Replied on time")),
        Column("complaint_reply_rate", _("Replies on time %"), Fmt.PERCENT),
    ]
    handling = [
        Column("complaints_received", _("Complaints accepted")),
        Column("complaints_handled", _("Complaints handled")),
        Column("complaint_handling_rate", _("Handling rate %"), Fmt.PERCENT),
        *complaints,
        Column("arrivals_due", _("Repair arrivals due")),
        Column("arrivals_on_time", _("Arrived on time")),
        Column("arrival_rate", _("Arrival on time %"), Fmt.PERCENT),
    ]
    return calls, accepted, callbacks, complaints, handling


def _money_columns(rules: list[PenaltyRule]) -> list[Column]:
    return [
        *[Column(f"rule:{rule.code}", rule.name_zh, Fmt.MONEY, 12) for rule in rules],
        Column("penalties", _("Penalties"), Fmt.MONEY, 12),
        Column("reversals", _("Reversals"), Fmt.MONEY, 12),
        Column("net", _("Net total"), Fmt.MONEY, 12),
    ]


def monthly_assessment(*, period: str, unit: Unit | None = None,
                       progress: Callable[[int], None] | None = None) -> Assessment:
    """Every figure of ``period`` (``YYYY-MM``) for ``unit`` and the units below it (``None``: the whole center).

    The same number of queries whatever the size of the month (eight, nine with a unit): the rules, one grouped
    query each over orders, calls, callbacks and the ledger, then the agents, the departments and the unit tree.
    The ledger detail section is a lazy iterator (read when it is written). A bad period raises ``ValueError``.
    """
    progress = progress or (lambda percent: None)
    start, end = month_bounds(period)
    units = unit_subtree_ids(unit) if unit is not None else None
    rules_by_id = {r.pk: r for r in PenaltyRule.objects.all()}
    ring_limit = ring_limit_of(next((r for r in rules_by_id.values() if r.code == RING_OVER_3), None))

    order_rows = _order_counts(start, end, units)
    progress(15)
    call_rows = _call_counts(start, end, units, ring_limit)
    progress(25)
    callback_rows = _callback_counts(start, end, units)
    ledger_rows = _ledger_sums(period, units)
    progress(35)

    rule_codes = {pk: r.code for pk, r in rules_by_id.items()}

    by_agent: dict[int, Counter] = {}
    by_department: dict[int, Counter] = {}
    by_unit: dict[int | None, Counter] = {}

    def bucket(table: dict, key) -> Counter:
        return table.setdefault(key, Counter())

    figure_keys = [k for k in order_rows[0] if k not in ("owner_id", "department_id", "unit_id")] if order_rows else []
    for row in order_rows:
        figures = {k: row[k] for k in figure_keys}
        bucket(by_unit, row["unit_id"]).update(figures)
        bucket(by_agent, row["owner_id"]).update(
            {k: v for k, v in figures.items() if not k.startswith(("complaints_", "arrivals_"))})
        if row["department_id"] is not None:
            bucket(by_department, row["department_id"]).update(
                {k: v for k, v in figures.items() if k.startswith(("complaint", "arrivals_"))})
    for row in call_rows:
        figures = {k: row[k] for k in ("calls_offered", "calls_answered", "calls_within_limit", "calls_abandoned")}
        bucket(by_unit, row["scope_unit"]).update(figures)
        if row["agent_id"] is not None:
            bucket(by_agent, row["agent_id"]).update(figures)
    for row in callback_rows:
        figures = {"surveyed": row["surveyed"], "satisfied": row["satisfied"]}
        bucket(by_unit, row["order__unit_id"]).update(figures)
        bucket(by_agent, row["order__owner_id"]).update(figures)
        if row["order__department_id"] is not None:
            bucket(by_department, row["order__department_id"]).update(figures)
    rule_totals: dict[int, Counter] = {}
    for row in ledger_rows:
        _add_ledger(bucket(by_unit, row["unit_id"]), row, rule_codes)
        if row["agent_id"] is not None:
            _add_ledger(bucket(by_agent, row["agent_id"]), row, rule_codes)
        if row["department_id"] is not None:
            _add_ledger(bucket(by_department, row["department_id"]), row, rule_codes)
        totals = bucket(rule_totals, row["rule_id"])
        if row["kind"] == EntryKind.REVERSAL:
            totals["reversals"] = totals.get("reversals", Decimal("0")) + row["amount"]
        else:
            totals["count"] += row["count"]
            totals["penalties"] = totals.get("penalties", Decimal("0")) + row["amount"]
        totals["net"] = totals.get("net", Decimal("0")) + row["amount"]
    progress(45)

    # Who gets a row: everyone with a figure, and every agent and department of the scope (a zero row says
    # "nothing this month", which a missing row does not); an agent who has left (inactive) only with figures.
    with_figures = Q(pk__in=[pk for pk in by_agent if pk is not None])
    in_scope = Q(groups__name="agent", is_active=True)
    if units is not None:
        in_scope &= Q(unit_id__in=units)
    agent_users = User.objects.filter(with_figures | in_scope)
    departments = Department.objects.all()
    if units is not None:
        departments = departments.filter(Q(pk__in=list(by_department)) | Q(unit_id__in=units))
    agent_users = agent_users.select_related("unit").distinct().order_by("unit__code", "username")
    departments = departments.select_related("unit").order_by("unit__code", "code")
    rules_seen = sorted((rules_by_id[pk] for pk in rule_totals), key=lambda r: r.code)

    calls, accepted, callbacks, complaints, handling = _figure_columns()
    money = _money_columns(rules_seen)
    unit_column = Column("unit", _("Unit"), Fmt.TEXT, 18)

    agent_rows = []
    for user in agent_users:
        row = _with_rates(by_agent.get(user.pk, Counter()))
        row.update(unit=user.unit.name if user.unit_id else "", name=user.get_full_name(), username=user.username)
        agent_rows.append(row)
    agents = Section(
        "agents", _("Agents"),
        [unit_column, Column("name", _("Agent"), Fmt.TEXT, 12), Column("username", _("Username"), Fmt.TEXT, 12),
         *calls, *accepted, *callbacks, *complaints, *money],
        agent_rows, total=_total_row(by_agent.values()),
    )

    department_rows = []
    for department in departments:
        row = _with_rates(by_department.get(department.pk, Counter()))
        row.update(unit=department.unit.name, department=department.name, department_kind=department.get_kind_display())
        department_rows.append(row)
    department_section = Section(
        "departments", _("Departments"),
        [unit_column, Column("department", _("Department"), Fmt.TEXT, 16),
         Column("department_kind", _("Kind"), Fmt.TEXT, 12), *handling,
         Column("surveyed", _("Callbacks surveyed")), Column("satisfied", _("Satisfied")),
         Column("satisfaction_rate", _("Satisfaction %"), Fmt.PERCENT), *money],
        department_rows, total=_total_row(by_department.values()),
    )

    unit_rows = []
    for current, depth, ids in _unit_tree(unit):
        row = _with_rates(_sum(by_unit[pk] for pk in ids if pk in by_unit))
        row.update(unit=("\u3000" * depth) + current.name, unit_kind=current.get_kind_display())
        unit_rows.append(row)
    unit_section = Section(
        "units", _("Units"),
        [Column("unit", _("Unit"), Fmt.TEXT, 22), Column("unit_kind", _("Kind"), Fmt.TEXT, 10),
         *calls, *accepted, *callbacks, *handling, *money],
        unit_rows, total=_total_row(by_unit.values()),
    )

    rule_rows = []
    for rule_ in rules_seen:
        totals = rule_totals[rule_.pk]
        rule_rows.append({
            "rule": rule_.code, "rule_name": rule_.name_zh, "charged_to": rule_.get_charged_to_display(),
            "count": totals["count"], "amount": rule_.amount,
            "penalties": totals.get("penalties", Decimal("0")), "reversals": totals.get("reversals", Decimal("0")),
            "net": totals.get("net", Decimal("0")),
        })
    penalty_section = Section(
        "penalties", _("Penalties by rule"),
        [Column("rule", _("Rule"), Fmt.TEXT, 20), Column("rule_name", _("Name"), Fmt.TEXT, 24),
         Column("charged_to", _("Charged to"), Fmt.TEXT, 10), Column("count", _("Entries")),
         Column("amount", _("Amount per breach"), Fmt.MONEY, 12), Column("penalties", _("Penalties"), Fmt.MONEY, 12),
         Column("reversals", _("Reversals"), Fmt.MONEY, 12), Column("net", _("Net total"), Fmt.MONEY, 12)],
        rule_rows,
        total={
            "count": sum(r["count"] for r in rule_rows),
            "penalties": sum((r["penalties"] for r in rule_rows), Decimal("0")),
            "reversals": sum((r["reversals"] for r in rule_rows), Decimal("0")),
            "net": sum((r["net"] for r in rule_rows), Decimal("0")),
        },
    )
    for section in (agents, department_section, unit_section):
        _fill_zeros(section)
    progress(50)

    return Assessment(
        period=period, unit=unit, start=start, end=end, generated_at=timezone.now(), ring_limit=ring_limit,
        sections=[agents, department_section, unit_section, penalty_section,
                  Section("entries", _("Ledger entries"), LEDGER_COLUMNS, _ledger_detail(period, units),
                          streamed=True)],
    )


def _total_row(counters) -> dict:
    return _with_rates(_sum(counters))


def _fill_zeros(section: Section) -> None:
    """Every row has a value for every count and money column (0, not missing): a rule column of an agent
    charged nothing under that rule reads 0.00 in every writer. Rates stay None when there is nothing to
    divide by."""
    zeros = {c.key: Decimal("0") if c.fmt == Fmt.MONEY else 0 for c in section.columns if c.fmt in (Fmt.INT, Fmt.MONEY)}
    for row in [*section.rows, section.total]:
        for key, zero in zeros.items():
            row.setdefault(key, zero)


LEDGER_COLUMNS = [
    Column("id", _("Entry")),
    Column("occurred_at", _("Occurred at"), Fmt.DATETIME, 18),
    Column("rule", _("Rule"), Fmt.TEXT, 18),
    Column("rule_name", _("Name"), Fmt.TEXT, 20),
    Column("kind", _("Kind"), Fmt.TEXT, 8),
    Column("agent", _("Agent"), Fmt.TEXT, 10),
    Column("username", _("Username"), Fmt.TEXT, 12),
    Column("department", _("Department"), Fmt.TEXT, 14),
    Column("unit", _("Unit"), Fmt.TEXT, 16),
    Column("amount", _("Amount"), Fmt.MONEY, 10),
    Column("source", _("Source"), Fmt.TEXT, 18),
    Column("reverses", _("Reverses entry")),
    Column("reason", _("Reason"), Fmt.TEXT, 24),
]


def _ledger_detail(period: str, units: list[int] | None) -> Iterator[dict]:
    """Every entry of the scope, oldest first, read in chunks (a month can hold 100,000 entries)."""
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
