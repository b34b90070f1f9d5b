"""The ledger's posting rate (issue 9): 100,000 ledger entries posted by the deadline sweep.

``sizes.ledger`` archived orders that needed no callback (repairs and consultations not sampled for one) are made
due at once, as if each had been sampled for a callback that nobody made: ``callback_required`` set and
``callback_due_at`` = ``next_due_at`` spread over the 50 minutes before G (a different due time — so a new
key — for every repetition). Each has exactly one breach to post, ``callback_missed`` charged to its owner: its
other deadlines passed long ago and their breaches are in the ledger already (the sweep finds their keys and
skips them). ``kpi.sweeps.sweep_deadlines(now=G)`` is called in-process until it has judged them all — one call
after another, each within its 50 s budget, as beat's minutely calls would go on — and the rate is the entries
it posted over the time of those calls. Before each repetition the orders are armed again and the table is
vacuumed (as the sweep suite does); at the end they are restored (no callback required, none due,
``next_due_at`` as before). The entries stay: the ledger is append-only.
"""

import time
from collections import Counter

from django.utils import timezone

from .. import pg
from ..measure import Check, Figure, Section, Stopwatch

RUNS = 3
SPREAD_S = 3000  # the armed due times spread over this many seconds before G


def _arm(g, k: int, spread: int) -> None:
    due = f"{pg.literal(g)} - (1 + l.id % {max(spread, 1)} + {k}) * interval '1 second'"
    pg.run(f"""UPDATE tickets_workorder w SET callback_required = true, callback_due_at = {due}, next_due_at = {due}
               FROM bench.ledger_orders l WHERE w.id = l.id""")
    pg.run("VACUUM (ANALYZE) tickets_workorder")


def _restore() -> None:
    pg.run("""UPDATE tickets_workorder w SET callback_required = false, callback_due_at = NULL,
                                            next_due_at = l.next_due_at
              FROM bench.ledger_orders l WHERE w.id = l.id""")
    pg.run("VACUUM (ANALYZE) tickets_workorder")


def run(ctx) -> Section:
    from kpi.sweeps import BATCH, sweep_deadlines

    started = time.perf_counter()
    g, n = ctx.data.generated_at, ctx.sizes.ledger
    runs = min(RUNS, ctx.repeat) if ctx.repeat < RUNS else RUNS
    section = Section(title="The ledger's posting rate (issue 9)", intro=__doc__.split("\n\n", 1)[1].strip())
    section.intro = section.intro.replace("``sizes.ledger``", f"{n:,}")

    pg.run("DROP TABLE IF EXISTS bench.ledger_orders")
    pg.run(f"""CREATE TABLE bench.ledger_orders AS
               SELECT id, next_due_at FROM tickets_workorder
               WHERE state = 'archived' AND kind IN ('repair', 'consultation') AND NOT callback_required
                 AND called_back_at IS NULL AND callback_due_at IS NULL AND next_due_at IS NULL
                 AND id NOT IN (SELECT id FROM bench.due_orders)
               ORDER BY id LIMIT {n}""")
    pg.run("ALTER TABLE bench.ledger_orders ADD PRIMARY KEY (id)")
    armed = pg.scalar("SELECT count(*) FROM bench.ledger_orders")
    if armed != n:
        section.checks.append(Check(f"{n:,} archived orders without a callback to arm", False, f"{armed:,} found"))
        section.duration_s = time.perf_counter() - started
        return section

    # Whatever else is due at G (the sweep suite's due set, when it did not run) is swept first, untimed.
    left = sweep_deadlines(now=g, budget_seconds=600)
    if left.orders_judged:
        section.notes.append(f"Before the first repetition a sweep at G cleared what else was due: {left.summary()}.")
    # The armed due times stay in G's month (Asia/Shanghai), never in the report month before it.
    month_start = timezone.localtime(g).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spread = int(min(SPREAD_S, (g - month_start).total_seconds() - runs - 2))

    total = Figure(f"Sweep of {n:,} due orders, one entry each (all calls)", "s",
                   note=f"`sweep_deadlines(now=G)` called until nothing is due; batches of {BATCH}")
    rate = Figure(f"Ledger entries posted per second ({n:,} due at once)", "entries/s", higher_is_better=True,
                  note="entries posted ÷ the time of those calls")
    exact, calls_per_run, by_rule = [], [], Counter()
    for k in range(1, runs + 1):
        _arm(g, k, spread)
        due = pg.scalar("SELECT count(*) FROM tickets_workorder WHERE next_due_at <= %s", [g])
        before = pg.scalar("SELECT coalesce(max(id), 0) FROM kpi_ledgerentry")
        judged = posted = calls = 0
        ctx.log(f"bench: ledger: run {k}/{runs}: {due:,} orders due at G …")
        with Stopwatch() as sw:
            while True:
                result = sweep_deadlines(now=g)
                calls += 1
                judged += result.orders_judged
                posted += result.entries_posted
                by_rule.update(result.by_rule)
                if not result.budget_exhausted:
                    break
        total.samples.append(sw.seconds)
        rate.samples.append(posted / sw.seconds)
        calls_per_run.append(calls)
        added = pg.rows("""
            SELECT count(*), count(DISTINCT e.key), count(DISTINCT e.source),
                   count(*) FILTER (WHERE r.code = 'callback_missed' AND l.id IS NOT NULL
                                    AND e.occurred_at = w.callback_due_at)
            FROM kpi_ledgerentry e
            JOIN kpi_penaltyrule r ON r.id = e.rule_id
            LEFT JOIN bench.ledger_orders l ON e.source = 'work_order:' || l.id
            LEFT JOIN tickets_workorder w ON w.id = l.id
            WHERE e.id > %s""", [before])[0]
        exact.append((due, judged, posted, *added))
        ctx.log(f"bench: ledger: run {k}/{runs}: {sw.seconds:.1f} s in {calls} sweep call(s), "
                f"{posted / sw.seconds:,.0f} entries/s; {added[0]:,} rows added")
    _restore()
    section.figures += [total, rate]
    good = [e for e in exact if e == (n, n, n, n, n, n, n)]
    section.checks.append(Check(
        f"Each repetition: exactly {n:,} orders due, judged, and {n:,} entries added — unique keys, one per order, "
        "each the armed order's callback_missed at its due time (none doubled, none missing, nothing else)",
        len(good) == len(exact),
        "; ".join(f"run {i}: due {e[0]:,}, judged {e[1]:,}, posted {e[2]:,}, rows {e[3]:,}, keys {e[4]:,}, "
                  f"orders {e[5]:,}, as armed {e[6]:,}" for i, e in enumerate(exact, 1))))
    still = pg.scalar("""SELECT count(*) FROM tickets_workorder w JOIN bench.ledger_orders l ON l.id = w.id
                         WHERE w.callback_required OR w.callback_due_at IS NOT NULL
                            OR w.next_due_at IS DISTINCT FROM l.next_due_at""")
    section.checks.append(Check("The armed orders are restored afterwards", still == 0, f"{still} not restored"))
    section.notes += [
        f"Sweep calls per repetition: {', '.join(map(str, calls_per_run))} (each stops after its 50 s budget; "
        "the next goes on).",
        "Entries posted over all repetitions, by rule: "
        + (", ".join(f"{code} {count:,}" for code, count in sorted(by_rule.items())) or "none") + ".",
    ]
    section.duration_s = time.perf_counter() - started
    return section
