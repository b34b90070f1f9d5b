"""The facts of the hotline: organisation, customers, calls, work orders (工单) and their history."""

from .calendar import CalendarDay, CalendarYear
from .customers import AreaType, Call, CallOutcome, Customer
from .fieldwork import FaultCause, Material
from .org import Department, DepartmentKind, Role, Unit, UnitKind, User
from .outages import OutageKind, OutageLeadTime, OutageNotice, OutageState, OutageTransition
from .phrases import CustomerText, ForbiddenPhrase, Severity, Situation, StandardPhrase
from .saved import SavedFilter, SavedFilterPage
from .sla import Deadline, Measure, SlaPolicy
from .sms import SmsMessage, SmsState, SmsTemplate, SmsTrigger
from .states import FINAL_STATES, NOT_JUDGED
from .surges import SurgeRule
from .telephony import CallEventKind, SwitchCall
from .workorders import (
    KIND_MODELS,
    NUMBER_DIGITS,
    Callback,
    ComplaintOrder,
    ConsultationOrder,
    FindingCause,
    Kind,
    Rating,
    RepairOrder,
    ReportOrder,
    State,
    SuggestionOrder,
    WorkOrder,
    WorkOrderTransition,
)

__all__ = [
    "FINAL_STATES",
    "FaultCause",
    "Material",
    "NOT_JUDGED",
    "SavedFilter",
    "SavedFilterPage",
    "SurgeRule",
    "SmsMessage",
    "SmsState",
    "SmsTemplate",
    "SmsTrigger",
    "CallEventKind",
    "SwitchCall",
    "KIND_MODELS",
    "NUMBER_DIGITS",
    "AreaType",
    "CalendarDay",
    "CalendarYear",
    "Call",
    "CallOutcome",
    "Callback",
    "ComplaintOrder",
    "ConsultationOrder",
    "Customer",
    "CustomerText",
    "Deadline",
    "Department",
    "DepartmentKind",
    "FindingCause",
    "ForbiddenPhrase",
    "Kind",
    "Measure",
    "OutageKind",
    "OutageLeadTime",
    "OutageNotice",
    "OutageState",
    "OutageTransition",
    "Rating",
    "RepairOrder",
    "ReportOrder",
    "Role",
    "Severity",
    "Situation",
    "SlaPolicy",
    "StandardPhrase",
    "State",
    "SuggestionOrder",
    "Unit",
    "UnitKind",
    "User",
    "WorkOrder",
    "WorkOrderTransition",
]
