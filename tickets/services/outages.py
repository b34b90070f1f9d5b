"""Outage notices: receive, publish, update, restore (resolving the linked repairs), close."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from contactcenter.errors import InvalidInput, NotPermitted
from contactcenter.fsm import available_transitions, check_transition

from ..models import Department, OutageLeadTime, OutageNotice, OutageTransition, State, User, WorkOrder
from ..models.outages import MIN_TERM_CHARS, area_terms, short_terms
from ..reference import published_outages

OUTAGE_TRANSITIONS = ("publish", "update", "restore", "close")


@transaction.atomic
def outage_receive(
    *, kind: str, area: str, cause: str, starts_at: dt.datetime, expected_restore_at: dt.datetime, actor: User,
    source_department: Department | None = None, received_at: dt.datetime | None = None,
) -> OutageNotice:
    """Record a notice passed on by another department 停电信息. Who received it and when decides the
    shift that must publish it (kpi: outage_publish_late)."""
    if not actor.has_perm("tickets.take_calls"):
        raise NotPermitted("Only the front office receives outage notices")
    _check_area(area)
    if expected_restore_at <= starts_at:
        raise InvalidInput("The expected restoration must come after the start", extra={"field": "expected_restore_at"})
    now = timezone.now()
    if received_at is not None and received_at > now:
        raise InvalidInput("received_at is in the future", code="received_in_future", extra={"field": "received_at"})
    notice = OutageNotice.objects.create(
        kind=kind, area=area.strip(), cause=cause.strip(), starts_at=starts_at, expected_restore_at=expected_restore_at,
        unit=actor.unit, source_department=source_department, received_at=received_at or now, received_by=actor,
    )
    OutageTransition.objects.create(notice=notice, name="create", source="", target=notice.state, actor=actor, at=now)
    return notice


def _check_area(area: str) -> None:
    """An area is a list of communities, streets or feeders, each of at least two characters ("市" alone would
    swallow every repair call of the city)."""
    if not area_terms(area):
        raise InvalidInput("Name at least one community, street or feeder", extra={"field": "area"})
    short = short_terms(area)
    if short:
        raise InvalidInput(
            f"Each community, street or feeder has at least {MIN_TERM_CHARS} characters: {'、'.join(short)}",
            code="area_term_too_short", extra={"field": "area", "terms": short})


def _check_reach(area: str, notice: OutageNotice, *, confirmed: bool) -> dict:
    """A notice whose area matches more than OUTAGE_WIDE_AREA_PERCENT of the unit's customers goes out only when
    the agent confirms it (recorded in the history row)."""
    from ..selectors import outage_area_reach

    reach = outage_area_reach(area, notice.unit)
    if not reach.too_wide:
        return {}
    if not confirmed:
        raise InvalidInput(
            f"The area matches {reach.matched} of {reach.customers} customers ({reach.share:.0%}): every repair call "
            "from them would be linked to this notice. Check the area, or confirm that it is this wide.",
            code="wide_area_needs_confirmation",
            extra={"field": "area", "matched": reach.matched, "customers": reach.customers})
    return {"wide_area_confirmed": True, "matched": reach.matched, "customers": reach.customers}


def outage_transition_check(*, notice: OutageNotice, name: str, actor: User) -> None:
    check_transition(notice, name, actor, names=OUTAGE_TRANSITIONS, what="An outage notice")


def outage_available_transitions(notice: OutageNotice, user: User) -> list[str]:
    return available_transitions(notice, user)


def announced_late(notice: OutageNotice, at: dt.datetime) -> bool:
    lead = OutageLeadTime.objects.filter(kind=notice.kind).values_list("hours", flat=True).first()
    return bool(lead) and notice.starts_at - at < dt.timedelta(hours=lead)


@transaction.atomic
def outage_transition(*, notice: OutageNotice, name: str, actor: User,
                      params: dict[str, Any] | None = None) -> OutageNotice:
    params = dict(params or {})
    outage_transition_check(notice=notice, name=name, actor=actor)
    at = timezone.now()
    source = notice.state
    data: dict[str, Any] = {}
    confirmed = bool(params.pop("confirm_wide_area", False))
    if name == "publish":
        data.update(_check_reach(notice.area, notice, confirmed=confirmed))
        notice.publish(at=at, by=actor, announced_late=announced_late(notice, at))
        data["announced_late"] = notice.announced_late
    elif name == "update":
        expected = params.get("expected_restore_at")
        if expected is not None and expected <= notice.starts_at:
            raise InvalidInput("The expected restoration must come after the start",
                               extra={"field": "expected_restore_at"})
        if params.get("area") is not None:
            _check_area(params["area"])
        if expected is None and not params.get("cause") and not params.get("area"):
            raise InvalidInput("Nothing to update", extra={"field": "expected_restore_at"})
        reach = _check_reach(params["area"], notice, confirmed=confirmed) if params.get("area") else {}
        notice.update(at=at, expected_restore_at=expected, cause=params.get("cause"), area=params.get("area"))
        data = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in params.items() if v}
        data.update(reach)
    elif name == "restore":
        restored_at = params.get("restored_at")
        if restored_at is not None and (restored_at > at or restored_at < notice.starts_at):
            raise InvalidInput("restored_at must lie between the start and now", extra={"field": "restored_at"})
        notice.restore(at=at, restored_at=restored_at)
    else:
        notice.close(at=at)
    notice.save()
    if name == "restore":
        data["resolved_orders"] = _resolve_linked_repairs(notice, actor)
    OutageTransition.objects.create(notice=notice, name=name, source=source, target=notice.state, actor=actor,
                                    at=at, data=data)
    return notice


def _resolve_linked_repairs(notice: OutageNotice, actor: User) -> int:
    """The repairs linked to the notice move on to restored; their callbacks follow the sampling rule."""
    from .workorders import work_order_transition

    resolved = 0
    for order in WorkOrder.objects.filter(outage=notice, state=State.ACCEPTED):
        work_order_transition(order=order, name="resolve_by_outage", actor=actor,
                              note=f"outage notice #{notice.pk} restored")
        resolved += 1
    return resolved


def outage_covering(address: str, *, at: dt.datetime | None = None) -> OutageNotice | None:
    """The published, started outage whose area names a part of this address (the most recent first)."""
    if not address:
        return None
    at = at or timezone.now()
    for notice in published_outages():  # from the cache: every repair call asks
        if notice.starts_at <= at and notice.covers(address):
            return notice
    return None
