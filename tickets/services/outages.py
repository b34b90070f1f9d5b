"""Outage notices 停电信息: receive, publish, update, restore (resolving the linked repairs), close — one typed function
each; ``_fire`` asks the notice's machine, saves and writes the history row."""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.errors import InvalidInput, NotPermitted
from contactcenter.fsm import available_transitions, check_transition

from ..models import Department, Kind, OutageLeadTime, OutageNotice, OutageTransition, State, User, WorkOrder
from ..models.outages import MIN_TERM_CHARS, area_terms, short_terms
from ..selectors.outages import outage_area_reach
from .sms import sms_outage_published
from .workorders.repair import work_order_link_outage, work_order_resolve_by_outage

OUTAGE_TRANSITIONS = ("publish", "update", "restore", "close")


def _check_area(area: str) -> None:
    """An area is a list of communities, streets or feeders, each of at least two characters ("市" alone would
    swallow every repair call of the city)."""
    if not area_terms(area):
        raise InvalidInput(_("Name at least one community, street or feeder"), extra={"field": "area"})
    short = short_terms(area)
    if short:
        raise InvalidInput(
            _("Each community, street or feeder has at least %(count)s characters: %(terms)s")
            % {"count": MIN_TERM_CHARS, "terms": "、".join(short)},
            code="area_term_too_short", extra={"field": "area", "terms": short})


def _check_reach(area: str, notice: OutageNotice, *, confirmed: bool) -> dict:
    """A notice whose area matches more than OUTAGE_WIDE_AREA_PERCENT of the unit's customers goes out only when the
    agent confirms it (recorded in the history row)."""
    reach = outage_area_reach(area, notice.unit)
    if not reach.too_wide:
        return {}
    if not confirmed:
        raise InvalidInput(
            _("The area matches %(matched)s of %(customers)s customers (%(share)s): every repair call from them would "
              "be linked to this notice. Check the area, or confirm that it is this wide.")
            % {"matched": reach.matched, "customers": reach.customers, "share": f"{reach.share:.0%}"},
            code="wide_area_needs_confirmation",
            extra={"field": "area", "matched": reach.matched, "customers": reach.customers})
    return {"wide_area_confirmed": True, "matched": reach.matched, "customers": reach.customers}


@transaction.atomic
def outage_receive(
    *, kind: str, area: str, cause: str, starts_at: dt.datetime, expected_restore_at: dt.datetime, actor: User,
    source_department: Department | None = None, received_at: dt.datetime | None = None,
    proposed_orders: Sequence[WorkOrder] = (),
) -> OutageNotice:
    """Record a notice passed on by another department 停电信息. Who received it and when decides the shift that must
    publish it (kpi: outage_publish_late). A notice a surge of repair calls proposed (``selectors.surges``) keeps
    those orders: they are linked to it when it is published."""
    if not actor.has_perm("tickets.take_calls"):
        raise NotPermitted(_("Only the front office receives outage notices"))
    _check_area(area)
    if expected_restore_at <= starts_at:
        raise InvalidInput(_("The expected restoration must come after the start"),
                           extra={"field": "expected_restore_at"})
    now = timezone.now()
    if received_at is not None and received_at > now:
        raise InvalidInput(_("received_at is in the future"), code="received_in_future", extra={"field": "received_at"})
    notice = OutageNotice.objects.create(
        kind=kind, area=area.strip(), cause=cause.strip(), starts_at=starts_at, expected_restore_at=expected_restore_at,
        unit=actor.unit, source_department=source_department, received_at=received_at or now, received_by=actor,
    )
    proposed = [order for order in proposed_orders if order.kind == Kind.REPAIR]
    if proposed:
        notice.proposed_orders.set(proposed)
    OutageTransition.objects.create(notice=notice, name="create", source="", target=notice.state, actor=actor, at=now,
                                    data={"proposed_orders": [order.pk for order in proposed]} if proposed else {})
    return notice


def outage_transition_check(*, notice: OutageNotice, name: str, actor: User) -> None:
    """409 unless ``name`` is a transition allowed now; 403 unless the user may fire it (asked before the input)."""
    check_transition(notice, name, actor, names=OUTAGE_TRANSITIONS, what=_("outage notice"))


def outage_available_transitions(notice: OutageNotice, user: User) -> list[str]:
    return available_transitions(notice, user)


