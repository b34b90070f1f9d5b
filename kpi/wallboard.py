"""The wallboard 监控大屏: the center's picture of *now* for shift leads, supervisors and managers — today's calls and
the 3-ring rate (this hour and today), the calls ringing now, who is on duty, the open orders, those overdue or due
within the hour by department, the active outage notices and today's penalties by rule.

A read, made of the definitions the monthly assessment reads, never written again here: the call counts
(``reports.figures.counts.call_figures``) against the ring limit of the ring_over_3 row (``rules``) and the rate of
the report (``reports.figures.rate``); overdue and due soon from the deadline table (``tickets.sla``); the ledger's
totals by rule (``selectors.ledger_totals_between``, from the database's hourly totals, however many entries a
storm posts); active outages as the console tells callers of them.

``figures()`` is a fixed number of aggregate queries whatever the size of the tables (eight, seven with the ring
limit and the departments' names in the cache); no order is read into Python,
only their counts by kind, state and department — from the index alone on PostgreSQL (``wo_open_board_idx``,
``call_ring_cover_idx``). The page's
refresh and the live sockets read it through ``cached_figures`` / ``figures_through``: computed once for every
open wallboard every ``FRESH_SECONDS``, shared between processes through Django's cache.
"""

import datetime as dt
import time
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from contactcenter.models import DomainEvent
from shifts.models import ShiftMember
from tickets import sla
from tickets.models import Call, Kind, OutageNotice, SwitchCall, WorkOrder
from tickets.models.states import OPEN_STATES
from tickets.reference import department_choices
from tickets.selectors import active_outage_q, outage_notices
from tickets.selectors.console import RINGING_WINDOW

from .reports.figures import rate
from .reports.figures.buckets import RATES
from .reports.figures.counts import call_figures
from .rules import ring_limit_seconds
from .selectors import ledger_totals_between

DUE_SOON = dt.timedelta(hours=1)  # "due within the hour" (the queue's amber, tickets.sla.due_soon_q)
OUTAGES_SHOWN = 6  # notices listed on the board (all are counted)
CACHE_KEY = "kpi:wallboard"
FRESH_SECONDS = 2.0  # figures younger than this serve every page and socket that asks
CACHE_SECONDS = 60


def figures(*, now: dt.datetime | None = None) -> dict:
    """Every figure of the wallboard at ``now`` (default: now), JSON-serializable."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    hour_start = local.replace(minute=0, second=0, microsecond=0)
    ring_limit = ring_limit_seconds()
    return {
        "at": now.isoformat(),
        "ring_limit": ring_limit,
        "calls": _calls(ring_limit, day_start, hour_start, now),
        "ringing": _ringing(now),
        "agents": _agents(now),
        "orders": _orders(now),
        "outages": _outages(now),
        "penalties": _penalties(day_start, now),
    }


def _percent(numerator: int, denominator: int) -> float | None:
    """The report's rate (``reports.figures.rate``) as a percentage, one decimal."""
    value = rate(numerator, denominator)
    return None if value is None else float((value * 100).quantize(Decimal("0.1")))


def _calls(ring_limit: int, day_start: dt.datetime, hour_start: dt.datetime, now: dt.datetime) -> dict:
    """Calls that rang today (and this hour): one query, the report's counts."""
    counts = Call.objects.filter(ring_started_at__gte=day_start, ring_started_at__lte=now).aggregate(
        **call_figures(ring_limit), **call_figures(ring_limit, Q(ring_started_at__gte=hour_start), "_hour"))
    numerator, denominator = RATES["within_limit_rate"]
    return {
        "today": {
            "offered": counts["calls_offered"], "answered": counts["calls_answered"],
            "abandoned": counts["calls_abandoned"], "within_limit": counts[numerator],
            "within_limit_rate": _percent(counts[numerator], counts[denominator]),
        },
        "hour": {
            "offered": counts["calls_offered_hour"], "answered": counts["calls_answered_hour"],
            "abandoned": counts["calls_abandoned_hour"], "within_limit": counts[f"{numerator}_hour"],
            "within_limit_rate": _percent(counts[f"{numerator}_hour"], counts[f"{denominator}_hour"]),
        },
    }


def _ringing(now: dt.datetime) -> dict:
    """Calls the switch reports ringing at a seat now (not answered, not ended, not yet logged), as the console pops
    them up (``tickets.selectors.console.ringing_calls``), and the longest ring among them."""
    ringing = SwitchCall.objects.filter(call__isnull=True, answered_at__isnull=True, ended_at__isnull=True,
                                        rang_at__gte=now - RINGING_WINDOW, rang_at__lte=now)
    found = ringing.aggregate(count=Count("id"), first=Min("rang_at"))
    longest = int((now - found["first"]).total_seconds()) if found["first"] else None
    return {"count": found["count"], "longest_seconds": longest}


def _agents(now: dt.datetime) -> dict:
    """The people rostered on the shifts running now, and those of them checked in and not yet checked out."""
    found = ShiftMember.objects.filter(shift__starts_at__lte=now, shift__ends_at__gt=now).aggregate(
        on_duty=Count("user", distinct=True),
        checked_in=Count("user", distinct=True, filter=Q(checked_in_at__isnull=False, checked_out_at__isnull=True)),
    )
    return {"on_duty": found["on_duty"], "checked_in": found["checked_in"]}


