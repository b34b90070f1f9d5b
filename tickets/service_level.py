"""The ring limit the console marks calls against (red when a call rang longer).

The limit is the judge's: the ring_over_3 rule's threshold (``kpi.rules``). ``tickets`` records facts and never
imports ``kpi``; the kpi app registers its reader here when it starts (``KpiConfig.ready``), as apps register with
the admin. Without a judge installed no call is marked.
"""

from collections.abc import Callable

_ring_limit: Callable[[], int] | None = None


def register_ring_limit(reader: Callable[[], int]) -> None:
    global _ring_limit
    _ring_limit = reader


def ring_limit_seconds() -> int | None:
    """Seconds a call may ring before it counts as answered late; ``None`` when no judge is installed."""
    return _ring_limit() if _ring_limit is not None else None


def rang_late(ring_seconds: int, limit: int | None) -> bool:
    return limit is not None and ring_seconds > limit
