"""The pages' live updates of this app (``contactcenter.live``): the console hears of its agent's calls, the queue
of the orders on it and of those that come to the user (dispatched to their department, accepted by them)."""

from channels.db import database_sync_to_async
from django.conf import settings
from django.urls import path
from django.utils import translation

from contactcenter.live import LiveConsumer

from .forms.labels import TRANSITION_LABELS
from .models import State
from .selectors import visible_work_orders
from .views.console import MAX_ID, TAKES_CALLS, incoming_update

CALL_EVENTS = ("call.rang", "call.answered", "call.ended")
ORDER_EVENTS = ("order.created", "order.transitioned", "order.urged")
WATCH_MAX = 200  # orders a queue page may ask to hear of (its rows)


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


class QueueConsumer(LiveConsumer):
    """``/ws/queue/?lang=<language>``: a queue page. The page sends the orders it shows (``{"watch": [ids]}``); it
    hears of those, and of the orders that come to its user — dispatched or forwarded to their department (a
    department handler), accepted by them (the front office). ``&mine=0``: an order's page, told of the orders it
    names only. Each change says the order's number, its new state and the step (with their labels) and who took
    it; an order the user may no longer see (it left their department) is not told."""

    permission = "tickets.view_workorder"

    async def opened(self, missed) -> None:
        languages = dict(settings.LANGUAGES)
        self.language = self.params.get("lang") if self.params.get("lang") in languages else settings.LANGUAGE_CODE
        self.watched: set[int] = set()
        self.department = getattr(self.user, "department_id", None)
        self.handles = await database_sync_to_async(self.user.has_perm)("tickets.handle_department")
        self.mine = self.params.get("mine") != "0"  # an order's page: only the orders it names
        await self.offer(missed)

    async def receive_json(self, content, **kwargs) -> None:
        ids = content.get("watch") if isinstance(content, dict) else None
        if isinstance(ids, list):
            self.watched = {i for i in ids[:WATCH_MAX] if isinstance(i, int) and 0 < i <= MAX_ID}

    def comes_to_me(self, payload: dict) -> bool:
        if not self.mine:
            return False
        if self.handles:
            return bool(self.department) and payload.get("department") == self.department
        return payload.get("owner") == self.user.pk

    def wants(self, event) -> bool:
        return event.kind in ORDER_EVENTS and (event.payload.get("id") in self.watched
                                               or self.comes_to_me(event.payload))

    async def push(self, events) -> None:
        changes = await database_sync_to_async(self._changes)(events)
        if changes:
            await self.send_json({"type": "queue", "cursor": max(e.pk for e in events), "changes": changes})

    def _changes(self, events) -> list[dict]:
        latest = {}
        for event in events:  # the last word on each order
            latest[event.payload["id"]] = event
        unsure = [pk for pk, event in latest.items() if not self.comes_to_me(event.payload)]
        if unsure:  # on the page but no longer with my department: told only if I may still see it
            seen = set(visible_work_orders(self.user).filter(pk__in=unsure).values_list("pk", flat=True))
            latest = {pk: event for pk, event in latest.items() if pk not in unsure or pk in seen}
        with translation.override(self.language):
            states = {value: str(label) for value, label in State.choices}
            steps = {name: str(label) for name, label in TRANSITION_LABELS.items()}
            return [{"id": pk, "number": event.payload.get("number", ""), "state": event.payload.get("state", ""),
                     "state_label": states.get(event.payload.get("state"), ""),
                     "step": (step := event.payload.get("transition", "create")), "step_label": steps.get(step, step),
                     "actor": event.payload.get("actor", ""), "on_page": pk in self.watched}
                    for pk, event in latest.items()]


websocket_urlpatterns = [
    path("ws/console/", ConsoleConsumer.as_asgi()),
    path("ws/queue/", QueueConsumer.as_asgi()),
]
