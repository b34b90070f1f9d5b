"""Saved filters 常用筛选: a user names the filters of the queue or the search page to come back to them."""

from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput, NotFound

from ..models import SavedFilter, SavedFilterPage, User
from ..selectors.saved import saved_filters_key

MAX_PER_PAGE = 30


@transaction.atomic
def saved_filter_save(*, user: User, page: str, name: str, query: QueryDict, keys: set[str]) -> SavedFilter:
    """Save (or replace, by name) the filters in ``query`` that the page knows (``keys``); the page number and
    anything else are dropped, as are empty values."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the filter a name."), extra={"field": "name"})
    if len(name) > 60:
        raise InvalidInput(_("A filter's name is at most 60 characters long."), extra={"field": "name"})
    if page not in SavedFilterPage.values:
        raise InvalidInput(_("Unknown page “%(page)s”") % {"page": page}, extra={"field": "page"})
    kept = QueryDict(mutable=True)
    for key in sorted(keys & set(query)):
        values = [value for value in query.getlist(key) if value.strip()]
        if values:
            kept.setlist(key, values)
    encoded = kept.urlencode()
    if len(encoded) > 1000:
        raise InvalidInput(_("These filters are too long to save."), extra={"field": "query"})
    existing = SavedFilter.objects.select_for_update().filter(user=user, page=page)
    if not existing.filter(name=name).exists() and existing.count() >= MAX_PER_PAGE:
        raise InvalidInput(_("At most %(count)s saved filters per page: delete one first.") % {"count": MAX_PER_PAGE},
                           extra={"field": "name"})
    saved, _created = SavedFilter.objects.update_or_create(user=user, page=page, name=name,
                                                           defaults={"query": encoded})
    _forget(user.pk, page)
    return saved


@transaction.atomic
def saved_filter_delete(*, user: User, pk: int) -> None:
    """Delete one of the user's own saved filters (another user's: 404, as if it did not exist)."""
    page = SavedFilter.objects.filter(user=user, pk=pk).values_list("page", flat=True).first()
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise NotFound(_("No such saved filter."))
    _forget(user.pk, page)


def _forget(user_id: int, page: str) -> None:
    """The pages list the user's filters from the cache (``selectors.saved``): drop that list now and once the
    change is committed (a page read between the two must not keep the old list)."""
    key = saved_filters_key(user_id, page)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
