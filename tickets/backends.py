"""Who is asking: Django's ModelBackend and DRF's token authentication, with the signed-in user and their
permissions kept in the cache between requests.

Every API request and page needs the user (a token or session lookup) and asks ``has_perm`` at least once; without
the cache that is two queries and their planning in PostgreSQL, the larger part of a trivial request's cost. An
entry is the user (and the token) with its permission set already filled in (``_perm_cache``, Django's own
per-request cache), stamped with the *generation* current when it was read from the database. Any change of a
user, a token, a group, a permission or their links through the ORM replaces the generation
(``invalidate_users``, connected in ``TicketsConfig.ready``; how generations work: ``contactcenter.cache``), so no
later request uses an entry read before the change, in any process. ``AUTH_CACHE_SECONDS`` bounds how long an entry
lives (changes made in raw SQL); 0 turns the cache off.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from contactcenter.cache import generational, new_generation

GENERATION = "auth"


def cached_user(key: str, load):
    """What ``load()`` returns (a user, or a tuple starting with one; ``None`` when there is none), with the user's
    permission set filled in, from the cache when an entry of the current generation is there."""

    def fill(value) -> None:
        user = value[0] if isinstance(value, tuple) else value
        ModelBackend().get_all_permissions(user)  # sets _perm_cache
        user._role_names = list(user.groups.values_list("name", flat=True))  # for role_names()

    return generational(GENERATION, key, load, seconds=settings.AUTH_CACHE_SECONDS, fill=fill)


def role_names(user) -> list[str]:
    """The names of the user's roles (Django groups): carried by a user from the cache, else one query."""
    names = getattr(user, "_role_names", None)
    if names is None:
        names = user._role_names = list(user.groups.values_list("name", flat=True))
    return names


def invalidate_users(**kwargs) -> None:
    """Every cached user and token is stale from now (a signal handler)."""
    new_generation(GENERATION)


class ModelBackend(DjangoModelBackend):
    """Django's ModelBackend, with the session's user from the cache, and a user's own and group permissions read
    with one query (a UNION) instead of two when they are not."""

    def get_user(self, user_id):
        return cached_user(f"auth:user:{user_id}", lambda: DjangoModelBackend.get_user(self, user_id))

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            columns = ("content_type__app_label", "codename")
            permissions = Permission.objects.order_by()  # no ORDER BY (the model's) in the parts of a UNION
            if user_obj.is_superuser:
                rows = permissions.values_list(*columns)
            else:
                own = permissions.filter(user=user_obj).values_list(*columns)
                rows = own.union(permissions.filter(group__user=user_obj).values_list(*columns))
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (``Authorization: Token <key>``), the token and its user from the cache. The key
    is hashed into the cache key: a token never sits in the cache in clear."""

    def authenticate_credentials(self, key):
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        entry = cached_user(f"auth:token:{digest}", lambda: self._load(key))
        if entry is None:
            raise AuthenticationFailed(_("Invalid token."))
        user, token = entry
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, token

    def _load(self, key):
        token = self.get_model().objects.select_related("user").filter(key=key).first()
        return None if token is None else (token.user, token)
