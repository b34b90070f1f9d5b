"""Rows that nearly every request reads and that rarely change, kept between requests: the signed-in user with
their permissions (contactcenter.auth), the accepting unit's chain and the SLA policies (tickets.reference).

An entry is stamped with its *generation*: a random value kept in Django's cache under the generation's own key.
Changing what a generation covers replaces the value (``new_generation``, from signal handlers), right away and
again when the transaction commits (a request between the two cannot store what it read before the commit under
the new value): every entry read before the change is then stale, in every process, as the cache is shared
(``CACHE_URL``). An entry also expires after ``seconds`` (changes made behind the ORM's back, in raw SQL).

Two levels: the shared cache, and this process's memory in front of it, which saves the round trip and the
unpickling of most lookups. A request reads the current generations once, in one round trip, at its first lookup
(``_current``), and the values read serve the process's next requests for ``CACHE_GENERATION_SECONDS`` (1 s) too:
a change made in this process counts on its next request, one made in another process within that second (0: every
request reads them). Work outside a request (a Celery task, a shell) reads them at every lookup. Values are kept
pickled in memory too, so each caller gets its own copy (a user object is never shared between requests), except
those looked up with ``shared=True`` (reference data that callers only read: units, policies, the calendar, the
published notices), which the process keeps unpickled and hands to every caller as is. A cache that fails (Redis
stopped) is skipped: the caller reads the database as without it.
"""

import logging
import pickle
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

logger = logging.getLogger(__name__)

_FAILED = object()
LOCAL_MAX = 10_000  # entries kept in a process's memory (users, tokens, units, policy lists): then start again
FORMAT = "g2"  # in every key: a release that stores entries differently must not read an older release's

_known: set[str] = set()  # the generations used so far in this process: a request reads all of them at once
# key → (generation, expires at (monotonic), pickled value, the value itself when shared)
_local: dict[str, tuple[str, float, bytes, Any]] = {}
_request = threading.local()  # .generations: the values read in the current request (None outside a request)
_recent: dict[str, Any] = {"read_at": float("-inf"), "generations": {}}  # the last values read, for the next requests


def _cache(method: str, *args: Any) -> Any:
    """``cache.<method>(*args)``, or ``_FAILED`` when the cache fails (logged)."""
    try:
        return getattr(cache, method)(*args)
    except Exception:  # a stopped Redis raises ConnectionError, a full disk OSError …
        logger.warning("cache: %s failed; reading the database instead", method, exc_info=True)
        return _FAILED


def _key(generation: str) -> str:
    return f"{FORMAT}:generation:{generation}"


def _current(generation: str) -> Any:
    """The generation's current value (``_FAILED`` when the cache fails), read once per request."""
    memo = getattr(_request, "generations", None)
    if memo is not None and generation in memo:
        return memo[generation]
    _known.add(generation)
    names = sorted(_known)
    values = _cache("get_many", [_key(name) for name in names])
    if values is _FAILED:
        return _FAILED
    current = {}
    for name in names:
        value = values.get(_key(name))
        if value is None:  # first use, or the cache lost it: start a value that no stored entry carries
            value = uuid.uuid4().hex
            if _cache("add", _key(name), value, None) is not True:
                value = _cache("get", _key(name))  # another process started one meanwhile
                if value is None or value is _FAILED:
                    return _FAILED
        current[name] = value
    if memo is not None:
        memo.update(current)
        _recent.update(read_at=time.monotonic(), generations=dict(current))
    return current[generation]


def generational(generation: str, key: str, load: Callable[[], Any], *, seconds: int,
                 fill: Callable[[Any], None] | None = None, shared: bool = False) -> Any:
    """What ``load()`` returns, from memory or the cache when an entry of the current ``generation`` is there.
    ``None`` is not stored. ``fill(value)`` runs before storing (to complete what the entry carries). ``shared``:
    the callers only read the value, so one object serves all of this process's callers (no unpickling each time)."""
    if not seconds:
        return load()
    current = _current(generation)  # read before the database: what is stored after a change carries a stale one
    if current is _FAILED:
        return load()
    key = f"{FORMAT}:{key}"
    now = time.monotonic()
    local = _local.get(key)
    if local is not None and local[0] == current and local[1] > now:
        return local[3] if shared and local[3] is not None else pickle.loads(local[2])
    stored = _cache("get", key)
    if stored is _FAILED:
        return load()
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == current:
        try:
            value = pickle.loads(stored[1])
        except Exception:  # written by other code (a model changed since): read it again
            logger.warning("cache: entry %s unreadable; reading the database instead", key, exc_info=True)
        else:
            _remember(key, current, now + seconds, stored[1], value if shared else None)
            return value
    value = load()
    if value is not None:
        if fill is not None:
            fill(value)
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        _cache("set", key, (current, data), seconds)
        _remember(key, current, now + seconds, data, value if shared else None)
    return value


def _remember(key: str, generation: str, expires: float, data: bytes, value: Any) -> None:
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[key] = (generation, expires, data, value)


def new_generation(generation: str) -> None:
    """Every entry of ``generation`` is stale from now on, and again from the commit of the current transaction."""

    def replace() -> None:
        value = uuid.uuid4().hex
        _cache("set", _key(generation), value, None)
        memo = getattr(_request, "generations", None)
        if memo is not None:
            memo[generation] = value
        _recent["generations"] = {**_recent["generations"], generation: value}

    _known.add(generation)
    replace()
    transaction.on_commit(replace)


def _request_started(**kwargs) -> None:
    fresh = time.monotonic() - _recent["read_at"] < settings.CACHE_GENERATION_SECONDS
    _request.generations = dict(_recent["generations"]) if fresh else {}


def forget() -> None:
    """Drop what this process keeps (entries and generations read): after the shared cache was emptied (tests)."""
    _local.clear()
    _recent.update(read_at=float("-inf"), generations={})


def _request_finished(**kwargs) -> None:
    _request.generations = None


request_started.connect(_request_started, dispatch_uid="contactcenter.cache.request_started")
request_finished.connect(_request_finished, dispatch_uid="contactcenter.cache.request_finished")
