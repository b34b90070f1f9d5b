"""Every action on a work order is one typed function (keyword-only, atomic), named after what it does; the private
``firing.fire`` behind them asks the state machine, saves what changed and writes the history row."""

from .answers import (
    agents_connected,
    work_order_answer_on_call,
    work_order_contact_customer,
    work_order_inform,
    work_order_investigate,
    work_order_reply,
)
from .bulk import BULK_ACTIONS, BULK_MAX, BulkOutcome, work_orders_bulk
from .callbacks import work_order_archive, work_order_callback
from .create import work_order_create
from .firing import available_transitions, transition_names, work_order_transition_check
from .merging import work_order_merge, work_order_unmerge
from .repair import (
    MATERIAL_QUANTITY_MAX,
    Location,
    MaterialUse,
    work_order_arrive,
    work_order_link_outage,
    work_order_resolve_by_outage,
    work_order_restore,
    work_order_unlink_outage,
)
from .routing import (
    supervision_office_for,
    work_order_add_note,
    work_order_cancel,
    work_order_dispatch,
    work_order_escalate,
    work_order_forward,
    work_order_reassign,
    work_order_return,
    work_order_urge,
)

__all__ = [
    "BULK_ACTIONS",
    "BULK_MAX",
    "MATERIAL_QUANTITY_MAX",
    "BulkOutcome",
    "Location",
    "MaterialUse",
    "agents_connected",
    "available_transitions",
    "supervision_office_for",
    "transition_names",
    "work_order_add_note",
    "work_order_answer_on_call",
    "work_order_archive",
    "work_order_arrive",
    "work_order_callback",
    "work_order_cancel",
    "work_order_contact_customer",
    "work_order_create",
    "work_order_dispatch",
    "work_order_escalate",
    "work_order_forward",
    "work_order_inform",
    "work_order_investigate",
    "work_order_link_outage",
    "work_order_merge",
    "work_order_reply",
    "work_order_resolve_by_outage",
    "work_order_restore",
    "work_order_reassign",
    "work_order_return",
    "work_order_transition_check",
    "work_order_unlink_outage",
    "work_order_unmerge",
    "work_order_urge",
    "work_orders_bulk",
]
