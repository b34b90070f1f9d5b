"""Live updates 实时推送: the domain events of the outbox (``contactcenter.events``) pushed to the open pages over
WebSockets (Django Channels, served by an ASGI server next to gunicorn).

The outbox is the stream and its ids the cursor; the channel layer only rings a bell. Each live process runs one
``Tailer``: woken by the bell (or once a second, for events written by processes no bell reaches — ``make run``'s
memory layer), it reads the events committed since its cursor in one query and hands each open socket
(``LiveConsumer``) those it ``wants`` — the same permission rules as the API, decided per user. So the database
is read once per wake-up per process, never once per socket, and a socket that reconnects with its last event id
misses nothing. A transaction that commits after a later one has its event read all the same: the tailer looks
``LOOKBACK`` ids behind its cursor and remembers what it handed out.

``ring_bell()`` runs after the commit of every transaction that recorded events (``events.record_many``): it wakes
this process's tailer directly and, through the channel layer (Redis in production), every other one — sent from a
thread of the process's own (``_Bell``), so a request never waits for Redis nor builds an event loop for it.
"""

import asyncio
import collections
import logging
import os
import threading
from collections.abc import Iterable
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db.models import Max

from .models import DomainEvent, Notification

logger = logging.getLogger(__name__)

GROUP = "outbox"
TAIL_SECONDS = 1.0  # without a bell: how often the tailer reads the outbox
LOOKBACK = 200  # ids behind the cursor read again: events whose transaction committed after a later one's
REPLAY_MAX = 500  # events replayed to a socket that reconnects
GROUP_RENEW_SECONDS = 3600  # the tailer's channel re-joins the group (a Redis layer expires memberships in a day)

_tailers: dict[asyncio.AbstractEventLoop, "Tailer"] = {}


def ring_bell() -> None:
    """Events were committed: wake the tailers (this process's at once; the others through the channel layer)."""
    _wake_local()
    _ring_layer()


def _wake_local() -> None:
    for loop, tailer in list(_tailers.items()):
        if loop.is_closed():  # an ASGI server that stopped (tests start several)
            _tailers.pop(loop, None)
            continue
        try:
            loop.call_soon_threadsafe(tailer.wake.set)
        except RuntimeError:  # closed meanwhile
            _tailers.pop(loop, None)


def _ring_layer() -> None:
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return  # a process's own memory: no other process hears it (its tailer reads once a second)
    _Bell.get().ring(layer)


class _Bell:
    """Rings the channel layer from a thread of its own with one lasting event loop: the committing request only
    schedules it (no event loop built per commit, the layer's connections kept), and rings that come while one is
    pending are one ring — every commit before the ring starts is covered by it."""

    _instance: "_Bell | None" = None
    _guard = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.lock = threading.Lock()
        self.pending = False
        self.pid = os.getpid()
        threading.Thread(target=self.loop.run_forever, name="live-bell", daemon=True).start()

    @classmethod
    def get(cls) -> "_Bell":
        with cls._guard:
            if cls._instance is None or cls._instance.pid != os.getpid():  # none yet, or a forked worker's copy
                cls._instance = cls()
            return cls._instance

    def ring(self, layer) -> None:
        with self.lock:
            if self.pending:
                return
            self.pending = True
        asyncio.run_coroutine_threadsafe(self._send(layer), self.loop)

    async def _send(self, layer) -> None:
        with self.lock:
            self.pending = False  # a commit from now on rings again
        try:
            await layer.group_send(GROUP, {"type": "outbox.new"})
        except Exception:  # the layer away: the tailers read the outbox within TAIL_SECONDS anyway
            logger.warning("live: could not ring the channel layer", exc_info=True)


def _events_after(after: int, limit: int) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(pk__gt=after).order_by("pk")[:limit])


def _notices_after(after: int, limit: int) -> list[Notification]:
    return list(Notification.objects.filter(pk__gt=after).order_by("pk")[:limit])


def _latest_ids() -> tuple[int, int]:
    """The newest event's and the newest notification's ids."""
    return (DomainEvent.objects.aggregate(latest=Max("pk"))["latest"] or 0,
            Notification.objects.aggregate(latest=Max("pk"))["latest"] or 0)


