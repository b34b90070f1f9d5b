"""Django admin for the tickets app.

The admin is a back office for reference data (units, departments, users, SLA policies) and a
read-mostly window on the facts. Work-order states change only through
the typed services (``tickets.services.work_order_dispatch`` …): here ``state`` and every stamped fact are read-only,
orders are not added (the service makes the number, the deadlines and the history row), and the
history and callbacks can be viewed but never written.

One module per subject: ``org`` (units, departments, users, roles), ``customers`` (customers and
calls), ``workorders`` (orders, their history and callbacks), ``fieldwork`` (fault causes and
materials), ``outages`` (outage notices), ``sms`` (text-message templates and log) and ``reference``
(SLA policies, the working-day calendar, outage lead times, phrases). Importing them here registers
every model when Django's admin autodiscovery imports ``tickets.admin``.
"""

from .customers import CallAdmin, CustomerAdmin
from .fieldwork import FaultCauseAdmin, MaterialAdmin
from .org import DepartmentAdmin, GroupAdmin, UnitAdmin, UserAdmin
from .outages import OutageNoticeAdmin, OutageTransitionInline
from .reference import (
    CalendarDayAdmin,
    CalendarYearAdmin,
    CalendarYearForm,
    ForbiddenPhraseAdmin,
    OutageLeadTimeAdmin,
    SlaPolicyAdmin,
    StandardPhraseAdmin,
    SurgeRuleAdmin,
)
from .sms import SmsMessageAdmin, SmsTemplateAdmin
from .workorders import (
    CallbackAdmin,
    CallbackInline,
    WorkOrderAdmin,
    WorkOrderTransitionAdmin,
    WorkOrderTransitionInline,
)

__all__ = [
    "CalendarDayAdmin",
    "CalendarYearAdmin",
    "CalendarYearForm",
    "CallAdmin",
    "CallbackAdmin",
    "CallbackInline",
    "CustomerAdmin",
    "DepartmentAdmin",
    "FaultCauseAdmin",
    "ForbiddenPhraseAdmin",
    "GroupAdmin",
    "MaterialAdmin",
    "OutageLeadTimeAdmin",
    "OutageNoticeAdmin",
    "OutageTransitionInline",
    "SlaPolicyAdmin",
    "SmsMessageAdmin",
    "SmsTemplateAdmin",
    "StandardPhraseAdmin",
    "SurgeRuleAdmin",
    "UnitAdmin",
    "UserAdmin",
    "WorkOrderAdmin",
    "WorkOrderTransitionAdmin",
    "WorkOrderTransitionInline",
]
