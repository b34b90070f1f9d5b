"""The rule tests use both the KPI helpers (``hotline``, one level up) and the duty room of the shift tests (``duty``
and the shifts, draft handover and 中班 it rosters), plus the check of one automatic ledger entry."""

import datetime as dt
from decimal import Decimal

from kpi.models import EntryKind, LedgerEntry
from tests.shifts.conftest import agent3, draft, duty, lead2, middle, shifts  # noqa: F401  (fixtures)


def assert_charged(entry: LedgerEntry, *, rule: str, amount: str, occurred_at: dt.datetime, period: str,
                   agent=None, department=None, unit=None) -> None:
    assert entry.rule.code == rule
    assert entry.kind == EntryKind.AUTOMATIC
    assert entry.amount == Decimal(amount)
    assert entry.occurred_at == occurred_at
    assert entry.period == period
    assert entry.agent_id == (agent.pk if agent else None)
    assert entry.department_id == (department.pk if department else None)
    if unit is not None:
        assert entry.unit_id == unit.pk
    assert entry.reverses_id is None
