"""``make bench``: performance measurements at hotline scale on PostgreSQL (issues 3 and 9).

Layout: ``config`` (sizes, database, environment), ``pg`` (the bench database), ``datagen`` (the data set,
set-based SQL), ``measure`` (timings and targets), ``suites/`` (one module per measured area, each
returning a report section; ``suites/helpdesk.py`` measures our order creation side by side with django-helpdesk,
served from ``helpdesk_site/`` in a virtualenv of its own), ``http`` (gunicorn and wrk), ``report`` (writes
``BENCHMARKS.md`` — summary, method, figures, query plans — and the run's full report with the raw tool output
under ``var/bench/<UTC time>/``), ``machine`` (what it ran on).
Run it with ``make bench``; ``python -m bench --help`` lists the options.
"""