def _orders(now: dt.datetime) -> dict:
    """The open orders counted by kind, state and current department, with those overdue and those due within the
    hour (the deadline table's definitions, as the queue's tabs): one grouped query over the open orders."""
    overdue, soon = sla.overdue_q(now), sla.due_soon_q(now, within=DUE_SOON)
    # Read from the index alone (wo_open_board_idx: these columns, for the open orders); the departments' names
    # come from the reference data (cached).
    rows = list(WorkOrder.objects.filter(state__in=OPEN_STATES).order_by()
                .values("kind", "state", "department_id")
                .annotate(open=Count("id"), overdue=Count("id", filter=overdue), due_soon=Count("id", filter=soon)))
    names = dict(department_choices())  # the reference data's cache
    by_kind: dict[str, dict] = {kind: {"kind": kind, "open": 0, "states": {}} for kind in Kind.values}
    by_department: dict[int | None, dict] = {}
    for row in rows:  # one row per kind × state × department: a few hundred at most, whatever the table's size
        kind = by_kind[row["kind"]]
        kind["open"] += row["open"]
        kind["states"][row["state"]] = kind["states"].get(row["state"], 0) + row["open"]
        if row["overdue"] or row["due_soon"]:
            department = by_department.setdefault(row["department_id"], {
                "department_id": row["department_id"], "department": names.get(row["department_id"], ""),
                "overdue": 0, "due_soon": 0})
            department["overdue"] += row["overdue"]
            department["due_soon"] += row["due_soon"]
    kinds = [{**kind, "states": [{"state": state, "count": kind["states"][state]}
                                 for state in OPEN_STATES if state in kind["states"]]}
             for kind in by_kind.values()]
    departments = sorted(by_department.values(),
                         key=lambda d: (-d["overdue"], -d["due_soon"], d["department_id"] is None, d["department"]))
    return {
        "open": sum(kind["open"] for kind in kinds),
        "overdue": sum(d["overdue"] for d in departments),
        "due_soon": sum(d["due_soon"] for d in departments),
        "by_kind": kinds,
        "by_department": departments,
    }


def _outages(now: dt.datetime) -> dict:
    """The active outage notices (published and started: what callers of the area are told) with the repair calls
    linked to each; the newest first."""
    shown = list(outage_notices().filter(active_outage_q(now)).order_by("-starts_at", "-id")
                 .values("id", "kind", "area", "cause", "starts_at", "expected_restore_at", "linked_count")
                 [:OUTAGES_SHOWN])
    totals = OutageNotice.objects.filter(active_outage_q(now)).aggregate(
        active=Count("id", distinct=True), linked=Count("linked_orders"))
    return {
        "active": totals["active"],
        "linked_calls": totals["linked"],
        "notices": [{"id": n["id"], "kind": n["kind"], "area": n["area"], "cause": n["cause"],
                     "starts_at": n["starts_at"].isoformat(),
                     "expected_restore_at": n["expected_restore_at"].isoformat(),
                     "linked_calls": n["linked_count"]} for n in shown],
    }


def _penalties(day_start: dt.datetime, now: dt.datetime) -> dict:
    """Today's ledger entries by rule, totalled as the ledger and the report total them, from the database's hourly
    totals (``ledger_totals_between``: a storm's entries are not read one by one)."""
    totals = ledger_totals_between(day_start, now)
    return {
        "count": sum(row["count"] for row in totals["by_rule"]),
        "penalties": _yuan(totals["penalties"]), "reversals": _yuan(totals["reversals"]), "net": _yuan(totals["net"]),
        "by_rule": [{"rule": row["rule"], "name_zh": row["name_zh"], "name_en": row["name_en"], "count": row["count"],
                     "penalties": _yuan(row["penalties"]), "net": _yuan(row["net"])} for row in totals["by_rule"]],
    }


def _yuan(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


# --- Shared between the pages and sockets: at most one computation per FRESH_SECONDS -------------------------

def latest_event_id() -> int:
    """The newest outbox event's id: figures computed after reading it reflect every event up to it."""
    return DomainEvent.objects.aggregate(latest=Max("pk"))["latest"] or 0


def _read_cache() -> dict | None:
    try:
        return cache.get(CACHE_KEY)
    except Exception:  # a stopped Redis: compute
        return None


def _compute() -> dict:
    through = latest_event_id()
    entry = {"through": through, "at": time.time(), "figures": figures()}
    try:
        cache.set(CACHE_KEY, entry, CACHE_SECONDS)
    except Exception:
        pass
    return entry


def cached_figures() -> dict:
    """The figures, at most ``FRESH_SECONDS`` old (the page's refresh and its polling)."""
    entry = _read_cache()
    if entry is None or time.time() - entry["at"] >= FRESH_SECONDS:
        entry = _compute()
    return entry["figures"]


def figures_through(event_id: int) -> dict:
    """The figures computed after the outbox event ``event_id`` (those of another process or an earlier call when
    they already reflect it)."""
    entry = _read_cache()
    if entry is None or entry["through"] < event_id:
        entry = _compute()
    return entry["figures"]
