"""Every write of the shifts app (keyword-only, typed, atomic): the roster, attendance, the handover."""

from .attendance import shift_check_in, shift_check_out
from .handover import (
    HANDOVER_TRANSITIONS,
    handover_accept,
    handover_add_item,
    handover_available_transitions,
    handover_incoming_check,
    handover_open,
    handover_open_orders,
    handover_outgoing_check,
    handover_refuse,
    handover_submit,
    handover_transition_check,
)
from .roster import shift_create, shift_next, shift_set_members

__all__ = [
    "HANDOVER_TRANSITIONS",
    "handover_accept",
    "handover_add_item",
    "handover_available_transitions",
    "handover_incoming_check",
    "handover_open",
    "handover_open_orders",
    "handover_outgoing_check",
    "handover_refuse",
    "handover_submit",
    "handover_transition_check",
    "shift_check_in",
    "shift_check_out",
    "shift_create",
    "shift_next",
    "shift_set_members",
]
