"""The demo center ``manage.py seed_demo`` builds: reference data, the roster and outages (``reference``), and
calls and work orders in every state (``orders``)."""
