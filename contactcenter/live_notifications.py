"""The notifications' socket ``/ws/notifications/?after=<notification id>&lang=<language>`` (every page of a signed-in
user, ``static/js/notifications.js``): on opening, the unread count and what came since ``after`` (a reconnect;
without it, the latest ones); then each new notification of this user as the tailer reads it
(``contactcenter.live``). Only the user's own."""

from channels.db import database_sync_to_async
from django.conf import settings
from django.urls import path
from django.utils import translation

from .live import LiveConsumer
from .models import Notification
from .notifications import as_json, preference_of, unread_count
from .roles import is_service_account

REPLAY = 20  # notifications sent again to a page that reconnects
MAX_ID = 2**63 - 1


class NotificationConsumer(LiveConsumer):
    hears_notices = True

    def may_open(self, user) -> bool:
        return not is_service_account(user)  # every person; the telephony system has no pages

    async def opened(self, missed) -> None:
        languages = dict(settings.LANGUAGES)
        self.language = self.params.get("lang") if self.params.get("lang") in languages else settings.LANGUAGE_CODE
        after = self.params.get("after", "")
        after = int(after) if after.isdigit() and int(after) <= MAX_ID else None
        await self.send_json(await database_sync_to_async(self._opening)(after))

    def wants(self, event) -> bool:
        return False  # told of notifications, not of events

    async def told(self, notifications: list[Notification]) -> None:
        await self.send_json(await database_sync_to_async(self._message)(notifications, fresh=True))

    def _opening(self, after: int | None) -> dict:
        preference = preference_of(self.user)
        mine = Notification.objects.filter(user=self.user).order_by("-id")
        missed = list((mine if after is None else mine.filter(pk__gt=after))[:REPLAY])[::-1]  # or the latest
        return {**self._message(missed, fresh=False), "browser": preference.browser, "sound": preference.sound}

    def _message(self, notifications: list[Notification], *, fresh: bool) -> dict:
        with translation.override(self.language):
            items = [as_json(n) for n in notifications]
        return {"type": "notifications", "unread": unread_count(self.user), "items": items, "fresh": fresh,
                "cursor": max((n.pk for n in notifications), default=None)}


websocket_urlpatterns = [path("ws/notifications/", NotificationConsumer.as_asgi())]
