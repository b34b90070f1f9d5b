"""Shapes of the tickets API: thin DRF serializers (no business rules: ``tickets.services`` decides)."""

from .calls import (
    CallCreateSerializer,
    CallSerializer,
    CustomerSerializer,
    DepartmentSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UnitSerializer,
)
from .workorders import (
    CONFIRM_HELP,
    NOTE_MAX,
    TEXT_MAX,
    CallbackSerializer,
    DeadlinesSerializer,
    HistorySerializer,
    PhoneMaskingMixin,
    TransitionRequestSerializer,
    WorkOrderCreateSerializer,
    WorkOrderDetailSerializer,
    WorkOrderSerializer,
    transition_input,
)

__all__ = [
    "CONFIRM_HELP",
    "NOTE_MAX",
    "TEXT_MAX",
    "CallCreateSerializer",
    "CallSerializer",
    "CallbackSerializer",
    "CustomerSerializer",
    "DeadlinesSerializer",
    "DepartmentSerializer",
    "HistorySerializer",
    "PhoneMaskingMixin",
    "TokenRequestSerializer",
    "TokenResponseSerializer",
    "TransitionRequestSerializer",
    "UnitSerializer",
    "WorkOrderCreateSerializer",
    "WorkOrderDetailSerializer",
    "WorkOrderSerializer",
    "transition_input",
]
