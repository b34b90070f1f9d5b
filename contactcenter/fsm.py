"""The one question every state machine here asks before firing a transition (work orders, handovers,
outage notices): is it a transition of this machine (409), allowed from the current state with its
conditions met (409), and permitted to this user (403)? And the concurrency guard their models share."""

import functools
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin, can_proceed, has_transition_perm

from .errors import Conflict, NotPermitted


def check_transition(obj, name: str, actor, *, names: Sequence[str], what: str) -> None:
    """``what`` names the object in the user's language, without an article ("outage notice")."""
    if name not in names:
        raise Conflict(_("This %(what)s has no transition “%(name)s”") % {"what": what, "name": name},
                       code="unknown_transition", extra={"transitions": list(names)})
    method = getattr(obj, name)
    if not can_proceed(method):
        state = obj.get_state_display() if hasattr(obj, "get_state_display") else obj.state
        raise Conflict(_("“%(name)s” is not allowed from state “%(state)s”") % {"name": name, "state": state},
                       code="transition_not_allowed", extra={"state": str(obj.state)})
    if not has_transition_perm(method, actor):
        raise NotPermitted(_("You may not “%(name)s” this %(what)s") % {"name": name, "what": what})


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
