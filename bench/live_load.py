"""The live suite's load (``bench.suites.live``), a process of its own: ``python -m bench.live_load <in> <out>``.

One asyncio process, loopback only, every step under a hard timeout. It reads what to do from the JSON file
``<in>`` (the servers' addresses and pids, the agents with their session keys, the telephony token, the pace) and
writes what it measured to ``<out>``:

1. **Connect.** One console socket is opened and closed (the live process loads what its first socket needs),
   the live process's RSS is read, then every agent's console opens ``/ws/console/?after=<last call id>&lang=zh-hans``
   as the page does (its session cookie, the site's ``Origin``), at most ``CONNECTING`` handshakes at a time; a
   console counts as connected when its first message (the state now) has come. The RSS is read again once all
   are connected and idle.
2. **Warm-up.** ``warm_calls`` calls logged as in 4 (the API workers' first requests: delivered, not measured).
3. **Idle.** ``idle_seconds`` with every socket open and nothing happening: the CPU of the live process (and of
   gunicorn's, and of this process).
4. **Calls.** ``calls`` calls logged through ``POST /api/v1/calls/`` (the telephony account's token), one every
   ``1/rate`` s whatever the answers (an open loop: a slow answer does not slow the pace), each for the next agent
   in turn; each console records when each call id arrives on it. The latency of a call is the time from the start
   of its API request (and from its response) to its arrival on its agent's console, in this process's monotonic
   clock. Calls still missing ``drain_seconds`` after the last response are lost.
5. **Polling.** Every socket closed, the same consoles poll ``/console/incoming/?after=<id>`` as ``console.js``
   does without a socket: one request, its answer, then ``poll_ms`` later the next one (each console starts at a
   random moment of the first interval). ``poll_warmup`` s to settle, then ``poll_seconds`` s measured: the
   requests answered in that window, their latencies, gunicorn's CPU.

HTTP is spoken over ``asyncio`` streams (HTTP/1.1; a connection is kept alive when the server keeps it — gunicorn's
sync workers close every connection after its response), the sockets with ``websockets`` (a dependency of the app).
"""

import asyncio
import json
import random
import resource
import sys
import time
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

from .http import group_cpu_seconds, machine_cpu, rss_kib

CONNECTING = 25  # handshakes in flight at once
IncompleteRead = asyncio.IncompleteReadError
HTTP_TIMEOUT = 15.0  # one HTTP request, connection included


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """CPU seconds of the servers, of this process and of the machine over a window."""

    def __init__(self, pids: dict) -> None:
        self.pids = pids

    def read(self) -> dict:
        busy, total = machine_cpu()
        return {"t": time.monotonic(), "live": group_cpu_seconds(self.pids["live"]),
                "web": group_cpu_seconds(self.pids["web"]), "load": _self_cpu(), "busy": busy, "total": total}

    @staticmethod
    def window(a: dict, b: dict) -> dict:
        seconds = b["t"] - a["t"]
        return {"seconds": seconds, "live_cpu_s": b["live"] - a["live"], "web_cpu_s": b["web"] - a["web"],
                "load_cpu_s": b["load"] - a["load"],
                "machine_busy": (b["busy"] - a["busy"]) / (b["total"] - a["total"]) if b["total"] > a["total"]
                else 0.0}


class HttpClient:
    """HTTP/1.1 over asyncio streams to one host: a connection kept while the server keeps it."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
        return await asyncio.wait_for(self._request(method, path, headers, body), HTTP_TIMEOUT)

    async def _request(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, bytes]:
        if self.idle:  # a kept connection the server may have closed meanwhile: then once more on a new one
            try:
                return await self._exchange(*self.idle.pop(), method, path, headers, body)
            except (ConnectionError, IncompleteRead):
                pass
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1
        return await self._exchange(reader, writer, method, path, headers, body)

    async def _exchange(self, reader, writer, method: str, path: str, headers: dict,
                        body: bytes) -> tuple[int, bytes]:
        keep = False
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", *(f"{k}: {v}" for k, v in
                                                                                     headers.items())]
            if body or method in ("POST", "PUT", "PATCH"):
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("the server closed the connection")
            status = int(status_line.split()[1])
            length, chunked, close = None, False, status_line.startswith(b"HTTP/1.0")
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding" and "chunked" in value:
                    chunked = True
                elif name == "connection":
                    close = "close" in value or (close and "keep-alive" not in value)
            if chunked:
                parts = []
                while True:
                    size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        await reader.readline()
                        break
                    parts.append(await reader.readexactly(size))
                    await reader.readline()
                data = b"".join(parts)
            elif length is not None:
                data = await reader.readexactly(length)
            else:
                data, close = await reader.read(), True
            keep = not close
            return status, data
        finally:
            if keep:
                self.idle.append((reader, writer))
            else:
                writer.close()


def _iso(seconds_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


class Console:
    """One agent's console socket: when each call id arrived on it."""

    def __init__(self, index: int, agent: dict, cfg: dict) -> None:
        self.index, self.agent, self.cfg = index, agent, cfg
        self.ws = None
        self.first: dict | None = None
        self.connect_s = 0.0
        self.arrivals: dict[int, float] = {}
        self.messages = 0
        self.closed_early: str = ""
        self.reader: asyncio.Task | None = None
        self.error = ""

    def _headers(self) -> dict:
        return {"Origin": self.cfg["origin"], "Cookie": f"{self.cfg['cookie_name']}={self.agent['session']}"}

    async def open(self) -> bool:
        started = time.monotonic()
        try:
            self.ws = await connect(f"{self.cfg['live']}/ws/console/?after={self.cfg['after']}&lang=zh-hans",
                                    additional_headers=self._headers(), open_timeout=30, ping_interval=None,
                                    close_timeout=5, max_queue=None)
            self.first = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
        except Exception as exc:  # counted: a console that did not connect
            self.error = f"{type(exc).__name__}: {exc}"[:200]
            return False
        self.connect_s = time.monotonic() - started
        self.reader = asyncio.create_task(self._read())
        return True

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                arrived = time.monotonic()
                self.messages += 1
                for call in json.loads(message).get("calls", []):
                    self.arrivals.setdefault(call["id"], arrived)
        except Exception as exc:
            self.closed_early = f"{type(exc).__name__}: {exc}"[:200]
        else:
            if not getattr(self, "closing", False):
                self.closed_early = f"closed by the server ({self.ws.close_code})"

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 10)
            except Exception:  # noqa: BLE001 - closing is best effort; the server drops it anyway
                pass
        if self.reader is not None:
            self.reader.cancel()


