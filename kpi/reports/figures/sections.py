"""The sections of the monthly assessment, made from the buckets: agents, departments, units (rolled up the
tree), penalties by rule, and the streamed ledger detail — each with its columns (titles, formats, widths),
its rows and its 合计 row. Every count and money cell holds a value (0, not missing); a rate with nothing to
divide by stays None.
"""

from collections import Counter
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tickets.models import Kind, Unit

from ...models import PenaltyRule
from .buckets import Buckets, total_row, with_rates
from .counts import KIND_KEYS, agents_in_scope, departments_in_scope, ledger_detail, unit_tree
from .model import Column, Fmt, Section

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


def figure_sections(buckets: Buckets, rules_by_id: dict[int, PenaltyRule], unit: Unit | None,
                    units: list[int] | None) -> list[Section]:
    """The agents, departments, units and penalties-by-rule sections. Three queries, in this order: the agents,
    the departments, the unit tree. The money columns are the rules charged in the scope this month."""
    rules_seen = sorted((rules_by_id[pk] for pk in buckets.by_rule), key=lambda r: r.code)
    calls, accepted, callbacks, complaints, handling = _figure_columns()
    money = _money_columns(rules_seen)
    unit_column = Column("unit", _("Unit"), Fmt.TEXT, 18)

    agents = Section(
        "agents", _("Agents"),
        [unit_column, Column("name", _("Agent"), Fmt.TEXT, 12), Column("username", _("Username"), Fmt.TEXT, 12),
         *calls, *accepted, *callbacks, *complaints, *money],
        _agent_rows(buckets, agents_in_scope(units, [pk for pk in buckets.by_agent if pk is not None])),
        total=total_row(buckets.by_agent.values()),
    )
    departments = Section(
        "departments", _("Departments"),
        [unit_column, Column("department", _("Department"), Fmt.TEXT, 16),
         Column("department_kind", _("Kind"), Fmt.TEXT, 12), *handling,
         Column("surveyed", _("Callbacks surveyed")), Column("satisfied", _("Satisfied")),
         Column("satisfaction_rate", _("Satisfaction %"), Fmt.PERCENT), *money],
        _department_rows(buckets, departments_in_scope(units, list(buckets.by_department))),
        total=total_row(buckets.by_department.values()),
    )
    unit_section = Section(
        "units", _("Units"),
        [Column("unit", _("Unit"), Fmt.TEXT, 22), Column("unit_kind", _("Kind"), Fmt.TEXT, 10),
         *calls, *accepted, *callbacks, *handling, *money],
        _unit_rows(buckets, unit),
        total=total_row(buckets.by_unit.values()),
    )
    penalties = _penalty_section(buckets, rules_seen)
    for section in (agents, departments, unit_section):
        _fill_zeros(section)
    return [agents, departments, unit_section, penalties]


def ledger_section(period: str, units: list[int] | None) -> Section:
    """Every ledger entry of the month in the scope: streamed (read as it is written), left out of the PDF."""
    return Section("entries", _("Ledger entries"), LEDGER_COLUMNS, ledger_detail(period, units), streamed=True)


# --- the columns -------------------------------------------------------------------------------------------

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


# --- the rows ----------------------------------------------------------------------------------------------

def _agent_rows(buckets: Buckets, agent_users: QuerySet) -> list[dict]:
    rows = []
    for user in agent_users:
        row = with_rates(buckets.by_agent.get(user.pk, Counter()))
        row.update(unit=user.unit.name if user.unit_id else "", name=user.get_full_name(), username=user.username)
        rows.append(row)
    return rows


def _department_rows(buckets: Buckets, departments: QuerySet) -> list[dict]:
    rows = []
    for department in departments:
        row = with_rates(buckets.by_department.get(department.pk, Counter()))
        row.update(unit=department.unit.name, department=department.name, department_kind=department.get_kind_display())
        rows.append(row)
    return rows


def _unit_rows(buckets: Buckets, unit: Unit | None) -> list[dict]:
    """A row per unit of the scope, in tree order, indented by depth; each adds up its subtree."""
    rows = []
    for current, depth, ids in unit_tree(unit):
        row = with_rates(buckets.subtree(ids))
        row.update(unit=("\u3000" * depth) + current.name, unit_kind=current.get_kind_display())
        rows.append(row)
    return rows


def _penalty_section(buckets: Buckets, rules_seen: list[PenaltyRule]) -> Section:
    rule_rows = []
    for rule_ in rules_seen:
        totals = buckets.by_rule[rule_.pk]
        rule_rows.append({
            "rule": rule_.code, "rule_name": rule_.name_zh, "charged_to": rule_.get_charged_to_display(),
            "count": totals["count"], "amount": rule_.amount,
            "penalties": totals.get("penalties", Decimal("0")), "reversals": totals.get("reversals", Decimal("0")),
            "net": totals.get("net", Decimal("0")),
        })
    return Section(
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


def _fill_zeros(section: Section) -> None:
    """Every row has a value for every count and money column (0, not missing): a rule column of an agent
    charged nothing under that rule reads 0.00 in every writer. Rates stay None when there is nothing to
    divide by."""
    zeros = {c.key: Decimal("0") if c.fmt == Fmt.MONEY else 0 for c in section.columns if c.fmt in (Fmt.INT, Fmt.MONEY)}
    for row in [*section.rows, section.total]:
        for key, zero in zeros.items():
            row.setdefault(key, zero)
