"""One module per measured area; each has ``run(ctx) -> Section``. Issue 9 adds ``api`` (HTTP throughput and
latency under gunicorn, and the queries per request), ``reports`` (monthly XLSX/CSV/PDF) and ``ledger``, issue 8
``load`` (200 agents with locust), registered below (``pages``, issue 6, is here already), and ``helpdesk`` our
order creation side by side with django-helpdesk's API, issue 20 ``live`` (500 consoles on WebSockets against the
1 s poll); ``api_requests`` is what the HTTP suites send. The data set and the report are shared."""

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Sizes
from ..datagen import DataSet


@dataclass
class Context:
    data: DataSet
    sizes: Sizes
    repeat: int
    database_url: str
    repo: Path
    python: str
    log: object = print
    options: dict = field(default_factory=dict)


def registry() -> dict:
    from . import api, costs, helpdesk, ledger, live, load, pages, reports, search, sweep

    # Run in this order (python -m bench keeps it whatever the order of --only): pages after the sweep, on the
    # same data; search (issue 18: its bulk dispatch is rolled back); reports (its storm works on a copy of the
    # database, dropped afterwards); costs (what the public APIs cost, issue 17; in-process, nothing kept); the
    # HTTP suites (api: issue 9; helpdesk: ours against django-helpdesk, alternating; load: issue 8) at the very
    # end, as they add orders, calls and history; live (issue 20: 500 consoles on WebSockets against polling) last
    # of all: it adds agents, sessions and calls.
    return {"sweep": sweep.run, "pages": pages.run, "search": search.run, "ledger": ledger.run,
            "reports": reports.run, "costs": costs.run, "api": api.run, "helpdesk": helpdesk.run, "load": load.run,
            "live": live.run}