async def phase_connect(cfg: dict, meter: Meter, out: dict) -> list[Console]:
    warm = Console(0, cfg["agents"][0], cfg)
    if not await warm.open():
        raise RuntimeError(f"the first console socket did not open: {warm.error}")
    await warm.close()
    await asyncio.sleep(1.0)
    out["rss_before_kib"] = rss_kib(cfg["pids"]["live"])
    consoles = [Console(i, agent, cfg) for i, agent in enumerate(cfg["agents"])]
    gate = asyncio.Semaphore(CONNECTING)

    async def one(console: Console) -> bool:
        async with gate:
            return await console.open()

    m0 = meter.read()
    await asyncio.wait_for(asyncio.gather(*(one(c) for c in consoles)), cfg["connect_timeout"])
    m1 = meter.read()
    out["connect"] = Meter.window(m0, m1)
    out["connected"] = sum(1 for c in consoles if c.first is not None)
    out["connect_errors"] = [c.error for c in consoles if c.error][:5]
    out["connect_times_s"] = [c.connect_s for c in consoles if c.first is not None]
    out["first_messages_ok"] = sum(1 for c in consoles if c.first and c.first.get("type") == "console"
                                   and c.first.get("calls") == [])
    await asyncio.sleep(cfg["settle_seconds"])
    out["rss_connected_kib"] = rss_kib(cfg["pids"]["live"])
    return consoles


async def phase_idle(cfg: dict, meter: Meter, out: dict) -> None:
    m0 = meter.read()
    await asyncio.sleep(cfg["idle_seconds"])
    out["idle"] = Meter.window(m0, meter.read())
    out["rss_idle_kib"] = rss_kib(cfg["pids"]["live"])


