"""The app served over HTTP on loopback, and a load generator that does not eat the server's CPU.

``Gunicorn`` starts ``gunicorn contactcenter.wsgi`` on a free 127.0.0.1 port with the bench's environment
(the bench database, ``DEBUG`` off, the bench ``SECRET_KEY``; no access log, gunicorn's default), waits until it
answers and stops its whole process group afterwards. It also reads its CPU time (master and workers) from
``/proc``.

``wrk`` is Debian's wrk 4 (C, epoll; one thread drives every connection): each run gets a Lua script built
here — a ``request()`` that varies the path, body and token of every request, a ``response()`` that counts
statuses, and a ``done()`` that prints the summary and the latency percentiles as one JSON line. The requests in
flight when the time is up are not counted; a request slower than ``--timeout`` counts as an error. The script
also counts the requests it wrote (``sent``), so that the ones still unanswered when wrk stopped are known: the
server completes them afterwards (rows they create are in the database, their responses were never read).

Another project's WSGI app (the side-by-side suite) runs the same way from its own virtualenv: ``app``,
``gunicorn`` and ``env`` of ``Gunicorn``. ``Uvicorn`` starts the live service (the pages' WebSockets, issue 20) the
same way; ``rss_kib`` reads a process's resident memory.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WRK = "wrk"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # after "pid (comm) "; fields from "state" on


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of the live processes of a process group (gunicorn's master and workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields and int(fields[2]) == pgid:  # pgrp is the 5th field of stat, the 3rd after the comm
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def background_busy(seconds: float = 3.0) -> float:
    """The share of the machine's CPUs busy over ``seconds`` while the bench itself waits: other work on it."""
    busy0, total0 = machine_cpu()
    time.sleep(seconds)
    busy1, total1 = machine_cpu()
    return (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


@dataclass(frozen=True)
class ServerConfig:
    workers: int
    worker_class: str = "sync"  # or "gthread"
    threads: int = 1

    @property
    def text(self) -> str:
        if self.worker_class == "gthread":
            return f"{self.workers} gthread workers × {self.threads} threads"
        return f"{self.workers} sync workers"

    def args(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args


class _Server:
    """What the servers share: their error log, their CPU time, stopping their process group."""

    proc: subprocess.Popen | None
    error_log: Path
    url: str

    name = "server"

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.tail()}")
            try:  # any HTTP answer will do (a redirect, 401, 404): the app is loaded
                urllib.request.urlopen(urllib.request.Request(self.url + "/api/v1/", method="HEAD"), timeout=5)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s: {self.tail()}")

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_text(self) -> str:
        """The whole error log (gone once the server is stopped)."""
        try:
            return self.error_log.read_text(errors="replace")
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.proc.pid) if self.proc else 0.0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        with contextlib.suppress(OSError):
            self.error_log.unlink()


class Gunicorn(_Server):
    """``with Gunicorn(...) as server: server.url``; the whole process group is stopped on exit."""

    name = "gunicorn"

    def __init__(self, *, repo: Path, config: ServerConfig, log=print, env: dict | None = None,
                 app: str = "contactcenter.wsgi", gunicorn: Path | None = None, inherit_env: bool = True) -> None:
        """``app``: the WSGI module, imported from ``repo``; ``gunicorn``: the binary (default: the bench's own
        virtualenv's); ``inherit_env=False`` starts from PATH, HOME and the locale only (another project's
        server must not see the bench's Django settings)."""
        self.repo, self.config, self.log, self.app = repo, config, log, app
        base = os.environ if inherit_env else {k: v for k, v in os.environ.items()
                                                if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ")}
        self.env = {**base, **(env or {})}
        self.gunicorn = gunicorn
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.error_log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])

    @property
    def command(self) -> list[str]:
        gunicorn = self.gunicorn or Path(sys.executable).parent / "gunicorn"  # the bench's own virtualenv
        if not gunicorn.exists():
            gunicorn = Path(shutil.which("gunicorn") or "gunicorn")
        return [str(gunicorn), self.app, "--bind", f"127.0.0.1:{self.port}", *self.config.args(),
                "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning",
                "--error-logfile", str(self.error_log)]

    def __enter__(self) -> "Gunicorn":
        try:
            self.proc = subprocess.Popen(self.command, cwd=self.repo, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True)
            self._wait_ready()
            self.wait_idle()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_idle(self, timeout: float = 60.0, quiet: float = 0.02) -> float:
        """Wait until the master and workers use (almost) no CPU for a quarter of a second: the requests wrk left
        queued when it stopped (sync workers finish every request they accepted) are done, and workers that were
        still booting have booted. Returns the seconds waited."""
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < timeout:
            time.sleep(0.25)
            now = self.cpu_seconds()
            if now - before < quiet:
                break
            before = now
        return time.monotonic() - started

class Uvicorn(_Server):
    """``with Uvicorn(...) as server: server.url``: the live service (``uvicorn contactcenter.asgi:application``,
    the pages' WebSockets), started as ``bin/run-local`` starts it (``--ws websockets-sansio``, one process, log
    level warning) on a free 127.0.0.1 port, in a session of its own: ``pid`` is the one process that holds the
    sockets (its RSS and CPU are read from ``/proc``). Stopped with its process group on exit."""

    name = "uvicorn"

    def __init__(self, *, repo: Path, log=print, env: dict | None = None,
                 app: str = "contactcenter.asgi:application") -> None:
        self.repo, self.log, self.app = repo, log, app
        self.env = {**os.environ, **(env or {})}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.error_log = Path(tempfile.mkstemp(prefix="bench-uvicorn-", suffix=".log")[1])

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    @property
    def command(self) -> list[str]:
        uvicorn = Path(sys.executable).parent / "uvicorn"  # the bench's own virtualenv
        if not uvicorn.exists():
            uvicorn = Path(shutil.which("uvicorn") or "uvicorn")
        return [str(uvicorn), self.app, "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio",
                "--log-level", "warning"]

    def __enter__(self) -> "Uvicorn":
        try:
            with open(self.error_log, "ab") as err:
                self.proc = subprocess.Popen(self.command, cwd=self.repo, env=self.env, stdin=subprocess.DEVNULL,
                                             stdout=err, stderr=err, start_new_session=True)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self



