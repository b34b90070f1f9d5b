"""Every write of the tickets app goes through these functions (keyword-only, typed, atomic): one per action. The
work-order actions are those of ``tickets.services.workorders`` (one module per family)."""

from . import workorders
from .calls import call_classify, call_event, call_log
from .customers import customer_find_or_create, customer_update, normalize_phone
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
from .saved import saved_filter_delete, saved_filter_save
from .sms import customer_sms_opt_out
from .workorders import *  # noqa: F403  (every work-order action, listed in workorders.__all__)

__all__ = [
    "call_classify",
    "call_event",
    "call_log",
    "customer_find_or_create",
    "customer_sms_opt_out",
    "customer_update",
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
    "saved_filter_delete",
    "saved_filter_save",
    *workorders.__all__,
]