async def phase_calls(cfg: dict, meter: Meter, consoles: list[Console], out: dict, *, count: int,
                      key: str = "calls", first: int = 0) -> None:
    api = HttpClient(cfg["api"])
    headers = {"Authorization": f"Token {cfg['telephony_token']}", "Content-Type": "application/json",
               "Accept": "application/json"}
    rng = random.Random(20 + first)
    posted: list[dict] = []

    async def log_call(n: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        index = (first + n) % len(consoles)
        body = json.dumps({"caller_number": f"17{rng.randrange(10**9):09d}", "agent": consoles[index].agent["username"],
                           "ring_started_at": _iso(8), "answered_at": _iso(2), "ended_at": None}).encode()
        record = {"n": n, "console": index, "start": time.monotonic()}
        try:
            status, data = await api.request("POST", "/api/v1/calls/", headers, body)
            record["status"] = status
            if status == 201:
                record["id"] = json.loads(data)["id"]
            else:
                record["error"] = data[:200].decode("utf-8", "replace")
        except Exception as exc:  # counted as a failed request
            record["status"], record["error"] = 0, f"{type(exc).__name__}: {exc}"[:200]
        record["response"] = time.monotonic()
        posted.append(record)

    interval = 1.0 / cfg["rate"]
    m0 = meter.read()
    began = time.monotonic() + 0.5
    await asyncio.wait_for(asyncio.gather(*(log_call(n, began + n * interval) for n in range(count))),
                           count * interval + 60)
    sent_s = time.monotonic() - began
    wanted = {(r["console"], r["id"]) for r in posted if "id" in r}
    deadline = time.monotonic() + cfg["drain_seconds"]
    while time.monotonic() < deadline:
        if all(call in consoles[c].arrivals for c, call in wanted):
            break
        await asyncio.sleep(0.05)
    m1 = meter.read()
    out[key] = {**Meter.window(m0, m1), "sent_s": sent_s, "api_connections": api.opened}
    rows, misdelivered = [], 0
    owner = {r["id"]: r["console"] for r in posted if "id" in r}
    for console in consoles:
        misdelivered += sum(1 for call_id in console.arrivals if owner.get(call_id, console.index) != console.index)
    for r in sorted(posted, key=lambda r: r["n"]):
        arrived = consoles[r["console"]].arrivals.get(r.get("id"))
        rows.append({"console": r["console"], "id": r.get("id"), "status": r["status"], "error": r.get("error", ""),
                     "api_ms": (r["response"] - r["start"]) * 1000,
                     "from_start_ms": (arrived - r["start"]) * 1000 if arrived else None,
                     "from_response_ms": (arrived - r["response"]) * 1000 if arrived else None})
    out[f"{key}_rows"] = rows
    out[f"{key}_misdelivered"] = misdelivered
    out["closed_early"] = [c.closed_early for c in consoles if c.closed_early][:5]
    out["closed_early_count"] = sum(1 for c in consoles if c.closed_early)
    out[f"rss_after_{key}_kib"] = rss_kib(cfg["pids"]["live"])


async def phase_poll(cfg: dict, meter: Meter, out: dict) -> None:
    web = HttpClient(cfg["api"])  # the connections are per console: one client each
    stop = asyncio.Event()
    done: list[tuple[float, float, int]] = []  # (finished at, latency s, status)
    warm_until = time.monotonic() + cfg["poll_warmup"]
    poll_s = cfg["poll_ms"] / 1000

    async def console(agent: dict) -> None:
        client = HttpClient(cfg["api"])
        after = cfg["after"]
        headers = {"Accept": "application/json", "Cookie": f"{cfg['cookie_name']}={agent['session']}"}
        await asyncio.sleep(random.random() * poll_s)
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, data = await client.request("GET", f"/console/incoming/?after={after}", headers)
                if status == 200:
                    after = max(after, json.loads(data)["after"])
            except Exception:  # noqa: BLE001 - counted as status 0
                status = 0
            finished = time.monotonic()
            done.append((finished, finished - started, status))
            web.opened += client.opened
            client.opened = 0
            try:
                await asyncio.wait_for(stop.wait(), poll_s if status else 2 * poll_s)
            except TimeoutError:
                pass

    tasks = [asyncio.create_task(console(agent)) for agent in cfg["agents"]]
    await asyncio.sleep(max(0.0, warm_until - time.monotonic()))
    m0 = meter.read()
    await asyncio.sleep(cfg["poll_seconds"])
    m1 = meter.read()
    stop.set()
    await asyncio.wait(tasks, timeout=HTTP_TIMEOUT + 5)
    for task in tasks:
        task.cancel()
    window = [(lat, status) for at, lat, status in done if m0["t"] <= at < m1["t"]]
    out["poll"] = {**Meter.window(m0, m1), "requests": len(window),
                   "ok": sum(1 for _, status in window if status == 200),
                   "latencies_ms": [lat * 1000 for lat, _ in window],
                   "statuses": sorted({status for _, status in window}),
                   "connections": web.opened, "all_requests": len(done)}


async def main(cfg: dict, out: dict) -> None:
    """The phases in order, into ``out`` (what was measured before a failure is kept)."""
    meter = Meter(cfg["pids"])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * len(cfg["agents"]) + 256))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    consoles = await phase_connect(cfg, meter, out)
    try:
        if cfg["warm_calls"]:  # the API's workers warmed (their first requests), not measured
            await phase_calls(cfg, meter, consoles, out, count=cfg["warm_calls"], key="warm")
        await phase_idle(cfg, meter, out)
        await phase_calls(cfg, meter, consoles, out, count=cfg["calls"], first=cfg["warm_calls"])
    finally:
        await asyncio.wait_for(asyncio.gather(*(c.close() for c in consoles), return_exceptions=True), 60)
    await asyncio.sleep(2.0)
    out["rss_closed_kib"] = rss_kib(cfg["pids"]["live"])
    if cfg["poll_seconds"] > 0:
        await phase_poll(cfg, meter, out)


def run(argv: list[str]) -> int:
    source, target = argv
    with open(source, encoding="utf-8") as f:
        cfg = json.load(f)
    out: dict = {"started": time.time()}
    try:
        asyncio.run(asyncio.wait_for(main(cfg, out), cfg["hard_timeout"]))
    except BaseException as exc:  # written out with what was measured so far: the suite reports it
        out["error"] = f"{type(exc).__name__}: {exc}"[:1000]
    out["load_cpu_s"] = _self_cpu()
    with open(target, "w", encoding="utf-8") as f:
        json.dump(out, f)
    return 0 if "error" not in out else 1


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
