import datetime as dt

from django.db import transaction
from django.utils import timezone

from contactcenter.errors import InvalidInput, NotPermitted

from ..models import Call, CallOutcome, Customer, User
from .customers import normalize_phone

MAX_RING = dt.timedelta(hours=1)
MAX_CALL = dt.timedelta(days=1)
CLOCK_SKEW = dt.timedelta(minutes=5)  # the telephony system's clock may run a little ahead
# Outcomes an agent may set on an answered call; "answered"/"abandoned" are derived.
AGENT_OUTCOMES = {CallOutcome.ANSWERED, CallOutcome.SILENT, CallOutcome.WRONG_NUMBER, CallOutcome.HARASSMENT}


@transaction.atomic
def call_log(
    *,
    caller_number: str,
    ring_started_at: dt.datetime,
    answered_at: dt.datetime | None,
    ended_at: dt.datetime | None,
    agent: User | None,
    logged_by: User,
    outcome: str = "",
    seat: str = "",
    note: str = "",
    customer: Customer | None = None,
) -> Call:
    """Log a call from the telephony system or typed in by an agent; ring seconds and outcome are derived."""
    phone = normalize_phone(caller_number)
    if answered_at is not None and answered_at < ring_started_at:
        raise InvalidInput("answered_at is before ring_started_at", extra={"field": "answered_at"})
    if ended_at is not None and ended_at < (answered_at or ring_started_at):
        raise InvalidInput("ended_at is before the call was answered or started ringing", extra={"field": "ended_at"})
    now = timezone.now()
    if ring_started_at > now + CLOCK_SKEW:
        raise InvalidInput("ring_started_at is in the future", extra={"field": "ring_started_at"})
    if (answered_at or ended_at or ring_started_at) - ring_started_at > MAX_RING:
        raise InvalidInput("A call cannot ring for more than an hour", extra={"field": "answered_at"})
    if ended_at is not None and ended_at - ring_started_at > MAX_CALL:
        raise InvalidInput("A call cannot last more than a day", extra={"field": "ended_at"})
    if answered_at is None:
        if outcome and outcome != CallOutcome.ABANDONED:
            raise InvalidInput("A call that was never answered is abandoned", extra={"field": "outcome"})
        derived = CallOutcome.ABANDONED
        rang_until = ended_at or ring_started_at
    else:
        if outcome and outcome not in AGENT_OUTCOMES:
            raise InvalidInput(f"outcome {outcome!r} is not possible for an answered call", extra={"field": "outcome"})
        derived = outcome or CallOutcome.ANSWERED
        rang_until = answered_at
    if customer is None:
        customer = Customer.objects.filter(phone=phone).order_by("-id").first()
    return Call.objects.create(
        caller_number=phone,
        customer=customer,
        agent=agent,
        seat=seat or (agent.seat if agent else ""),
        ring_started_at=ring_started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        ring_seconds=int((rang_until - ring_started_at).total_seconds()),
        outcome=derived,
        note=note,
        logged_by=logged_by,
    )


@transaction.atomic
def call_classify(*, call: Call, outcome: str, actor: User, note: str = "") -> Call:
    """The agent who took a call logged by the telephony system says what it was: answered, silent, a wrong
    number or harassment (seed 000 用语 2–5). A call never answered stays abandoned."""
    if not actor.has_perm("tickets.take_calls"):
        raise NotPermitted("Only the front office classifies calls")
    if call.agent_id is not None and call.agent_id != actor.pk and not actor.has_perm("tickets.cancel_order"):
        raise NotPermitted("Only the agent who took the call (or a lead) classifies it")
    if call.answered_at is None:
        raise InvalidInput("A call that was never answered is abandoned", code="call_not_answered",
                           extra={"field": "outcome"})
    if outcome not in AGENT_OUTCOMES:
        raise InvalidInput(f"outcome {outcome!r} is not possible for an answered call", extra={"field": "outcome"})
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.outcome = outcome
    if note:
        call.note = f"{call.note}\n{note}".strip()
    call.save(update_fields=["outcome", "note"])
    return call