class Tailer:
    """One per event loop (an ASGI process): reads the outbox and hands events to the open sockets."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.consumers: set[LiveConsumer] = set()
        self.wake = asyncio.Event()
        self.cursor = 0
        self.handed: collections.deque[int] = collections.deque(maxlen=4 * LOOKBACK)  # ids handed out lately
        self.floor = 0  # events up to this id are never handed out: committed while nobody listened (``join``)
        self.notice_cursor = 0  # the same for the notifications (contactcenter.notifications), to their readers
        self.notice_floor = 0
        self.notices_handed: collections.deque[int] = collections.deque(maxlen=4 * LOOKBACK)
        self.tasks: list[asyncio.Task] = []

    @classmethod
    async def get(cls) -> "Tailer":
        loop = asyncio.get_running_loop()
        tailer = _tailers.get(loop)
        if tailer is None:
            tailer = _tailers[loop] = cls(loop)
            tailer.cursor, tailer.notice_cursor = await database_sync_to_async(_latest_ids)()
            tailer.tasks = [loop.create_task(tailer._run()), loop.create_task(tailer._listen())]
        return tailer

    async def join(self, consumer: "LiveConsumer") -> None:
        """A socket opens. After a time with none open, the outbox was not read meanwhile: what was committed then
        is not news to a page opened since (it shows it), so the cursors move to the newest rows, and nothing up to
        them is handed out (a late-committing row below them is not either: nobody was listening)."""
        if not self.consumers:
            latest, latest_notice = await database_sync_to_async(_latest_ids)()
            self.cursor = self.floor = max(self.cursor, latest)
            self.notice_cursor = self.notice_floor = max(self.notice_cursor, latest_notice)
        self.consumers.add(consumer)

    async def _listen(self) -> None:
        """Hear the bell rung by other processes (a channel of this process in the group)."""
        layer = get_channel_layer()
        if layer is None or isinstance(layer, InMemoryChannelLayer):
            return
        channel = await layer.new_channel()
        renewed = None  # not in the group yet (not 0.0: the loop's clock counts from the machine's boot)
        while True:
            try:
                if renewed is None or self.loop.time() - renewed > GROUP_RENEW_SECONDS:
                    await layer.group_add(GROUP, channel)
                    renewed = self.loop.time()
                await asyncio.wait_for(layer.receive(channel), GROUP_RENEW_SECONDS)
                self.wake.set()
            except TimeoutError:
                continue
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: the tailer keeps reading once a second; listen again later
                logger.warning("live: channel layer unavailable", exc_info=True)
                await asyncio.sleep(5)
                renewed = None

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), TAIL_SECONDS)
            except TimeoutError:
                pass
            self.wake.clear()
            if not self.consumers:
                continue
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: read again at the next wake-up
                logger.warning("live: could not read the outbox", exc_info=True)

    async def _read(self) -> None:
        rows = await database_sync_to_async(_events_after)(max(self.cursor - LOOKBACK, 0), 10 * LOOKBACK)
        handed = set(self.handed)
        new = [event for event in rows if event.pk not in handed and event.pk > self.floor]
        if new:
            self.handed.extend(event.pk for event in new)
            self.cursor = max(self.cursor, new[-1].pk)
            for consumer in list(self.consumers):
                await consumer.offer(new)
        readers = [consumer for consumer in self.consumers if consumer.hears_notices]
        if readers:
            await self._read_notices(readers)

    async def _read_notices(self, readers: list["LiveConsumer"]) -> None:
        rows = await database_sync_to_async(_notices_after)(max(self.notice_cursor - LOOKBACK, 0), 10 * LOOKBACK)
        handed = set(self.notices_handed)
        new = [notice for notice in rows if notice.pk not in handed and notice.pk > self.notice_floor]
        if not new:
            return
        self.notices_handed.extend(notice.pk for notice in new)
        self.notice_cursor = max(self.notice_cursor, new[-1].pk)
        by_user: dict[int, list[Notification]] = {}
        for notice in new:
            by_user.setdefault(notice.user_id, []).append(notice)
        for consumer in readers:
            mine = by_user.get(consumer.user.pk)
            if mine:
                try:
                    await consumer.told(mine)
                except Exception:  # one socket's failure is not the others'
                    logger.warning("live: notifications to %s failed", consumer.user, exc_info=True)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """A page's socket. Subclasses say who may open it (``permission``), which events they want (``wants``, from
    the event alone, for this user) and what they send for them (``push``). ``?cursor=<event id>`` replays what
    was missed since (a reconnect); each message carries the cursor it brings the page to."""

    permission: str | None = None
    hears_notices = False  # handed the user's new notifications (``told``)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(self.may_open)(user):
            await self.close(code=4403)
            return
        self.user = user
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.params = {key: values[-1] for key, values in query.items()}
        await self.accept()
        self.tailer = await Tailer.get()
        await self.tailer.join(self)
        cursor = self.params.get("cursor", "")
        missed = await database_sync_to_async(_events_after)(int(cursor), REPLAY_MAX) \
            if cursor.isdigit() and len(cursor) < 19 else []
        await self.opened(missed)

    def may_open(self, user) -> bool:
        return not self.permission or user.has_perm(self.permission)

    async def disconnect(self, code: int) -> None:
        tailer = getattr(self, "tailer", None)
        if tailer is not None:
            tailer.consumers.discard(self)

    async def receive_json(self, content, **kwargs) -> None:
        pass  # the page only listens

    async def offer(self, events: Iterable[DomainEvent]) -> None:
        wanted = [event for event in events if self.wants(event)]
        if wanted:
            try:
                await self.push(wanted)
            except Exception:  # one socket's failure is not the others'
                logger.warning("live: push to %s failed", self.user, exc_info=True)

    async def opened(self, missed: list[DomainEvent]) -> None:
        """After the handshake: what the page missed (events since its cursor, those it wants)."""
        await self.offer(missed)

    def wants(self, event: DomainEvent) -> bool:
        raise NotImplementedError

    async def push(self, events: list[DomainEvent]) -> None:
        raise NotImplementedError

    async def told(self, notifications: list[Notification]) -> None:
        """The user's new notifications (a consumer that ``hears_notices``)."""
