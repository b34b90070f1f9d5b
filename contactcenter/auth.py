"""Who is asking: Django's ModelBackend and DRF's token authentication, with what every request needs of the user —
their columns (never the password hash), roles and permission set — kept in the cache between requests.

Every API request and page needs the user and asks ``has_perm`` at least once; read from the database that is two or
three queries whose planning costs more than the rest of a small request. An entry holds plain values: the user's
columns but the password, the names of their roles (groups) and their permission codes. It is keyed by the user's id,
or for a token by a SHA-256 digest of the token: **no secret is ever stored** (neither a token nor a password hash).
A user is rebuilt from an entry with ``Model.from_db``, the password left deferred. A page request checks its session
against the user's session hash (``get_session_auth_hash``: an HMAC of the password hash under ``SECRET_KEY``), which
the entry carries: the value each of the user's sessions already holds (``_auth_user_hash``, kept in this same cache
by the session engine), not the password hash; it is used only under the ``SECRET_KEY`` it was made with. So a warm
request, page or token, reads nothing.

Entries are stamped with the generation of "auth" (``contactcenter.cache``): any change of a user, a token, a group, a
permission or their links through the ORM replaces it (``invalidate_users``, connected in ``ContactcenterConfig``),
so no request uses an entry read before the change, in any process. ``AUTH_CACHE_SECONDS`` bounds an entry's life
(changes made in raw SQL); 0 turns the cache off. The keys (``auth:entry:…``) differ from those of the earlier
format, whose entries held pickled users: during a rolling upgrade neither version reads the other's entries.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed

from .cache import generational, new_generation

GENERATION = "auth"
NOT_CACHED = ("password",)  # a secret: never in the cache (a page request reads it to check its session)


def invalidate_users(**kwargs) -> None:
    """Every cached user and token is stale from now (a signal handler)."""
    new_generation(GENERATION)


def _permission_codes(user) -> set[str]:
    """The user's own and their groups' permissions as ``app_label.codename``, in one query (a UNION)."""
    if not user.is_active or user.is_anonymous:
        return set()
    columns = ("content_type__app_label", "codename")
    permissions = Permission.objects.order_by()  # no ORDER BY (the model's) in the parts of a UNION
    if user.is_superuser:
        rows = permissions.values_list(*columns)
    else:
        rows = permissions.filter(user=user).values_list(*columns).union(
            permissions.filter(group__user=user).values_list(*columns))
    return {f"{app_label}.{codename}" for app_label, codename in rows}


def _key_id() -> str:
    """Which ``SECRET_KEY`` a session hash was made with (an HMAC under it: says nothing of the key)."""
    return salted_hmac("contactcenter.auth.key-id", "").hexdigest()[:16]


def _entry(user) -> dict:
    """What the cache keeps of a user: plain values, no secret."""
    columns = {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields
               if field.attname not in NOT_CACHED}
    return {
        "columns": columns,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(_permission_codes(user)),
        "session_hash": user.get_session_auth_hash(), "key_id": _key_id(),
    }


def _user_from(entry: dict):
    """A user as loaded from the database (``Model.from_db``), the password deferred, with its roles and permission
    set at hand (read by ``ModelBackend.get_all_permissions`` and ``role_names``)."""
    columns = entry["columns"]
    user = get_user_model().from_db(DEFAULT_DB_ALIAS, list(columns), list(columns.values()))
    user.role_names = list(entry["roles"])
    user.permission_codes = set(entry["permissions"])
    if entry.get("session_hash") and entry.get("key_id") == _key_id():  # not one made under a rotated-out key
        user.carried_session_hash = entry["session_hash"]
    return user


def _cached(key: str, load) -> dict | None:
    return generational(GENERATION, key, lambda: (lambda user: None if user is None else _entry(user))(load()),
                        seconds=settings.AUTH_CACHE_SECONDS)


def role_names(user) -> list[str]:
    """The names of the user's roles (Django groups): carried by a user from the cache, else one query."""
    names = getattr(user, "role_names", None)
    if names is None:
        names = user.role_names = list(user.groups.values_list("name", flat=True))
    return names


class ModelBackend(DjangoModelBackend):
    """Django's ModelBackend; the session's user from the cache, and a user's own and group permissions read with
    one query (a UNION) instead of two when they are not."""

    def get_user(self, user_id):
        if not settings.AUTH_CACHE_SECONDS:
            return super().get_user(user_id)
        entry = _cached(f"auth:entry:user:{user_id}", lambda: get_user_model().objects.filter(pk=user_id).first())
        if entry is None:
            return None
        user = _user_from(entry)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        codes = getattr(user_obj, "permission_codes", None)
        if codes is None:
            codes = user_obj.permission_codes = _permission_codes(user_obj)
        return codes


@dataclass(frozen=True)
class SentToken:
    """``request.auth`` of a token request answered from the cache: what knox's ``AuthToken`` row says of the token
    sent (its digest finds the row: ``AuthToken.objects.filter(digest=…)``), without building a model instance for
    every request."""

    digest: str
    token_key: str
    expiry: dt.datetime | None


class CachedTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token authentication (``Authorization: Token <token>``; tokens stored as SHA-512 digests,
    each with its expiry), the token's user and expiry from the cache under a SHA-256 digest of the token: neither
    the token nor knox's digest is stored. An expired token is refused from the cache as from the database."""

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if not settings.AUTH_CACHE_SECONDS:
            return super().authenticate_credentials(token)
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        entry = generational(GENERATION, f"auth:entry:token:{digest}", lambda: self._entry(token),
                             seconds=settings.AUTH_CACHE_SECONDS)
        if entry is None:
            raise AuthenticationFailed(_("Invalid token."))
        expiry = entry["expiry"] and dt.datetime.fromisoformat(entry["expiry"])
        if expiry and expiry <= timezone.now():
            raise AuthenticationFailed(_("Token expired."))
        user = _user_from(entry)
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, SentToken(digest=hash_token(key), token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH],
                               expiry=expiry or None)

    def _entry(self, token: bytes) -> dict | None:
        """The token's user as the cache keeps it, and the token's expiry (ISO 8601, or None: never)."""
        try:
            user, auth_token = super().authenticate_credentials(token)  # deletes the user's expired tokens
        except AuthenticationFailed:
            return None
        return {**_entry(user), "expiry": auth_token.expiry.isoformat() if auth_token.expiry else None}
