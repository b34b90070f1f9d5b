"""Sizes, the bench database and the environment Django is started with.

Sizes can be lowered for a quick try (``BENCH_ORDERS=100000 BENCH_CUSTOMERS=50000 make bench``; the ledger
suite's set follows at a tenth of the orders unless ``BENCH_LEDGER`` says otherwise); the figures in
``BENCHMARKS.md`` are meaningful only at the default sizes, which are those of issues 3, 7 and 9.
"""

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://app:app@127.0.0.1:5432/bench"


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    value = int(raw) if raw else default
    if value < minimum:
        raise SystemExit(f"bench: {name}={value} is below {minimum}")
    return value


@dataclass(frozen=True)
class Sizes:
    orders: int = 1_000_000  # accepted over the last 12 months, most of them archived (issue 9)
    due: int = 10_000  # orders whose next_due_at has come, each with a breach to post (issue 3)
    customers: int = 500_000
    agents: int = 300
    departments: int = 50  # fixed by the org structure in datagen
    ledger: int = 100_000  # orders the ledger suite makes due at once, one entry each (issue 9)

    @classmethod
    def from_env(cls) -> "Sizes":
        sizes = cls(
            orders=_int("BENCH_ORDERS", cls.orders),
            due=_int("BENCH_DUE", cls.due),
            customers=_int("BENCH_CUSTOMERS", cls.customers),
            agents=_int("BENCH_AGENTS", cls.agents, minimum=2),
            ledger=_int("BENCH_LEDGER", min(cls.ledger, _int("BENCH_ORDERS", cls.orders) // 10)),
        )
        if sizes.due * 10 > sizes.orders:
            raise SystemExit("bench: BENCH_DUE must be at most a tenth of BENCH_ORDERS")
        if sizes.ledger * 4 > sizes.orders:
            # the ledger suite takes archived orders that needed no callback (about half of all orders)
            raise SystemExit("bench: BENCH_LEDGER must be at most a quarter of BENCH_ORDERS")
        return sizes

    @property
    def is_default(self) -> bool:
        return self == Sizes()


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    name = urlsplit(url).path.lstrip("/")
    # The bench drops and recreates this database on every run: refuse anything not meant for it.
    if not name.startswith("bench"):
        raise SystemExit(f"bench: refusing to use database {name!r}: its name must start with 'bench'")
    return url


def configure_django_environment(url: str) -> None:
    """Before ``django.setup()``: the bench database, production-like settings (DEBUG off, so Django does
    not keep every query in memory), a throwaway secret."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "contactcenter.settings"
    os.environ["DEBUG"] = "0"
    # In-process measurements: this process's own memory as the cache (never a cache left by an earlier run over
    # a database since rebuilt); the HTTP suites' servers use Redis (bench.suites.api.server_env).
    os.environ["CACHE_URL"] = "locmem://"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "0123456789abcdef" * 3)  # DEBUG off: >= 50 chars
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the test Client speaks plain HTTP
    os.environ.setdefault("LOG_LEVEL", "WARNING")
