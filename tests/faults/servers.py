"""The fault tests' own servers and the app's real processes.

* ``PostgresCluster``: a throwaway cluster (``initdb`` into a temporary directory, run as the ``postgres`` OS user
  when we are root) on a free loopback port; started, stopped and restarted with its own ``pg_ctl -D``.
* ``RedisServer``: a ``redis-server`` child process on a free loopback port, no persistence.
* ``AppProcesses``: gunicorn, Celery workers and beat as child processes, each in its own process group (so a
  signal reaches the gunicorn workers or the Celery pool too), each logging to its own file.

Nothing here touches the shared servers on 5432 / 6379: every process signalled was started here, by its pid.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo12345"  # seed_demo's users in the template database
BIN = Path(sys.executable).parent  # the venv running pytest: gunicorn and celery are installed beside python
SECRET_KEY = secrets.token_urlsafe(50)  # production settings refuse a short or guessable one


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


# --- PostgreSQL ------------------------------------------------------------------------------------------

def postgres_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: $PG_BINDIR, Debian's newest /usr/lib/postgresql/N/bin, or PATH."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(re.sub(r"\D", "", p.parent.name)
                                                                                     or 0), reverse=True)
    candidates.extend(versions)
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None)


def postgres_problem() -> str | None:
    if postgres_bindir() is None:
        return "initdb / pg_ctl not found (apt-get install postgresql, or set PG_BINDIR)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "runuser is missing (PostgreSQL refuses to run as root)"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "there is no 'postgres' OS user to run PostgreSQL as (we are root)"
    return None


class PostgresCluster:
    """A cluster of our own: trust authentication on 127.0.0.1 only, user ``postgres``, fsync off (the tests
    restart the server process, never the machine: committed rows survive a fast or an immediate shutdown)."""

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.base = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd="/", capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stdout}{done.stderr}"
                               f"\n--- server log ---\n{self.log_tail()}")
        return done

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\n# fault tests\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.base}'\nfsync = off\nfull_page_writes = off\n"
                       "max_connections = 200\n")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "restart")

    def running(self) -> bool:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, cwd="/", capture_output=True, timeout=30).returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            if self.running():
                self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                                      connect_timeout=5)
        connection.autocommit = True
        return connection

    def query(self, database: str, sql: str, params=None) -> list[tuple]:
        with contextlib.closing(self.connect(database)) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --- Redis ---------------------------------------------------------------------------------------------

def redis_problem() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server not found (apt-get install redis-server)"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the 'redis' Python package is not installed"
    return None


class RedisServer:
    """``redis-server`` on a free loopback port, no persistence: a stop loses what it held (as a Redis restarted
    without a disk would); ``start()`` again brings an empty one up on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = open(self.workdir / f"redis-{self.starts}.log", "w")  # noqa: SIM115 (kept open by the child)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        wait_until(self.ping, timeout=20, what=f"redis-server on port {self.port} answering PING")

    def ping(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """SIGTERM to our redis-server's pid, then wait until the port is closed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_until(lambda: not port_open(self.port), timeout=10, what=f"port {self.port} closed")

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2, socket_timeout=5)


# --- The app's processes ------------------------------------------------------------------------------------

def app_env(*, database_url: str, broker_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like process (DEBUG off) using our servers, never the shared ones."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL", "CELERY_TASK_ALWAYS_EAGER",
                        "CELERY_BROKER_DIR", "CELERY_BROKER_TRANSPORT_OPTIONS", "DEBUG", "VAR_DIR", "STATIC_ROOT",
                        "MEDIA_ROOT", "CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=database_url, CELERY_BROKER_URL=broker_url, SECRET_KEY=SECRET_KEY, DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost", VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", LOG_LEVEL="INFO",
        SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", DEMO_PASSWORD=DEMO_PASSWORD,
    )
    if broker_url.startswith("redis://"):  # as in production (docker-compose): the cache in the broker's Redis, db 1
        env["CACHE_URL"] = broker_url.rsplit("/", 1)[0] + "/1"
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args[:1])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    ended: bool = False  # stopped or killed by us, group included

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self, since: int = 0) -> str:
        with open(self.log, "rb") as f:
            f.seek(since)
            return f.read().decode(errors="replace")

    def size(self) -> int:
        return self.log.stat().st_size

    def wait_for(self, pattern: str, *, timeout: float, since: int = 0) -> re.Match:
        """Wait until the log (from byte ``since``) has a line matching ``pattern``; fail early if the process died."""
        regex = re.compile(pattern, re.MULTILINE)

        def found():
            match = regex.search(self.output(since))
            if match is None and not self.alive():
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}) before /{pattern}/:\n"
                                     f"{self.tail()}")
            return match

        return wait_until(found, timeout=timeout, what=f"{self.name}: /{pattern}/ in its log", interval=0.05)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


@dataclass
class AppProcesses:
    """Children started for one test; ``stop_all`` (fixture teardown) ends every one of them, by process group."""

    logdir: Path
    env: dict[str, str] = field(default_factory=dict)
    started: list[Process] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        log = self.logdir / f"{len(self.started):02d}-{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(argv, cwd=REPO, env=env or self.env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def gunicorn(self, port: int, *, workers: int = 2, threads: int = 4) -> Process:
        """As bin/run-local starts it (gthread workers), on our port; ready when it answers HTTP."""
        process = self.start("gunicorn", [str(BIN / "gunicorn"), "contactcenter.wsgi", "--bind", f"127.0.0.1:{port}",
                                          "--workers", str(workers), "--threads", str(threads), "--timeout", "30",
                                          "--graceful-timeout", "5", "--access-logfile", "-", "--error-logfile", "-"])

        def answers():
            if not process.alive():
                raise AssertionError(f"gunicorn exited ({process.popen.returncode}):\n{process.tail()}")
            try:
                return http_request(port, "GET", "/accounts/login/", timeout=2).status < 500
            except OSError:
                return False

        wait_until(answers, timeout=60, what="gunicorn answering HTTP", interval=0.2)
        return process

    def worker(self, name: str, *, concurrency: int = 1, env: dict[str, str] | None = None) -> Process:
        """A Celery worker as bin/run-local starts it (prefork pool); ready when it logs "ready"."""
        process = self.start(name, [str(BIN / "celery"), "-A", "contactcenter", "worker", "-l", "info",
                                    "--concurrency", str(concurrency), "-n", f"{name}@faults", "--without-mingle",
                                    "--without-gossip"], env=env)
        process.wait_for(r"\bready\.", timeout=90)
        return process

    def beat(self, var_dir: Path) -> Process:
        """Celery beat with the database scheduler (as bin/run-local), re-reading its schedule every second."""
        return self.start("beat", [str(BIN / "celery"), "-A", "contactcenter", "beat", "-l", "info",
                                   "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                                   "--pidfile", str(var_dir / "beat.pid"), "--schedule", str(var_dir / "beat-schedule"),
                                   "--max-interval", "1"])

    def kill(self, process: Process, sig: int = signal.SIGKILL) -> None:
        """``sig`` to the process and everything in its group (a worker and its pool children)."""
        assert not process.ended, f"{process.name} was already stopped"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        if sig == signal.SIGKILL:
            process.popen.wait(timeout=10)
            process.ended = True

    def stop(self, process: Process, timeout: float = 10) -> None:
        """SIGTERM to the group, then SIGKILL to what is left of it; a process is signalled until it is ended,
        never after (its id could be another's by then)."""
        if process.ended:
            return
        if process.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # leftovers of the group (pool children, gunicorn workers)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.popen.wait(timeout=10)
        process.ended = True

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)

    def report(self, lines: int = 80) -> str:
        return "\n".join(f"--- {p.name} (pid {p.pid}, log {p.log}) ---\n{p.tail(lines)}" for p in self.started)


# --- HTTP ------------------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def http_request(port: int, method: str, path: str, *, token: str | None = None, body: dict | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 15) -> Reply:
    """One request on a new connection to our gunicorn; timings are wall-clock, connection included."""
    all_headers = {"Accept": "application/json", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    if token:
        all_headers["Authorization"] = f"Token {token}"
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                     time.monotonic() - started)
    finally:
        connection.close()


def api_token(port: int, username: str) -> str:
    """A seeded user's API token, asked for as a client does (POST /api/v1/auth/token/)."""
    reply = http_request(port, "POST", "/api/v1/auth/token/", body={"username": username, "password": DEMO_PASSWORD})
    assert reply.status == 200, (reply.status, reply.body[:300])
    return reply.json()["token"]


def path_of(url: str) -> str:
    """The path (and query) of an absolute URL the API answered with."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
