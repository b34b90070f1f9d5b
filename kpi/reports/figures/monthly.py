"""``monthly_assessment``: the month's figures for a unit, composed from the queries (``counts``), the buckets
they are counted into (``buckets``) and the report's sections (``sections``)."""

from collections.abc import Callable

from django.utils import timezone

from tickets.models import Unit

from ...models import PenaltyRule
from ...periods import month_bounds
from ...rules import RING_OVER_3, ring_limit_of
from ...selectors import unit_subtree_ids
from .buckets import Buckets
from .counts import call_counts, callback_counts, ledger_sums, order_counts
from .model import Assessment
from .sections import figure_sections, ledger_section


def monthly_assessment(*, period: str, unit: Unit | None = None,
                       progress: Callable[[int], None] | None = None) -> Assessment:
    """Every figure of ``period`` (``YYYY-MM``) for ``unit`` and the units below it (``None``: the whole center).

    The same number of queries whatever the size of the month (eight, nine with a unit): the rules, one grouped
    query each over orders, calls, callbacks and the ledger, then the agents, the departments and the unit tree.
    The ledger detail section is a lazy iterator (read when it is written). A bad period raises ``ValueError``.
    ``progress`` gets percentages from 15 to 50 as the figures are computed.
    """
    progress = progress or (lambda percent: None)
    start, end = month_bounds(period)
    units = unit_subtree_ids(unit) if unit is not None else None
    rules_by_id = {r.pk: r for r in PenaltyRule.objects.all()}
    ring_limit = ring_limit_of(next((r for r in rules_by_id.values() if r.code == RING_OVER_3), None))

    order_rows = order_counts(start, end, units)
    progress(15)
    call_rows = call_counts(start, end, units, ring_limit)
    progress(25)
    callback_rows = callback_counts(start, end, units)
    ledger_rows = ledger_sums(period, units)
    progress(35)
    buckets = Buckets.of(order_rows, call_rows, callback_rows, ledger_rows,
                         rule_codes={pk: r.code for pk, r in rules_by_id.items()})
    progress(45)
    sections = figure_sections(buckets, rules_by_id, unit, units)
    progress(50)

    return Assessment(
        period=period, unit=unit, start=start, end=end, generated_at=timezone.now(), ring_limit=ring_limit,
        sections=[*sections, ledger_section(period, units)],
    )
