"""A repair's own steps: the crew on site, power restored, resolved with the outage it was linked to, linked to a
published outage after acceptance, or unlinked from it by the agent."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput

from ...models import FaultCause, Material, OutageNotice, OutageState, User, WorkOrder
from .firing import fire, require_text, work_order_transition_check

MATERIAL_QUANTITY_MAX = 10_000  # of one material in one repair: more is a typing slip


@dataclass(frozen=True)
class Location:
    """Where the device said it was when the crew reported its arrival (the browser's geolocation, only when the user
    allowed it): WGS 84 degrees, and the accuracy radius in metres."""

    latitude: float
    longitude: float
    accuracy: float | None = None

    def as_data(self) -> dict:
        data = {"latitude": round(self.latitude, 6), "longitude": round(self.longitude, 6)}
        if self.accuracy is not None:
            data["accuracy"] = round(self.accuracy, 1)
        return data


@dataclass(frozen=True)
class MaterialUse:
    """A material used in the repair and how much of it (in the material's unit)."""

    material: Material
    quantity: int


def _valid_location(location: Location) -> Location:
    numbers = (location.latitude, location.longitude, location.accuracy or 0)
    if (not all(isinstance(n, int | float) and math.isfinite(n) for n in numbers)
            or not -90 <= location.latitude <= 90 or not -180 <= location.longitude <= 180
            or (location.accuracy is not None and location.accuracy < 0)):
        raise InvalidInput(_("The location is not a valid position"), code="invalid_location",
                           extra={"field": "latitude"})
    return location


@transaction.atomic
def work_order_arrive(*, order: WorkOrder, actor: User, note: str = "", location: Location | None = None) -> WorkOrder:
    """The crew reports it is on site: stops the arrival clock, starts the restoration one. ``location``, when the
    crew's device gave one, goes to the history row (never required: a crew without a signal still arrives)."""
    work_order_transition_check(order=order, name="arrive", actor=actor)  # 409/403 before the input
    data = {"location": _valid_location(location).as_data()} if location is not None else {}
    return fire(order, "arrive", actor=actor, note=note, data=data)


@transaction.atomic
def work_order_restore(*, order: WorkOrder, actor: User, note: str = "", fault_cause: FaultCause | None = None,
                       materials: Sequence[MaterialUse] = ()) -> WorkOrder:
    """Supply restored, fault fixed: starts the callback clock (a sampled callback). The fault's cause and the
    materials used (the admin's lists, ``FaultCause`` and ``Material``) are recorded with the transition, by id and by
    the name they had then; both are optional here (the API's restore without them still works), the crew's page asks
    for the cause."""
    work_order_transition_check(order=order, name="restore", actor=actor)  # 409/403 before the input
    data: dict = {}
    if fault_cause is not None:
        if not fault_cause.active:
            raise InvalidInput(_("This fault cause is no longer offered"), code="inactive",
                               extra={"field": "fault_cause"})
        data["fault_cause"] = {"id": fault_cause.pk, "name": fault_cause.name}
    used: dict[int, dict] = {}
    for use in materials:
        if not isinstance(use.quantity, int) or not 1 <= use.quantity <= MATERIAL_QUANTITY_MAX:
            raise InvalidInput(_("A material's quantity is a whole number from 1 to %(max)s") % {
                "max": MATERIAL_QUANTITY_MAX}, code="invalid_quantity", extra={"field": "materials"})
        if not use.material.active:
            raise InvalidInput(_("This material is no longer offered"), code="inactive", extra={"field": "materials"})
        if use.material.pk in used:  # named twice: one line, the quantities added up
            used[use.material.pk]["quantity"] += use.quantity
        else:
            used[use.material.pk] = {"id": use.material.pk, "name": use.material.name, "unit": use.material.unit,
                                     "quantity": use.quantity}
    if used:
        data["materials"] = list(used.values())
    return fire(order, "restore", actor=actor, note=note, data=data)


@transaction.atomic
def work_order_resolve_by_outage(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """The outage the repair was linked to has been restored: so is the repair."""
    return fire(order, "resolve_by_outage", actor=actor, note=note)


@transaction.atomic
def work_order_unlink_outage(*, order: WorkOrder, actor: User, reason: str, note: str = "") -> WorkOrder:
    """The call is not about the outage it was linked to (another fault at that address): unlinked, so a crew can be
    dispatched; the history keeps which notice it was and why."""
    work_order_transition_check(order=order, name="unlink_outage", actor=actor)  # 409/403 before the input
    reason = require_text(reason, "reason")
    return fire(order, "unlink_outage", actor=actor, note=note, data={"outage": order.outage_id, "reason": reason},
                reason=reason)


@transaction.atomic
def work_order_link_outage(*, order: WorkOrder, actor: User, outage: OutageNotice, note: str = "") -> WorkOrder:
    """The call is about a published outage after all (its notice was published after the call — a surge's — or the
    agent recognises it): linked as a call from the area is at acceptance; no crew is dispatched for it, and it is
    resolved when the outage is restored. 400 for a notice that is not published."""
    work_order_transition_check(order=order, name="link_outage", actor=actor)  # 409/403 before the input
    if outage is None or outage.state != OutageState.PUBLISHED:
        raise InvalidInput(_("Only a published outage notice can be linked"), code="outage_not_published",
                           extra={"field": "outage"})
    return fire(order, "link_outage", actor=actor, note=note, data={"outage": outage.pk}, outage=outage)
