"""Saved filters 常用筛选 as the queue and the search page list them: read on every load of both pages, changed a few
times a month, so kept in the cache per user and page (``SAVED_FILTERS_CACHE_SECONDS``) and dropped whenever the
user saves or deletes one (``services.saved``)."""

from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache

from ..models import SavedFilter, User

FORMAT = "v1"  # in the key: a release that stores the rows differently must not read an older release's


class SavedFilterRow(NamedTuple):
    pk: int
    name: str
    query: str  # the filters, URL-encoded: the link is ``?<query>``


def saved_filters_key(user_id: int, page: str) -> str:
    return f"saved-filters:{FORMAT}:{user_id}:{page}"


def saved_filters(user: User, page: str) -> list[SavedFilterRow]:
    """The user's saved filters of ``page``, by name."""
    key = saved_filters_key(user.pk, page)
    rows = cache.get(key)
    if rows is None:
        rows = list(SavedFilter.objects.filter(user=user, page=page).order_by("name", "pk")
                    .values_list("pk", "name", "query"))
        cache.set(key, rows, settings.SAVED_FILTERS_CACHE_SECONDS)
    return [SavedFilterRow(*row) for row in rows]
