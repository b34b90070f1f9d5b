"""Every write of the tickets app goes through these functions (keyword-only, typed, atomic): one per action. The
work-order actions are those of ``tickets.services.workorders`` (one module per family)."""

from . import workorders
from .calls import call_classify, call_log
from .customers import customer_find_or_create, normalize_phone
from .outages import (
    outage_available_transitions,
    outage_close,
    outage_publish,
    outage_receive,
    outage_restore,
    outage_transition_check,
    outage_update,
)
from .phrases import ensure_no_forbidden_phrases, forbidden_phrases_in
from .workorders import *  # noqa: F403  (every work-order action, listed in workorders.__all__)

__all__ = [
    "call_classify",
    "call_log",
    "customer_find_or_create",
    "ensure_no_forbidden_phrases",
    "forbidden_phrases_in",
    "normalize_phone",
    "outage_available_transitions",
    "outage_close",
    "outage_publish",
    "outage_receive",
    "outage_restore",
    "outage_transition_check",
    "outage_update",
    *workorders.__all__,
]
