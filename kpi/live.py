"""The pages' live updates of this app (``contactcenter.live``): the wallboard hears of every event that moves one of
its figures and gets them fresh; the ledger page hears of the entries posted that it would list."""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.http import QueryDict
from django.urls import path

from contactcenter.live import LiveConsumer

from . import wallboard
from .views import filtered_entries

logger = logging.getLogger(__name__)

# Every event but a signed handover changes a figure of the board (calls, orders, outages, the ledger).
WALLBOARD_EVENTS = ("order.created", "order.transitioned", "order.urged", "call.rang", "call.answered", "call.ended",
                    "outage.published", "outage.restored", "ledger.posted")

_refreshers: dict[asyncio.AbstractEventLoop, "WallboardRefresher"] = {}


class WallboardRefresher:
    """One per event loop (an ASGI process): computes the figures at most once per ``wallboard.FRESH_SECONDS`` for
    every open wallboard of the process, and takes another process's when they already reflect the event
    (``wallboard.figures_through``, through the cache). Events that come while it waits are served by that one
    computation."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.boards: set[WallboardConsumer] = set()
        self.wanted = 0  # the newest event the boards must reflect
        self.served = 0
        self.last = -wallboard.FRESH_SECONDS  # loop time of the last computation
        self.task: asyncio.Task | None = None

    @classmethod
    def get(cls) -> "WallboardRefresher":
        loop = asyncio.get_running_loop()
        if loop not in _refreshers:
            _refreshers[loop] = cls(loop)
        return _refreshers[loop]

    def request(self, event_id: int) -> None:
        self.wanted = max(self.wanted, event_id)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run())

    async def _run(self) -> None:
        while self.wanted > self.served and self.boards:
            wait = self.last + wallboard.FRESH_SECONDS - self.loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            target = self.wanted
            try:
                figures = await database_sync_to_async(wallboard.figures_through)(target)
            except Exception:  # the database away for a moment: the next event (or the page's refresh) tries again
                logger.warning("live: could not compute the wallboard", exc_info=True)
                self.last = self.loop.time()
                return
            self.last, self.served = self.loop.time(), target
            for board in list(self.boards):
                await board.send_figures(figures, target)


class WallboardConsumer(LiveConsumer):
    """``/ws/wallboard/``: the wallboard 监控大屏. Sends the figures on opening and after each event that changes
    them (``{"type": "wallboard", "figures": …}``), for shift leads, supervisors and managers."""

    permission = "kpi.view_wallboard"

    async def opened(self, missed) -> None:
        self.refresher = WallboardRefresher.get()
        self.refresher.boards.add(self)
        figures = await database_sync_to_async(wallboard.cached_figures)()
        await self.send_figures(figures, None)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        refresher = getattr(self, "refresher", None)
        if refresher is not None:
            refresher.boards.discard(self)

    def wants(self, event) -> bool:
        return event.kind in WALLBOARD_EVENTS

    async def push(self, events) -> None:
        WallboardRefresher.get().request(max(event.pk for event in events))

    async def send_figures(self, figures: dict, cursor: int | None) -> None:
        try:
            await self.send_json({"type": "wallboard", "cursor": cursor, "figures": figures})
        except Exception:  # this socket closing: the others are served
            pass


class LedgerConsumer(LiveConsumer):
    """``/ws/ledger/?<the page's filters>``: the ledger page 考核台账. Each entry posted that the user may see
    (``selectors.visible_entries``) and that the page's filters select (the page's own query: period — this month
    unless chosen —, unit, department, agent, rule, kind) is told by its id (``{"type": "ledger", "ids": […]}``),
    with the entry a reversal reverses (its row now says so); the page fetches the rows as it renders them."""

    permission = "kpi.view_ledgerentry"

    async def opened(self, missed) -> None:
        self.filters = QueryDict(self.scope.get("query_string", b""))
        await self.offer(missed)

    def wants(self, event) -> bool:
        return event.kind == "ledger.posted"

    async def push(self, events) -> None:
        ids = await database_sync_to_async(self._shown)([event.payload.get("key", "") for event in events])
        if ids:
            await self.send_json({"type": "ledger", "cursor": max(event.pk for event in events), "ids": ids})

    def _shown(self, keys: list[str]) -> list[int]:
        """The ids of the entries posted (and of those they reverse) that the page lists, newest first."""
        entries = filtered_entries(self.user, self.filters)
        posted = list(entries.filter(key__in=keys).values_list("pk", "reverses_id"))
        reversed_ids = [reverses for _pk, reverses in posted if reverses is not None]
        shown = {pk for pk, _reverses in posted}
        if reversed_ids:
            shown |= set(entries.filter(pk__in=reversed_ids).values_list("pk", flat=True))
        return sorted(shown, reverse=True)


websocket_urlpatterns = [
    path("ws/wallboard/", WallboardConsumer.as_asgi()),
    path("ws/ledger/", LedgerConsumer.as_asgi()),
]