def _fire(notice: OutageNotice, name: str, *, actor: User, at: dt.datetime | None = None, data: dict | None = None,
          after=None, **arguments) -> OutageNotice:
    """Fire transition ``name`` of the notice, save it, then ``after(notice)`` (what follows from it, returning what
    the history row also records), then the history row."""
    outage_transition_check(notice=notice, name=name, actor=actor)
    at = at or timezone.now()
    source = notice.state
    getattr(notice, name)(at=at, **arguments)
    notice.save()
    data = {**(data or {}), **(after(notice) if after is not None else {})}
    entry = OutageTransition.objects.create(notice=notice, name=name, source=source, target=notice.state,
                                            actor=actor, at=at, data=data)
    if name in OUTAGE_EVENTS:
        events.record(OUTAGE_EVENTS[name], f"outage.transition:{entry.pk}",
                      {"id": notice.pk, "kind": notice.kind, "area": notice.area, "state": notice.state,
                       "starts_at": notice.starts_at, "expected_restore_at": notice.expected_restore_at}, at=at)
    return notice


OUTAGE_EVENTS = {"publish": "outage.published", "restore": "outage.restored"}


def announced_late(notice: OutageNotice, at: dt.datetime) -> bool:
    lead = OutageLeadTime.objects.filter(kind=notice.kind).values_list("hours", flat=True).first()
    return bool(lead) and notice.starts_at - at < dt.timedelta(hours=lead)


@transaction.atomic
def outage_publish(*, notice: OutageNotice, actor: User, confirm_wide_area: bool = False) -> OutageNotice:
    """Publish (within the receiving shift, seed 000 考核 1); a planned one less than its lead time ahead of the start
    is flagged announced late."""
    outage_transition_check(notice=notice, name="publish", actor=actor)
    at = timezone.now()
    data = _check_reach(notice.area, notice, confirmed=confirm_wide_area)
    late = announced_late(notice, at)

    def link_proposed_repairs(notice: OutageNotice) -> dict:
        """The repairs a surge proposed it from, still waiting and about its area, are linked as a call from the area
        is at acceptance: no crew is dispatched for them, they are resolved with the outage."""
        linked = []
        for order in notice.proposed_orders.filter(state=State.ACCEPTED, outage__isnull=True).order_by("pk"):
            if notice.covers(order.address):
                work_order_link_outage(order=order, actor=actor, outage=notice,
                                       note=f"outage notice #{notice.pk} published")
                linked.append(order.pk)
        return {"linked_orders": linked} if linked else {}

    notice = _fire(notice, "publish", actor=actor, data={**data, "announced_late": late}, at=at,
                   after=link_proposed_repairs, by=actor, announced_late=late)
    sms_outage_published(notice=notice, key=f"outage.published:{notice.pk}", at=at)  # published once: one key
    return notice


@transaction.atomic
def outage_update(*, notice: OutageNotice, actor: User, expected_restore_at: dt.datetime | None = None,
                  cause: str | None = None, area: str | None = None, confirm_wide_area: bool = False) -> OutageNotice:
    """A new expected restoration, cause or area while the outage lasts (a wider area asks for confirmation)."""
    outage_transition_check(notice=notice, name="update", actor=actor)
    if expected_restore_at is not None and expected_restore_at <= notice.starts_at:
        raise InvalidInput(_("The expected restoration must come after the start"),
                           extra={"field": "expected_restore_at"})
    if area is not None:
        _check_area(area)
    if expected_restore_at is None and not cause and not area:
        raise InvalidInput(_("Nothing to update"), extra={"field": "expected_restore_at"})
    reach = _check_reach(area, notice, confirmed=confirm_wide_area) if area else {}
    changes = {"expected_restore_at": expected_restore_at, "cause": cause, "area": area}
    data = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in changes.items() if v}
    return _fire(notice, "update", actor=actor, data={**data, **reach}, **changes)


@transaction.atomic
def outage_restore(*, notice: OutageNotice, actor: User, restored_at: dt.datetime | None = None) -> OutageNotice:
    """Power restored: every repair linked to the notice is resolved with it (their callbacks follow the sampling
    rule)."""
    outage_transition_check(notice=notice, name="restore", actor=actor)
    now = timezone.now()
    if restored_at is not None and (restored_at > now or restored_at < notice.starts_at):
        raise InvalidInput(_("restored_at must lie between the start and now"), extra={"field": "restored_at"})

    def resolve_linked_repairs(notice: OutageNotice) -> dict:
        resolved = 0
        for order in WorkOrder.objects.filter(outage=notice, state=State.ACCEPTED):
            work_order_resolve_by_outage(order=order, actor=actor, note=f"outage notice #{notice.pk} restored")
            resolved += 1
        return {"resolved_orders": resolved}

    return _fire(notice, "restore", actor=actor, at=now, after=resolve_linked_repairs, restored_at=restored_at)


@transaction.atomic
def outage_close(*, notice: OutageNotice, actor: User) -> OutageNotice:
    return _fire(notice, "close", actor=actor)
