import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactcenter import events
from contactcenter.errors import InvalidInput, NotPermitted

from ..models import Call, CallEventKind, CallOutcome, Customer, SwitchCall, User
from .customers import normalize_phone

MAX_RING = dt.timedelta(hours=1)
MAX_CALL = dt.timedelta(days=1)
# A switch's clock synchronised by NTP is within a second of ours: a time later than this is in the future.
CLOCK_SKEW = dt.timedelta(seconds=10)
# Outcomes an agent may set on an answered call; "answered"/"abandoned" are derived.
AGENT_OUTCOMES = {CallOutcome.ANSWERED, CallOutcome.SILENT, CallOutcome.WRONG_NUMBER, CallOutcome.HARASSMENT}
LOG_ANY_CALL = "tickets.log_any_call"  # the telephony system's service account


def _seat_of_call(*, agent: User | None, logged_by: User) -> User | None:
    """Whose seat the call rang at. The telephony system names any seat's agent (or none: the IVR, a queue); anyone
    else logs only calls at their own seat (the call's ring time is judged against that agent: ring_over_3)."""
    if logged_by.has_perm(LOG_ANY_CALL):
        if agent is not None and not agent.has_perm("tickets.take_calls"):
            raise InvalidInput(_("%(username)s does not take calls") % {"username": agent.username},
                               code="not_an_agent", extra={"field": "agent"})
        return agent
    if not logged_by.has_perm("tickets.take_calls"):
        raise NotPermitted(_("Only the telephony system and those who take calls log calls"))
    if agent is not None and agent.pk != logged_by.pk:
        raise NotPermitted(_("You log only the calls at your own seat; the telephony system logs the others"),
                           code="not_your_seat")
    return logged_by


