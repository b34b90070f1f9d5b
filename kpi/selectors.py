"""Reads of the ledger shared by the API, the supervisor's pages and the monthly report."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tickets.models import User, WorkOrder
from tickets.selectors import unit_subtree_ids  # noqa: F401  (kpi's filters and reports read the tree through here)

from .models import LedgerEntry, LedgerHourTotal


def visible_entries(user: User) -> QuerySet[LedgerEntry]:
    """Leads, supervisors and managers see the whole ledger; anyone else only their own entries."""
    entries = LedgerEntry.objects.select_related("rule", "agent", "department", "unit", "created_by")
    if user.has_perm("kpi.view_ledgerentry"):
        return entries
    return entries.filter(agent=user)


def ledger_totals(entries: QuerySet[LedgerEntry]) -> dict:
    """Totals of a filtered ledger: by rule (penalties, reversals, net) and overall."""
    return _totals(
        entries.order_by()
        .values("rule__code", "rule__name_zh", "rule__name_en", "kind")
        .annotate(amount=Sum("amount"), count=Count("id"))
    )


def ledger_totals_between(start: dt.datetime, now: dt.datetime) -> dict:
    """``ledger_totals`` of the entries that occurred from ``start`` (on a whole hour) to ``now``, summed from the
    database's hourly totals (``LedgerHourTotal``): a few rows per posting, however many entries (the wallboard).
    The hour of ``now`` counts whole (an entry cannot occur later than it is posted)."""
    return _totals(
        LedgerHourTotal.objects.filter(hour__gte=start, hour__lte=now).order_by()
        .values("rule__code", "rule__name_zh", "rule__name_en", "kind")
        .annotate(amount=Sum("amount"), count=Sum("count"))
    )


def _totals(rows: Iterable[dict]) -> dict:
    """Rows of (rule, kind, amount, count) folded into the totals by rule: a reversal's amount nets, it is not
    counted as an entry."""
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


# --- What caused an entry: its ``source`` key ("work_order:17") in words, with a link where there is a page -----

SOURCE_KINDS = {
    "work_order": (_("Work order"), "tickets:order-detail"),
    "call": (_("Call"), ""),
    "shift": (_("Shift"), ""),
    "shift_member": (_("Shift duty"), ""),
    "handover": (_("Handover"), "shifts:handover"),
    "handover_item": (_("Handover item"), ""),
    "outage": (_("Outage notice"), "tickets:outage-detail"),
    "ledger_entry": (_("Reverses entry"), ""),
    "manual": (_("Entered by"), ""),
}


@dataclass(frozen=True)
class Source:
    label: str  # e.g. 工单 GZ202612070000017, 来电 #42, 录入人 lead
    url: str = ""


def describe_sources(sources: Iterable[str]) -> dict[str, Source]:
    """Each ``source`` key of a page of entries in words: the orders by their numbers (one query for the page), the
    others by kind and id; the key as it is when it is none of these."""
    parsed = {}
    for source in set(sources):
        kind, _sep, ident = source.partition(":")
        parsed[source] = (kind, ident)
    order_ids = {int(ident) for kind, ident in parsed.values() if kind == "work_order" and ident.isdigit()}
    numbers = dict(WorkOrder.objects.filter(pk__in=order_ids).values_list("pk", "number")) if order_ids else {}
    described = {}
    for source, (kind, ident) in parsed.items():
        if kind not in SOURCE_KINDS or not ident:
            described[source] = Source(source)
            continue
        label, route = SOURCE_KINDS[kind]
        if kind == "manual":
            described[source] = Source(f"{label} {ident}")
        elif not ident.isdigit():
            described[source] = Source(source)
        elif kind == "work_order":
            number = numbers.get(int(ident))
            described[source] = Source(f"{label} {number or '#' + ident}",
                                       reverse(route, args=[int(ident)]) if number else "")
        else:
            described[source] = Source(f"{label} #{ident}", reverse(route, args=[int(ident)]) if route else "")
    return described
