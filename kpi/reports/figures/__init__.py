"""The monthly assessment 月度考核: every figure of a month for an org unit, per agent, per department and per
unit rolled up the tree (seed 000 第四条 3 考核; seed 002 服务考核; design "Monthly assessment report").

A read: it records nothing. The exports (``writers``), the API, the pages and the dashboard all read these
figures, so a number means the same thing wherever it is shown. Each figure's formula is in ``FORMULAS``
(written into the report's notes sheet and into the README).

The month is ``[first day 00:00, first day of the next month 00:00)`` in Asia/Shanghai: a call at 23:59 on the
last day belongs to that month. Ledger entries are taken by their ``period`` (stamped in Asia/Shanghai when
posted; a reversal carries its entry's period), so the penalty totals equal the ledger's sums for the same
period and unit (``kpi.selectors.ledger_totals``).

Scope: with a unit, the unit and every unit below it — orders by their unit, calls by the answering agent's
unit (else the customer's), callbacks by their order's unit, ledger entries by their unit. Without a unit, the
whole center, including what has no unit. Figures are as of the moment the report is generated.

Where each part is: ``model`` (Assessment, Section, Column, Fmt), ``period`` (the month's bounds), ``formulas``
(each figure in words), ``counts`` (the queries), ``buckets`` (the counts per agent, department, unit and rule,
and the rates), ``sections`` (the report's sections and columns), ``monthly`` (``monthly_assessment``).
"""

from ...periods import PERIOD_RE, month_bounds, previous_period
from .buckets import rate
from .formulas import FORMULAS
from .model import Assessment, Column, Fmt, Section
from .monthly import monthly_assessment
from .sections import LEDGER_COLUMNS

__all__ = [
    "FORMULAS", "LEDGER_COLUMNS", "PERIOD_RE", "Assessment", "Column", "Fmt", "Section", "month_bounds",
    "monthly_assessment", "previous_period", "rate",
]
