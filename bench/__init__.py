"""``make bench``: performance measurements at hotline scale on PostgreSQL (issues 3 and 9).

Layout: ``config`` (sizes, database, environment), ``pg`` (the bench database), ``datagen`` (the data set,
set-based SQL), ``measure`` (timings and targets), ``suites/`` (one module per measured area, each
returning a report section; ``suites/helpdesk.py`` measures our order creation side by side with django-helpdesk,
served from ``helpdesk_site/`` in a virtualenv of its own; ``suites/live.py`` 500 consoles on WebSockets against
the 1 s poll, its load run by ``live_load``), ``http`` (gunicorn, uvicorn and wrk), ``report`` (writes
``BENCHMARKS.md`` — summary, method, figures, query plans — and the run's full report with the raw tool output
under ``var/bench/<UTC time>/``; ``--only`` merges the suites run into an existing ``BENCHMARKS.md``), ``machine``
(what it ran on).
Run it with ``make bench`` (``make bench-live``: the live suite alone); ``python -m bench --help`` lists the options.
"""
