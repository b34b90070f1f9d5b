"""Fixtures of the fault tests (marker ``faults``; ``make test-faults``, a step of its own in CI).

Every test here runs the app for real — gunicorn, Celery workers, beat as child processes — against servers of
its own: one throwaway PostgreSQL cluster for the session (a database per test, cloned from a migrated and
seeded template) and one ``redis-server`` per test, on free loopback ports. The tests stop, kill and restart
only those, by the pids they started; the shared servers on 5432 / 6379 are never touched. Teardown stops
everything, also when a test fails, and prints the tail of each process's log then.

The PostgreSQL and Redis binaries are needed: when missing the tests fail under ``REQUIRE_POSTGRES=1`` /
``REQUIRE_REDIS=1`` (as CI sets) and are skipped otherwise.
"""

import itertools
import os

import pytest

from .servers import AppProcesses, PostgresCluster, RedisServer, app_env, manage, postgres_problem, redis_problem

TEMPLATE_DB = "faults_template"
_databases = itertools.count(1)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _need_servers() -> None:
    """Every fault test needs both servers' binaries: fail when one that is REQUIRE_…d is missing, else skip."""
    problems = [(postgres_problem(), "PostgreSQL server binaries", "REQUIRE_POSTGRES"),
                (redis_problem(), "redis-server", "REQUIRE_REDIS")]
    for problem, what, require_var in problems:
        if problem is not None and _flag(require_var):
            pytest.fail(f"{what} is required ({require_var}=1) but {problem}", pytrace=False)
    for problem, what, require_var in problems:
        if problem is not None:
            pytest.skip(f"{what} not available: {problem} (set {require_var}=1 to make this a failure)")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"faults_report_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(getattr(getattr(request.node, f"faults_report_{when}", None), "failed", False)
               for when in ("setup", "call"))


@pytest.fixture(scope="session")
def postgres():
    """Our PostgreSQL cluster for the session (stopped and deleted at the end)."""
    _need_servers()
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def app_template(postgres, tmp_path_factory):
    """A database migrated and filled by ``manage.py seed_demo`` (users agent1 …), cloned for each test."""
    postgres.query("postgres", f"CREATE DATABASE {TEMPLATE_DB}")
    env = app_env(database_url=postgres.url(TEMPLATE_DB), broker_url="memory://",
                  var_dir=tmp_path_factory.mktemp("template-var"))
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo")
    return TEMPLATE_DB


@pytest.fixture
def app_db(postgres, app_template):
    """A fresh database for this test, a copy of the template; dropped afterwards (the server is started again
    first if the test left it stopped)."""
    name = f"faults_{os.getpid()}_{next(_databases)}"
    postgres.query("postgres", f"CREATE DATABASE {name} TEMPLATE {app_template}")
    yield name
    postgres.ensure_running()
    postgres.query("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis_server(postgres, tmp_path):
    """A redis-server of this test's own (``postgres`` first: the binaries check)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(request, tmp_path):
    """Start the app's processes through this; all of them are stopped at teardown, their logs printed on failure."""
    logs = tmp_path / "logs"
    logs.mkdir()
    started = AppProcesses(logdir=logs)
    yield started
    failed = _failed(request)
    started.stop_all()
    if failed:
        print(f"\n===== logs of the processes this test started ({logs}) =====\n{started.report()}")
