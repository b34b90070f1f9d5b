"""Reads of the ledger shared by the API, the supervisor's pages and the monthly report."""

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from tickets.models import User
from tickets.selectors import unit_subtree_ids  # noqa: F401  (kpi's filters and reports read the tree through here)

from .models import LedgerEntry


def visible_entries(user: User) -> QuerySet[LedgerEntry]:
    """Leads, supervisors and managers see the whole ledger; anyone else only their own entries."""
    entries = LedgerEntry.objects.select_related("rule", "agent", "department", "unit", "created_by")
    if user.has_perm("kpi.view_ledgerentry"):
        return entries
    return entries.filter(agent=user)


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
