"""Reads of the ledger shared by the API, the supervisor's pages and the monthly report."""

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from tickets.models import Unit, User

from .models import LedgerEntry


def visible_entries(user: User) -> QuerySet[LedgerEntry]:
    """Leads, supervisors and managers see the whole ledger; anyone else only their own entries."""
    entries = LedgerEntry.objects.select_related("rule", "agent", "department", "unit", "created_by")
    if user.has_perm("kpi.view_ledgerentry"):
        return entries
    return entries.filter(agent=user)


def unit_subtree_ids(unit: Unit) -> list[int]:
    """The unit and every unit below it (reports roll up the tree)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Unit.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    ids, stack = [], [unit.pk]
    while stack:
        pk = stack.pop()
        ids.append(pk)
        stack.extend(children.get(pk, []))
    return ids


def ledger_totals(entries: QuerySet[LedgerEntry]) -> dict:
    """Totals of a filtered ledger: by rule (penalties, reversals, net) and overall."""
    rows = (
        entries.order_by()
        .values("rule__code", "rule__name_zh", "rule__name_en", "kind")
        .annotate(amount=Sum("amount"), count=Count("id"))
    )
    by_rule: dict[str, dict] = {}
    for row in rows:
        item = by_rule.setdefault(row["rule__code"], {
            "rule": row["rule__code"], "name_zh": row["rule__name_zh"], "name_en": row["rule__name_en"],
            "count": 0, "penalties": Decimal("0"), "reversals": Decimal("0"), "net": Decimal("0"),
        })
        if row["kind"] == "reversal":
            item["reversals"] += row["amount"]
        else:
            item["count"] += row["count"]
            item["penalties"] += row["amount"]
        item["net"] += row["amount"]
    rules = sorted(by_rule.values(), key=lambda item: item["rule"])
    return {
        "by_rule": rules,
        "penalties": sum((r["penalties"] for r in rules), Decimal("0")),
        "reversals": sum((r["reversals"] for r in rules), Decimal("0")),
        "net": sum((r["net"] for r in rules), Decimal("0")),
    }
