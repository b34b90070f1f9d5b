"""Repository-wide pytest policy for tests that need real servers.

* ``@pytest.mark.postgres``: needs the database engine to be PostgreSQL (``DATABASE_URL=postgres://...``).
* ``@pytest.mark.redis``: needs a Redis answering PING at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``).
* ``@pytest.mark.browser``: drives Debian's Chromium (``/usr/bin/chromium``) with Playwright.
* ``@pytest.mark.s3``: stores files in an S3-compatible server over HTTP through django-storages: moto's S3 server
  (an emulator, pip ``moto[server]``), which the test starts in its own process on a free port.

When the requirement is missing the test is skipped with the reason, unless ``REQUIRE_POSTGRES=1`` /
``REQUIRE_REDIS=1`` / ``REQUIRE_BROWSER=1`` / ``REQUIRE_S3=1`` is set: then it fails, so a CI run meant to exercise
the servers can never pass by silently skipping them (``.ci/run`` sets them for its PostgreSQL run).
"""

import os
import re
from functools import cache

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL


def _redact(url: str) -> str:
    """Hide the password in ``scheme://user:password@host`` URLs."""
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1:***@", url)


def _db_engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"]


def _is_postgres(engine: str) -> bool:
    return "postgresql" in engine or "postgis" in engine


@cache
def _redis_problem(url: str) -> str | None:
    """None when Redis at ``url`` answers PING, otherwise why not (checked once per URL)."""
    try:
        import redis
    except ImportError:
        return "the 'redis' Python package is not installed"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    return None


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "redis: needs a Redis server at REDIS_URL (default redis://127.0.0.1:6379/0); "
        "fails when REQUIRE_REDIS=1 and it is missing, skips otherwise",
    )
    config.addinivalue_line(
        "markers",
        f"browser: drives {CHROMIUM} with Playwright; fails when REQUIRE_BROWSER=1 and it is missing, skips otherwise",
    )
    config.addinivalue_line(
        "markers",
        "s3: stores files in moto's S3-compatible server over HTTP (django-storages); fails when REQUIRE_S3=1 and "
        "it is missing, skips otherwise",
    )


def _s3_problem() -> str | None:
    """None when the S3 backend and moto's server can be used, otherwise what is missing."""
    for module, package in (("storages.backends.s3", "django-storages[s3]"), ("moto.server", "moto[server]")):
        try:
            __import__(module)
        except ImportError as exc:
            return f"the '{package}' Python package is not installed ({exc})"
    return None


def _browser_problem() -> str | None:
    """None when Chromium and the Playwright package are there, otherwise what is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the 'playwright' Python package is not installed"
    return None


def _missing(requirement: str, reason: str, require_var: str) -> None:
    if _flag(require_var):
        pytest.fail(f"{requirement} is required ({require_var}=1) but {reason}", pytrace=False)
    pytest.skip(f"{requirement} not available: {reason} (set {require_var}=1 to make this a failure)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") is not None:
        engine = _db_engine()
        if not _is_postgres(engine):
            _missing(
                "PostgreSQL",
                f"the database engine is {engine} (set DATABASE_URL=postgres://...)",
                "REQUIRE_POSTGRES",
            )
    if item.get_closest_marker("redis") is not None:
        url = _redis_url()
        problem = _redis_problem(url)
        if problem is not None:
            _missing("Redis", f"{_redact(url)} did not answer PING ({problem})", "REQUIRE_REDIS")
    if item.get_closest_marker("browser") is not None:
        problem = _browser_problem()
        if problem is not None:
            _missing("Chromium", problem, "REQUIRE_BROWSER")
    if item.get_closest_marker("s3") is not None:
        problem = _s3_problem()
        if problem is not None:
            _missing("An S3-compatible server", problem, "REQUIRE_S3")


def pytest_report_header(config):
    lines = []
    try:
        from django.conf import settings

        db = settings.DATABASES["default"]
        where = db.get("NAME") or ""
        if db.get("HOST"):
            where = f"{db['HOST']}:{db.get('PORT') or ''}/{where}"
        lines.append(f"database: {db['ENGINE']} {where}")
        lines.append(f"celery broker: {_redact(str(settings.CELERY_BROKER_URL))}")
    except Exception as exc:  # the header must never break the run
        lines.append(f"database/broker: unknown ({type(exc).__name__}: {exc})")
    lines.append(
        f"redis url (redis-marked tests): {_redact(_redis_url())}; "
        f"REQUIRE_POSTGRES={'1' if _flag('REQUIRE_POSTGRES') else '0'} "
        f"REQUIRE_REDIS={'1' if _flag('REQUIRE_REDIS') else '0'} "
        f"REQUIRE_BROWSER={'1' if _flag('REQUIRE_BROWSER') else '0'}"
    )
    return lines
