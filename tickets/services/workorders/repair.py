"""A repair's own steps: the crew on site, power restored, resolved with the outage it was linked to, linked to a
published outage after acceptance, or unlinked from it by the agent."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput

from ...models import OutageNotice, OutageState, User, WorkOrder
from .firing import fire, require_text, work_order_transition_check


@transaction.atomic
def work_order_arrive(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """The crew reports it is on site: stops the arrival clock, starts the restoration one."""
    return fire(order, "arrive", actor=actor, note=note)


@transaction.atomic
def work_order_restore(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """Supply restored, fault fixed: starts the callback clock (a sampled callback)."""
    return fire(order, "restore", actor=actor, note=note)


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
