"""Every read of the tickets app that pages, the API, the reports and the other apps share (no writes here)."""

from .calendar import WARN_FROM_MONTH, calendar_years_missing
from .console import RepeatCandidate, repeat_candidates
from .orders import (
    OPEN_STATES,
    detail_prefetches,
    due_soon_q,
    is_overdue,
    overdue_q,
    visible_calls,
    visible_customers,
    visible_work_orders,
    with_detail,
    work_order_detail,
)
from .org import unit_subtree_ids
from .outages import (
    AreaReach,
    CallerOutages,
    active_outage_q,
    caller_outages,
    outage_area_reach,
    outage_covering,
    outage_detail,
    outage_linked_orders,
    outage_notices,
    outages_covering,
    public_outages,
    upcoming_outage_q,
)
from .saved import SavedFilterRow, saved_filters
from .search import COUNT_LIMIT, search_work_orders
from .surges import Surge, surge_at, surges

__all__ = [
    "COUNT_LIMIT",
    "OPEN_STATES",
    "WARN_FROM_MONTH",
    "AreaReach",
    "CallerOutages",
    "RepeatCandidate",
    "SavedFilterRow",
    "Surge",
    "active_outage_q",
    "calendar_years_missing",
    "caller_outages",
    "detail_prefetches",
    "due_soon_q",
    "is_overdue",
    "outage_area_reach",
    "outage_covering",
    "outage_detail",
    "outage_linked_orders",
    "outage_notices",
    "outages_covering",
    "overdue_q",
    "public_outages",
    "repeat_candidates",
    "saved_filters",
    "search_work_orders",
    "surge_at",
    "surges",
    "unit_subtree_ids",
    "upcoming_outage_q",
    "visible_calls",
    "visible_customers",
    "visible_work_orders",
    "with_detail",
    "work_order_detail",
]
