"""The kinds of object that take attachments, registered by their apps (``contactcenter`` imports no app)."""

import dataclasses
from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..drf import MAX_ID
from ..errors import NotFound, NotPermitted

NOT_FOUND = _("Not found.")
NOT_PERMITTED = _("You do not have permission to do this.")


@dataclasses.dataclass(frozen=True)
class Parent:
    """One kind of object that takes attachments, with its app's own rules."""

    kind: str  # its name in the pages' URLs: "work-order"
    model: type[models.Model]
    # The model permission the app's own pages and API need to read these objects (without it: 403).
    view_permission: str
    # The app's own selector: the objects the user may see (the others are hidden: 404).
    visible: Callable[..., models.QuerySet]
    # Whether the user may attach a file to this object (they see it already).
    may_attach: Callable[..., bool]
    # The object's page, where a page's upload or deletion returns.
    page_url: Callable[[models.Model], str]


_PARENTS: dict[str, Parent] = {}


def register(kind: str, *, model, view_permission: str, visible, may_attach, page_url) -> None:
    """An app says that ``model`` takes attachments (in ``AppConfig.ready``)."""
    _PARENTS[kind] = Parent(kind=kind, model=model, view_permission=view_permission, visible=visible,
                            may_attach=may_attach, page_url=page_url)


def by_kind(kind: str) -> Parent:
    try:
        return _PARENTS[kind]
    except KeyError:
        raise NotFound(str(NOT_FOUND)) from None


def by_model(model) -> Parent:
    concrete = model._meta.concrete_model
    for parent in _PARENTS.values():
        if parent.model is concrete:
            return parent
    raise LookupError(f"{model.__name__} takes no attachments (register it in its AppConfig.ready)")


def kinds() -> list[str]:
    return list(_PARENTS)


def visible_object(parent: Parent, user, pk: int) -> models.Model:
    """The object for this user: 403 without the app's read permission, 404 when it is hidden from them (or gone)."""
    if not user.has_perm(parent.view_permission):
        raise NotPermitted(str(NOT_PERMITTED))
    found = parent.visible(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise NotFound(str(NOT_FOUND))
    return found
