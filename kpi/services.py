"""Every write to the ledger: posting breaches (exactly once), manual entries, reversals."""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from tickets.models import Department, Unit, User

from .models import ChargedTo, EntryKind, LedgerEntry, PenaltyRule
from .periods import period_of


@dataclass(frozen=True)
class Breach:
    """A breach the judge found: which rule, whom to charge, what caused it and which occurrence."""

    rule: PenaltyRule
    source: str  # e.g. "work_order:42"
    occurrence: str  # distinguishes repeated breaches of one rule by one source, e.g. the due time
    occurred_at: dt.datetime
    agent_id: int | None = None
    department_id: int | None = None
    unit_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.rule.code}:{self.source}:{self.occurrence}"


def post_breaches(breaches: list[Breach]) -> list[Breach]:
    """Insert one entry per breach; a breach already in the ledger is skipped by the database's
    unique key (conflict-ignore), so concurrent or repeated sweeps cannot double it. Returns the breaches
    that were new to this call (under a race another sweeper may have posted some; the ledger is exact)."""
    breaches = [b for b in breaches if b.rule.enabled]
    if not breaches:
        return []
    existing = set(LedgerEntry.objects.filter(key__in=[b.key for b in breaches]).values_list("key", flat=True))
    fresh = {b.key: b for b in breaches if b.key not in existing}
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                key=key, kind=EntryKind.AUTOMATIC, rule=b.rule, agent_id=b.agent_id, department_id=b.department_id,
                unit_id=b.unit_id, amount=b.rule.amount, occurred_at=b.occurred_at, period=period_of(b.occurred_at),
                source=b.source,
            )
            for key, b in fresh.items()
        ],
        ignore_conflicts=True,
    )
    # A racing sweeper may have written some of these first: their events are keyed by the entry, written once.
    events.record_many([events.Event("ledger.posted", f"ledger.posted:{key}", _breach_event(key, b), b.occurred_at)
                        for key, b in fresh.items()])
    return list(fresh.values())


def _breach_event(key: str, breach: Breach) -> dict:
    return {"key": key, "kind": EntryKind.AUTOMATIC, "rule": breach.rule.code, "amount": breach.rule.amount,
            "agent_id": breach.agent_id, "department_id": breach.department_id, "unit_id": breach.unit_id,
            "occurred_at": breach.occurred_at, "source": breach.source}


def _entry_event(entry: LedgerEntry) -> dict:
    return {"key": entry.key, "kind": entry.kind, "rule": entry.rule.code, "amount": entry.amount,
            "agent_id": entry.agent_id, "department_id": entry.department_id, "unit_id": entry.unit_id,
            "occurred_at": entry.occurred_at, "source": entry.source}


def _posted(entry: LedgerEntry) -> LedgerEntry:
    events.record("ledger.posted", f"ledger.posted:{entry.key}", _entry_event(entry), at=entry.occurred_at)
    return entry


@transaction.atomic
def entry_post_manual(
    *, rule: PenaltyRule, actor: User, reason: str, agent: User | None = None, department: Department | None = None,
    amount: Decimal | None = None, amount_reason: str = "", occurred_at: dt.datetime | None = None,
) -> LedgerEntry:
    """A penalty found by a person (e.g. intranet_violation, 200 yuan, seed 000 考核 3), with a reason. It takes the
    rule's amount; another amount only by a supervisor, who says why (kept on the entry)."""
    if not actor.has_perm("kpi.post_manual_entry"):
        raise NotPermitted(_("Only a shift lead or a supervisor posts manual entries"))
    if not reason.strip():
        raise InvalidInput(_("A manual entry needs a reason"), extra={"field": "reason"})
    if (agent is None) == (department is None):
        raise InvalidInput(_("Charge either an agent or a department"), extra={"field": "agent"})
    if rule.charged_to == ChargedTo.AGENT and agent is None:
        raise InvalidInput(_("This rule charges an agent"), code="charged_to_agent", extra={"field": "agent"})
    if rule.charged_to == ChargedTo.DEPARTMENT and department is None:
        raise InvalidInput(_("This rule charges a department"), code="charged_to_department",
                           extra={"field": "department"})
    if agent is not None and not agent.has_perm("tickets.take_calls"):
        # seed 000 考核 charges the hotline's on-duty staff (在班人员), not a manager or a department's handler.
        raise InvalidInput(_("%(username)s is not on the hotline's duty staff") % {"username": agent.username},
                           code="not_an_agent", extra={"field": "agent"})
    if amount is not None and amount <= 0:
        raise InvalidInput(_("The amount must be positive"), extra={"field": "amount"})
    if amount is not None and amount != rule.amount:
        if not actor.has_perm("kpi.set_entry_amount"):
            raise NotPermitted(_("Only a supervisor posts an amount other than the rule's"),
                               code="amount_not_permitted")
        if not amount_reason.strip():
            raise InvalidInput(_("Say why the amount differs from the rule's"), extra={"field": "amount_reason"})
    else:
        amount_reason = ""
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidInput(_("occurred_at is in the future"), extra={"field": "occurred_at"})
    unit: Unit | None = agent.unit if agent is not None else department.unit
    return _posted(LedgerEntry.objects.create(
        key=f"manual:{uuid.uuid4()}", kind=EntryKind.MANUAL, rule=rule, agent=agent, department=department,
        unit=unit, amount=amount if amount is not None else rule.amount, occurred_at=occurred_at,
        period=period_of(occurred_at), source=f"manual:{actor.username}", reason=reason.strip(),
        amount_reason=amount_reason.strip(), created_by=actor,
    ))


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, actor: User, reason: str) -> LedgerEntry:
    """An appeal upheld: a new entry of the opposite amount, in the original's period. Once per entry."""
    if not actor.has_perm("kpi.reverse_ledgerentry"):
        raise NotPermitted(_("Only a supervisor reverses ledger entries"))
    if entry.agent_id is not None and entry.agent_id == actor.pk:  # supervisors take calls and can be charged
        raise NotPermitted(_("A penalty charged to you is reversed by another supervisor"))
    if not reason.strip():
        raise InvalidInput(_("A reversal needs a reason"), extra={"field": "reason"})
    if entry.kind == EntryKind.REVERSAL:
        raise Conflict(_("A reversal cannot itself be reversed"), code="is_reversal")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("This entry has already been reversed"), code="already_reversed")
    try:
        with transaction.atomic():
            return _posted(LedgerEntry.objects.create(
                key=f"reversal:{entry.pk}", kind=EntryKind.REVERSAL, rule=entry.rule, agent=entry.agent,
                department=entry.department, unit=entry.unit, amount=-entry.amount, occurred_at=timezone.now(),
                period=entry.period, source=f"ledger_entry:{entry.pk}", reverses=entry, reason=reason.strip(),
                created_by=actor,
            ))
    except IntegrityError:  # a concurrent reversal won
        raise Conflict(_("This entry has already been reversed"), code="already_reversed") from None
