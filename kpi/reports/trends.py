"""Month over month 月度趋势: the manager's dashboard figures for the last N months of an org unit.

Every number comes from ``figures.monthly_assessment`` (one call per month), so the dashboard and the monthly
report never disagree: a month's row here is the report's unit total (``section("units").total``), its penalties
by rule are the report's penalties section, its agent ranking is the report's agents section.

A month costs about eight grouped queries over a month of orders, calls, callbacks and ledger entries: 1–2 s for
the whole center at 1,000,000 orders on PostgreSQL (a cold 12-month dashboard took 8–11 s there, 4–6 s for one
service center, and 0.11 s on the demo data; from the cache, 10–25 ms), so each month's figures are kept in
Django's cache, keyed by the unit, the period and ``FIGURES_VERSION``:

- the current month for ``SHORT_TIMEOUT`` (60 s);
- a month closed less than ``SETTLING`` ago — replies, callbacks and the sweeps' late entries still land in it —
  for ``SETTLING_TIMEOUT`` (10 min);
- an older month for ``LONG_TIMEOUT`` (a day): what still changes there (a very late reply, an appeal granted)
  shows within a day, and at once in the report, which always reads the database.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput
from tickets.models import Unit

from ..models import PenaltyRule
from ..periods import PERIOD_RE, month_bounds, period_of
from .figures import monthly_assessment

# Bump when figures.py's formulas or the shape of ``_month_figures`` change: every cached month is recomputed.
FIGURES_VERSION = 1
SHORT_TIMEOUT = 60  # seconds: the current month
SETTLING_TIMEOUT = 10 * 60  # seconds: a month closed less than SETTLING ago
LONG_TIMEOUT = 24 * 3600  # seconds: a month closed more than SETTLING ago
SETTLING = dt.timedelta(days=7)  # complaint reply within 5 days, callback a day later (seed 000 细则 9, 10)
MAX_MONTHS = 36
RANKING_SIZE = 10  # best and worst agents shown; everyone when there are at most twice as many

# The unit total's figures the dashboard shows (counts and the rates made of them; see figures.FORMULAS).
COUNTS = (
    "complaints_received", "complaints_handled", "complaint_replies_due", "complaint_replies_on_time",
    "arrivals_due", "arrivals_on_time", "calls_offered", "calls_answered", "calls_within_limit", "surveyed",
    "satisfied",
)
RATES = ("complaint_handling_rate", "complaint_reply_rate", "arrival_rate", "within_limit_rate", "satisfaction_rate")
MONEY = ("penalties", "reversals", "net")


@dataclass
class Trends:
    unit: Unit | None
    periods: list[str]  # oldest first; the last is ``until``
    months: list[dict]  # one per period, see ``_month_figures``
    rules: list[PenaltyRule]  # the rules with an entry in any of the months, by code
    ranking: list[dict] = field(default_factory=list)  # every agent of the last month, best first

    @property
    def period(self) -> str:
        return self.periods[-1]

    def ranking_ends(self, size: int = RANKING_SIZE) -> tuple[list[dict], list[dict]]:
        """The best ``size`` and the worst ``size`` agents (the worst empty when everyone fits in the best)."""
        if len(self.ranking) <= 2 * size:
            return self.ranking, []
        return self.ranking[:size], self.ranking[-size:]


def periods_until(until: str, months: int) -> list[str]:
    """``months`` periods ending with ``until``, oldest first."""
    year, month = int(until[:4]), int(until[5:7])
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def monthly_trends(*, unit: Unit | None, months: int = 12, until: str | None = None) -> Trends:
    """The last ``months`` months of ``unit`` (and the units below it; ``None``: the whole center) ending with
    ``until`` (``YYYY-MM``; default the current month in Asia/Shanghai), and the agent ranking of ``until``."""
    now = timezone.now()
    until = until or period_of(now)
    if not isinstance(until, str) or not PERIOD_RE.fullmatch(until):
        raise InvalidInput(_("until must look like YYYY-MM"), code="invalid_period", extra={"field": "until"})
    if until > period_of(now):
        raise InvalidInput(_("until is in the future"), code="future_period", extra={"field": "until"})
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(_("months must be between 1 and %(max)s") % {"max": MAX_MONTHS}, code="invalid_months",
                           extra={"field": "months"})

    periods = periods_until(until, months)
    figures = [_cached_month(unit, period, now) for period in periods]
    codes = sorted({code for month in figures for code in month["penalties_by_rule"]})
    rules = list(PenaltyRule.objects.filter(code__in=codes).order_by("code"))
    return Trends(unit=unit, periods=periods, months=figures, rules=rules, ranking=figures[-1]["agents"])


def cache_key(unit: Unit | None, period: str) -> str:
    return f"kpi:trends:v{FIGURES_VERSION}:{unit.pk if unit is not None else 'all'}:{period}"


def cache_timeout(period: str, now: dt.datetime) -> int:
    _start, end = month_bounds(period)
    if now < end:
        return SHORT_TIMEOUT
    return SETTLING_TIMEOUT if now < end + SETTLING else LONG_TIMEOUT


def _cached_month(unit: Unit | None, period: str, now: dt.datetime) -> dict:
    key = cache_key(unit, period)
    month = cache.get(key)
    if month is None:
        month = _month_figures(unit, period)
        cache.set(key, month, cache_timeout(period, now))
    return month


def _month_figures(unit: Unit | None, period: str) -> dict:
    """One month from the monthly assessment, reduced to plain values (cacheable, small)."""
    assessment = monthly_assessment(period=period, unit=unit)
    total = assessment.section("units").total
    month = {"period": period, "generated_at": assessment.generated_at}
    month.update({key: total.get(key, 0) for key in COUNTS})
    month.update({key: total.get(key) for key in RATES})
    month.update({key: total.get(key, Decimal("0")) for key in MONEY})
    month["penalties_by_rule"] = {row["rule"]: row["net"] for row in assessment.section("penalties").rows}
    agents = [
        {"username": row["username"], "name": row["name"] or row["username"], "unit": row["unit"],
         "net": row["net"], "within_limit_rate": row["within_limit_rate"], "calls_answered": row["calls_answered"]}
        for row in assessment.section("agents").rows
    ]
    # Fewest net penalties first; between equals, the better 3-ring rate (an agent with no calls last).
    agents.sort(key=lambda a: (a["net"], a["within_limit_rate"] is None, -(a["within_limit_rate"] or 0),
                               a["username"]))
    for rank, agent in enumerate(agents, start=1):
        agent["rank"] = rank
    month["agents"] = agents
    return month
