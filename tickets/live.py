"""The pages' live updates of this app (``contactcenter.live``): the console hears of its agent's calls."""

from channels.db import database_sync_to_async
from django.conf import settings
from django.urls import path
from django.utils import translation

from contactcenter.live import LiveConsumer

from .views.console import MAX_ID, TAKES_CALLS, incoming_update

CALL_EVENTS = ("call.rang", "call.answered", "call.ended")


class ConsoleConsumer(LiveConsumer):
    """``/ws/console/?after=<call id>&lang=<language>``: the agent's console. A call ringing at, answered at or
    logged for this agent's seat sends the console what the poll answers (``incoming_update``): the calls logged
    after ``after``, those ringing now. Nobody else's calls: the event names its agent."""

    permission = TAKES_CALLS

    async def opened(self, missed) -> None:
        after = self.params.get("after", "")
        self.after = int(after) if after.isdigit() and int(after) <= MAX_ID else 0
        languages = dict(settings.LANGUAGES)
        self.language = self.params.get("lang") if self.params.get("lang") in languages else settings.LANGUAGE_CODE
        await self.push([])  # the state now: whatever came while the page was away

    def wants(self, event) -> bool:
        return event.kind in CALL_EVENTS and event.payload.get("agent") == self.user.get_username()

    async def push(self, events) -> None:
        update = await database_sync_to_async(self._update)()
        self.after = max(self.after, update["after"])
        await self.send_json({"type": "console", "cursor": max((e.pk for e in events), default=None), **update})

    def _update(self) -> dict:
        with translation.override(self.language):
            return incoming_update(self.user, after=self.after)


websocket_urlpatterns = [
    path("ws/console/", ConsoleConsumer.as_asgi()),
]