def rss_kib(pid: int) -> int:
    """Resident set size of a process (``VmRSS`` in ``/proc/<pid>/status``), in KiB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- wrk ------------------------------------------------------------------------------------------------------

LUA_COMMON = r"""
-- Generated by bench/http.py. Every thread has its own Lua state: setup() numbers them, response() counts the
-- statuses of its own, done() adds them up and prints one JSON line.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

n = 0
sent = 0  -- requests written (LUA_TAIL wraps request()); wrk also calls request() once to check the script
ok = 0
bad = 0
first_bad = ""
expect_lo, expect_hi = 200, 299  -- the statuses counted as answered; a script may set others after this part

function pick(list) return list[math.random(#list)] end

function init(args)
  math.randomseed(tid * 7919 + os.time())
end

function response(status, headers, body)
  if status >= expect_lo and status <= expect_hi then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

local function q(s)
  s = string.gsub(s, "[%c]", " ")
  s = string.gsub(s, '\\', '\\\\')
  s = string.gsub(s, '"', '\\"')
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local ok_total, bad_total, sent_total, sample = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
    sent_total = sent_total + t:get("sent")
    local fb = t:get("first_bad")
    if sample == "" and fb ~= nil then sample = fb end
  end
  local e = summary.errors
  local parts = {
    '"requests":' .. summary.requests, '"duration_us":' .. summary.duration,
    '"ok":' .. ok_total, '"not_2xx":' .. bad_total, '"sent":' .. sent_total,
    '"connect_errors":' .. e.connect, '"read_errors":' .. e.read, '"write_errors":' .. e.write,
    '"timeouts":' .. e.timeout,
    '"p50_us":' .. latency:percentile(50), '"p95_us":' .. latency:percentile(95),
    '"p99_us":' .. latency:percentile(99), '"max_us":' .. latency.max, '"mean_us":' .. latency.mean,
    '"sample":' .. q(sample),
  }
  io.write("WRKJSON {" .. table.concat(parts, ",") .. "}\n")
end
"""

# After the script: count every request written. wrk calls request() when it is about to write a request, and
# once more in the first thread before the run (script_verify_request): WrkResult.unanswered subtracts that one.
LUA_TAIL = r"""
if type(request) == "function" then
  local build = request
  request = function()
    sent = sent + 1
    return build()
  end
end
"""


def lua_string(value: str) -> str:
    """A Lua string literal (UTF-8 bytes pass through)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_list(values) -> str:
    items = [lua_string(v) if isinstance(v, str) else str(int(v)) for v in values]
    lines = [", ".join(items[i:i + 20]) for i in range(0, len(items), 20)]
    return "{\n  " + ",\n  ".join(lines) + "\n}"


@dataclass
class WrkResult:
    connections: int
    requests: int
    seconds: float
    ok: int
    not_2xx: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float = 0.0
    wrk_cpu_s: float = 0.0
    machine_busy: float = 0.0  # share of the machine's CPUs busy during the run (0..1)
    sample: str = ""
    sent: int = 0  # requests written, as the script counted them (the check call included)
    raw: dict = field(default_factory=dict)
    stdout: str = ""  # wrk's own output, its summary and the script's JSON line

    @property
    def unanswered(self) -> int:
        """Requests written whose response was not read when wrk stopped (one per connection at most): the
        server completes them after the run."""
        return max(0, self.sent - 1 - self.requests) if self.sent else 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.not_2xx + self.socket_errors + self.timeouts


def wrk_available() -> bool:
    return shutil.which(WRK) is not None


def run_wrk(*, url: str, script: str, connections: int, seconds: float, server: Gunicorn | None = None,
            timeout_s: int = 10, workdir: Path | None = None) -> WrkResult:
    """One wrk run: ``connections`` connections on one wrk thread for ``seconds`` (whole seconds, at least 1)."""
    directory = Path(workdir or tempfile.gettempdir())
    path = directory / f"wrk-{os.getpid()}-{time.monotonic_ns()}.lua"
    path.write_text(LUA_COMMON + "\n" + script + "\n" + LUA_TAIL, encoding="utf-8")
    command = [WRK, "--threads", "1", "--connections", str(connections), "--duration", f"{max(1, round(seconds))}s",
               "--timeout", f"{timeout_s}s", "--script", str(path), url]
    server_cpu = server.cpu_seconds() if server else 0.0
    busy0, total0 = machine_cpu()
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out, err = proc.stdout.read(), proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    busy1, total1 = machine_cpu()
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.strip()[:500]} {out.strip()[-500:]}")
    data = json.loads(line[len("WRKJSON "):])
    return WrkResult(
        connections=connections,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        ok=data["ok"],
        not_2xx=data["not_2xx"],
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"],
        timeouts=data["timeouts"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        server_cpu_s=(server.cpu_seconds() - server_cpu) if server else 0.0,
        wrk_cpu_s=usage.ru_utime + usage.ru_stime,
        machine_busy=(busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0,
        sample=data.get("sample", ""),
        sent=data.get("sent", 0),
        raw=data,
        stdout=out,
    )