def _check_times(*, ring_started_at: dt.datetime, answered_at: dt.datetime | None, ended_at: dt.datetime | None,
                 telephony: bool) -> None:
    """Never in the future; no older than the telephony link may lag (CALL_LOG_MAX_AGE_HOURS) or, typed in by an
    agent, than a call just taken (CALL_TYPED_MAX_AGE_MINUTES)."""
    if answered_at is not None and answered_at < ring_started_at:
        raise InvalidInput(_("answered_at is before ring_started_at"), extra={"field": "answered_at"})
    if ended_at is not None and ended_at < (answered_at or ring_started_at):
        raise InvalidInput(_("ended_at is before the call was answered or started ringing"),
                           extra={"field": "ended_at"})
    now = timezone.now()
    for name, moment in (("ring_started_at", ring_started_at), ("answered_at", answered_at), ("ended_at", ended_at)):
        if moment is not None and moment > now + CLOCK_SKEW:
            in_future = {"ring_started_at": _("ring_started_at is in the future"),
                         "answered_at": _("answered_at is in the future"), "ended_at": _("ended_at is in the future")}
            raise InvalidInput(in_future[name], code="in_future", extra={"field": name})
    if telephony:
        hours = settings.CALL_LOG_MAX_AGE_HOURS
        oldest = now - dt.timedelta(hours=hours)
        too_old = ngettext("A call is logged within %(count)s hour of its first ring",
                           "A call is logged within %(count)s hours of its first ring", hours) % {"count": hours}
    else:
        minutes = settings.CALL_TYPED_MAX_AGE_MINUTES
        oldest = now - dt.timedelta(minutes=minutes)
        too_old = ngettext("A call is logged within %(count)s minute of its first ring",
                           "A call is logged within %(count)s minutes of its first ring", minutes) % {"count": minutes}
    if ring_started_at < oldest:
        raise InvalidInput(too_old, code="call_too_old", extra={"field": "ring_started_at"})
    if (answered_at or ended_at or ring_started_at) - ring_started_at > MAX_RING:
        raise InvalidInput(_("A call cannot ring for more than an hour"), extra={"field": "answered_at"})
    if ended_at is not None and ended_at - ring_started_at > MAX_CALL:
        raise InvalidInput(_("A call cannot last more than a day"), extra={"field": "ended_at"})


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
    """Log a call from the telephony system (any seat) or typed in by an agent (their own seat); ring seconds and
    the outcome are derived: the seconds from the first ring until it was answered, or until the caller hung up."""
    agent = _seat_of_call(agent=agent, logged_by=logged_by)
    phone = normalize_phone(caller_number)
    _check_times(ring_started_at=ring_started_at, answered_at=answered_at, ended_at=ended_at,
                 telephony=logged_by.has_perm(LOG_ANY_CALL))
    if answered_at is None:
        if outcome and outcome != CallOutcome.ABANDONED:
            raise InvalidInput(_("A call that was never answered is abandoned"), extra={"field": "outcome"})
        derived = CallOutcome.ABANDONED
        rang_until = ended_at or ring_started_at
    else:
        if outcome and outcome not in AGENT_OUTCOMES:
            raise InvalidInput(_("Outcome “%(outcome)s” is not possible for an answered call") % {"outcome": outcome},
                               extra={"field": "outcome"})
        derived = outcome or CallOutcome.ANSWERED
        rang_until = answered_at
    if customer is None:
        customer = Customer.objects.filter(phone=phone).order_by("-id").first()
    call = Call.objects.create(
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
    events.record("call.ended", f"call.ended:{call.pk}", _call_event(call),
                  at=ended_at or answered_at or ring_started_at)
    return call


def _call_event(call: Call) -> dict:
    """What a call's domain events carry: no phone number."""
    return {"id": call.pk, "agent": call.agent.username if call.agent_id else None, "seat": call.seat,
            "ring_started_at": call.ring_started_at, "answered_at": call.answered_at, "ended_at": call.ended_at,
            "ring_seconds": call.ring_seconds, "outcome": call.outcome}


@transaction.atomic
def call_classify(*, call: Call, outcome: str, actor: User, note: str = "") -> Call:
    """The agent who took a call logged by the telephony system says what it was: answered, silent, a wrong
    number or harassment (seed 000 用语 2–5). A call never answered stays abandoned."""
    if not actor.has_perm("tickets.take_calls"):
        raise NotPermitted(_("Only the front office classifies calls"))
    if call.agent_id is not None and call.agent_id != actor.pk and not actor.has_perm("tickets.cancel_order"):
        raise NotPermitted(_("Only the agent who took the call (or a lead) classifies it"))
    if call.answered_at is None:
        raise InvalidInput(_("A call that was never answered is abandoned"), code="call_not_answered",
                           extra={"field": "outcome"})
    if outcome not in AGENT_OUTCOMES:
        raise InvalidInput(_("Outcome “%(outcome)s” is not possible for an answered call") % {"outcome": outcome},
                           extra={"field": "outcome"})
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.outcome = outcome
    if note:
        call.note = f"{call.note}\n{note}".strip()
    call.save(update_fields=["outcome", "note"])
    return call


@transaction.atomic
def call_event(
    *,
    switch_call_id: str,
    event: str,
    at: dt.datetime,
    reported_by: User,
    caller_number: str = "",
    agent: User | None = None,
    seat: str = "",
) -> SwitchCall:
    """One event of a call as the switch reports it (ring at a seat, answer, end), by the switch's call id. Each
    moment is the first reported (a repeated event changes nothing); events may come in any order. A call that has
    rung and ended is logged once (``call_log``, the times checked as for a whole call); an answer reported after
    the end corrects the logged call's ring time and outcome. Only the telephony system reports events."""
    if not reported_by.has_perm(LOG_ANY_CALL):
        raise NotPermitted(_("Only the telephony system reports call events"))
    if event not in CallEventKind.values:
        raise InvalidInput(_("Unknown call event “%(event)s”") % {"event": event}, extra={"field": "event"})
    if at > timezone.now() + CLOCK_SKEW:
        raise InvalidInput(_("The event's time is in the future"), code="in_future", extra={"field": "at"})
    if agent is not None and not agent.has_perm("tickets.take_calls"):
        raise InvalidInput(_("%(username)s does not take calls") % {"username": agent.username},
                           code="not_an_agent", extra={"field": "agent"})
    if agent is None and seat:
        agent = _agent_at(seat)
    switch_call, _created = SwitchCall.objects.select_for_update().get_or_create(
        switch_call_id=switch_call_id, defaults={"reported_by": reported_by})
    if caller_number and not switch_call.caller_number:
        switch_call.caller_number = normalize_phone(caller_number)
    if agent is not None and (switch_call.agent_id is None or event == CallEventKind.ANSWER):
        switch_call.agent = agent  # who answered, if the ring named another seat first
    switch_call.seat = seat or switch_call.seat or (agent.seat if agent else "")
    moment = {CallEventKind.RING: "rang_at", CallEventKind.ANSWER: "answered_at", CallEventKind.END: "ended_at"}[event]
    first = getattr(switch_call, moment) is None
    if first:
        setattr(switch_call, moment, at)
    switch_call.save()
    if first and event != CallEventKind.END:  # the end is told when the call is logged (call.ended)
        events.record("call.rang" if event == CallEventKind.RING else "call.answered",
                      f"call.{event}:{switch_call.switch_call_id}",
                      {"call_id": switch_call.switch_call_id, "agent": switch_call.agent.username
                       if switch_call.agent_id else None, "seat": switch_call.seat, "at": at}, at=at)
    if switch_call.call_id is None and switch_call.rang_at and switch_call.ended_at:
        if not switch_call.caller_number:
            raise InvalidInput(_("The call's caller_number was never reported"), extra={"field": "caller_number"})
        switch_call.call = call_log(
            caller_number=switch_call.caller_number, ring_started_at=switch_call.rang_at,
            answered_at=switch_call.answered_at, ended_at=switch_call.ended_at, agent=switch_call.agent,
            seat=switch_call.seat, logged_by=reported_by)
        switch_call.save(update_fields=["call"])
    elif switch_call.call_id is not None and event == CallEventKind.ANSWER and switch_call.call.answered_at is None:
        _answered_late(switch_call)
    return switch_call


def _agent_at(seat: str) -> User | None:
    """The agent whose seat (extension) this is, if exactly one active user who takes calls has it."""
    seated = [user for user in User.objects.filter(seat=seat, is_active=True)[:2]
              if user.has_perm("tickets.take_calls")]
    return seated[0] if len(seated) == 1 else None


def _answered_late(switch_call: SwitchCall) -> None:
    """An answer reported after the end: the logged call was answered after all."""
    call = Call.objects.select_for_update().get(pk=switch_call.call_id)
    _check_times(ring_started_at=call.ring_started_at, answered_at=switch_call.answered_at, ended_at=call.ended_at,
                 telephony=True)
    call.answered_at = switch_call.answered_at
    call.agent = switch_call.agent or call.agent
    call.ring_seconds = int((call.answered_at - call.ring_started_at).total_seconds())
    call.outcome = CallOutcome.ANSWERED
    call.save(update_fields=["answered_at", "agent", "ring_seconds", "outcome"])
