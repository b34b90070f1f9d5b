"""Display helpers of the duty pages."""

from django import template

from shifts import selectors
from shifts.forms import HANDOVER_STATES

register = template.Library()


@register.filter
def handover_state(state: str) -> str:
    """``{{ handover.state|handover_state }}``: the state's label in the current language."""
    return HANDOVER_STATES.get(state, state)


@register.filter
def minutes(delta) -> int:
    """A timedelta in whole minutes (rounded up: 30 seconds late is 1 minute late)."""
    return -int(-delta.total_seconds() // 60)


@register.filter
def checkin_due(shift):
    return selectors.checkin_due_at(shift)


@register.filter
def late_in(member) -> bool:
    """Checked in after the on-time limit (start − lead minutes)."""
    return selectors.checked_in_late(member.shift, member)


@register.filter
def left_early(member) -> bool:
    return selectors.left_early(member.shift, member)
