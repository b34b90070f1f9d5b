"""What a rule means beyond its row: the one definition of the ring limit.

ring_over_3 (seed 000 考核 4 "在电话响声超过3次未接到电话者", 细则 1 "电话铃响3声内接听", seed 004 §6.3.2 "电话铃响三声
(10 秒)内应及时接听"): a call at an agent's seat that rang more than the limit before it was picked up — answered
late, or never answered and still ringing past the limit when the caller gave up. A call abandoned within the limit
is an abandoned call (counted in the report), not a breach. ``Call.ring_seconds`` is the fact (the seconds from the
first ring until it was answered or the caller hung up); the limit is the rule's ``threshold``.

The sweep (``kpi.events``), the monthly report (``kpi.reports.figures``) and the console's red mark (through
``tickets.service_level``, registered in ``KpiConfig.ready``) all read it here.
"""

from django.core.cache import cache
from django.db.models import Q

from .models import PenaltyRule

RING_OVER_3 = "ring_over_3"
RING_LIMIT_DEFAULT = 10  # seconds = 3 rings (seed 004 §6.3.2): only when the rule row has no threshold
CACHE_KEY = "kpi:ring-limit"
CACHE_SECONDS = 60  # a change through the ORM clears it at once (forget_ring_limit); raw SQL within a minute


def ring_limit_of(rule: PenaltyRule | None) -> int:
    """The ring limit in seconds that ``rule`` (the ring_over_3 row) sets."""
    if rule is not None and rule.threshold is not None:
        return rule.threshold
    return RING_LIMIT_DEFAULT


def ring_limit_seconds() -> int:
    """The ring limit as the ring_over_3 row says now (the console asks on every poll: kept in the cache)."""
    try:
        limit = cache.get(CACHE_KEY)
    except Exception:  # a stopped Redis: read the row
        limit = None
    if limit is None:
        limit = ring_limit_of(PenaltyRule.objects.filter(code=RING_OVER_3).first())
        try:
            cache.set(CACHE_KEY, limit, CACHE_SECONDS)
        except Exception:
            pass
    return limit


def forget_ring_limit(**kwargs) -> None:
    """A rule saved or deleted (signal handler): the next reader reads the row."""
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        pass


def rang_too_long(limit: int, prefix: str = "") -> Q:
    """Calls that rang more than ``limit`` seconds before they were answered or abandoned (a breach)."""
    return Q(**{f"{prefix}ring_seconds__gt": limit})


def answered_within(limit: int, prefix: str = "") -> Q:
    """Calls answered within ``limit`` seconds (the report's "answered within 3 rings")."""
    return Q(**{f"{prefix}answered_at__isnull": False, f"{prefix}ring_seconds__lte": limit})
