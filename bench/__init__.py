"""``make bench``: performance measurements at hotline scale on PostgreSQL (issues 3 and 9).

Layout: ``config`` (sizes, database, environment), ``pg`` (the bench database), ``datagen`` (the data set,
set-based SQL), ``measure`` (timings and targets), ``suites/`` (one module per measured area, each
returning a report section), ``report`` (writes ``BENCHMARKS.md``), ``machine`` (what it ran on).
Run it with ``make bench``; ``python -m bench --help`` lists the options.
"""
