"""One module per measured area; each has ``run(ctx) -> Section``. Issue 9 adds ``api`` (HTTP throughput and
latency under gunicorn), ``queries`` (queries per request), ``reports`` (monthly XLSX/CSV/PDF) and ``ledger``
here, and registers them below (``pages``, issue 6, is here already); the data set and the report are shared."""

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
    from . import pages, sweep

    return {"sweep": sweep.run, "pages": pages.run}  # in this order: pages after the sweep, on the same data
