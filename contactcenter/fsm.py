"""The one question every state machine here asks before firing a transition (work orders, handovers,
outage notices): is it a transition of this machine (409), allowed from the current state with its
conditions met (409), and permitted to this user (403)? And the concurrency guard their models share."""

import functools
from collections.abc import Sequence

from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin, can_proceed, has_transition_perm

from .errors import Conflict, NotPermitted


def check_transition(obj, name: str, actor, *, names: Sequence[str], what: str) -> None:
    if name not in names:
        raise Conflict(f"{what} has no transition {name!r}", code="unknown_transition",
                       extra={"transitions": list(names)})
    method = getattr(obj, name)
    if not can_proceed(method):
        raise Conflict(f"{name!r} is not allowed from state {str(obj.state)!r}", code="transition_not_allowed",
                       extra={"state": str(obj.state)})
    if not has_transition_perm(method, actor):
        raise NotPermitted(f"You may not {name!r} this {what.split(' ', 1)[-1]}")


def available_transitions(obj, user) -> list[str]:
    """Names the user may fire now (allowed from the state, conditions met, permitted), each once."""
    return list(dict.fromkeys(t.name for t in obj.get_available_user_state_transitions(user)))


class ConcurrentStates(ConcurrentTransitionMixin):
    """django-fsm's ``ConcurrentTransitionMixin`` (a save fails if the state changed since the row was read) with
    its state fields found once per class: the mixin filters every field of the model on each instantiation, i.e.
    for every row a list loads (an order has 57 fields)."""

    @property
    def state_fields(self):
        return _state_fields(type(self))


@functools.cache
def _state_fields(model: type) -> tuple:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))
