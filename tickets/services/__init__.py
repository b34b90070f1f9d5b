"""Every write of the tickets app goes through these functions (keyword-only, atomic)."""

from .calls import call_classify, call_log
from .customers import customer_find_or_create, normalize_phone
from .outages import outage_covering, outage_receive, outage_transition, outage_transition_check
from .phrases import ensure_no_forbidden_phrases, forbidden_phrases_in
from .workorders import (
    work_order_create,
    work_order_transition,
    work_order_transition_check,
)

__all__ = [
    "call_classify",
    "call_log",
    "customer_find_or_create",
    "ensure_no_forbidden_phrases",
    "forbidden_phrases_in",
    "normalize_phone",
    "outage_covering",
    "outage_receive",
    "outage_transition",
    "outage_transition_check",
    "work_order_create",
    "work_order_transition",
    "work_order_transition_check",
]
