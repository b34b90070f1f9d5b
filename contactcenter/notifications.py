"""Notifications 消息通知 (issue 20): what a person is told of — an order dispatched to their department, an urge on
their order, an order of theirs due soon, a handover waiting for their signature, a ledger entry charged to them.

Each app says who is told of its domain events (``register(kind, recipients)`` in its ``AppConfig.ready``): the
event's transaction writes the notifications with the outbox row (``events.record_many`` calls ``notify_events``), so
a person is told exactly when it happened, once — (user, key) is unique, and an event recorded again is not told
again. The "due soon" notices come from a sweep (``tickets.tasks.notify_due_soon``) through ``notify``. The open
pages hear of a new notification through the live service (``contactcenter.live``); the text is said in the
reader's language when shown (``text``).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .live import ring_bell
from .models import NoticeKind, Notification, NotificationPreference
from .rows import insert_new


@dataclasses.dataclass(frozen=True)
class Notice:
    """One person to tell of one thing: ``key`` names the thing (told once per person)."""

    user_id: int
    kind: str
    key: str
    url: str = ""
    data: dict = dataclasses.field(default_factory=dict)


_LABELS: dict[str, dict] = {}  # what a code in a notification's data is called (lazy, said in the reader's language)
Recipients = Callable[[list], list[Notice]]  # the events of one kind (``events.Event``) → whom to tell of them
_RECIPIENTS: dict[str, list[Recipients]] = {}


def register(event_kind: str, recipients: Recipients) -> None:
    """An app says who is told of its events of ``event_kind`` (in ``AppConfig.ready``)."""
    if recipients not in _RECIPIENTS.setdefault(event_kind, []):
        _RECIPIENTS[event_kind].append(recipients)


def register_labels(name: str, labels: dict) -> None:
    """An app names the codes its notifications carry in ``data[name]`` (e.g. the deadlines)."""
    _LABELS[name] = labels


def _label(name: str, code) -> str:
    return str(_LABELS.get(name, {}).get(code, code or ""))


def notify_events(events: Iterable) -> None:
    """The notifications of these domain events, in the caller's transaction (``events.record_many``)."""
    by_kind: dict[str, list] = {}
    for event in events:
        if event.kind in _RECIPIENTS:
            by_kind.setdefault(event.kind, []).append(event)
    notices = [notice for kind, found in by_kind.items() for recipients in _RECIPIENTS[kind]
               for notice in recipients(found)]
    if notices:
        notify(notices)


def notify(notices: list[Notice], *, at: dt.datetime | None = None) -> None:
    """Write the notices (not those told before: the same user and key; not to those who switched the kind off),
    in the caller's transaction; the open pages hear of them after the commit."""
    if not notices:
        return
    muted = dict(NotificationPreference.objects.filter(user_id__in={n.user_id for n in notices})
                 .exclude(muted=[]).values_list("user_id", "muted"))
    now = at or timezone.now()
    rows = {(n.user_id, n.key): Notification(user_id=n.user_id, kind=n.kind, key=n.key[:200], url=n.url,
                                             data=n.data, created_at=now)
            for n in notices if n.kind not in muted.get(n.user_id, ())}
    if rows:
        with transaction.atomic(savepoint=False):
            insert_new(list(rows.values()))  # a notice told before (the same user and key) is not written again
            transaction.on_commit(ring_bell)


def users_with_perm(perm: str, **filters) -> QuerySet:
    """Active users who hold ``perm`` (by a group or directly) and match ``filters``: their ids."""
    users = get_user_model().objects.with_perm(perm, backend="django.contrib.auth.backends.ModelBackend")
    return users.filter(**filters).values_list("pk", flat=True)


# --- Reading -------------------------------------------------------------------------------------------------

def visible_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-id")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def preference_of(user) -> NotificationPreference:
    """The user's preferences (the defaults when they never chose)."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def due_minutes_of(preference: NotificationPreference) -> int:
    return preference.due_minutes or settings.NOTIFY_DUE_MINUTES


def text(notification: Notification) -> str:
    """What the notification says, in the current language."""
    data = notification.data or {}
    number = data.get("number", "")
    if notification.kind == NoticeKind.DISPATCHED:
        return _("Order %(number)s was dispatched to your department") % {"number": number}
    if notification.kind == NoticeKind.URGED:
        return _("Order %(number)s was urged by the caller") % {"number": number}
    if notification.kind == NoticeKind.DUE_SOON:
        due = dt.datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
        when = date_format(timezone.localtime(due), "H:i") if due else ""
        return _("Order %(number)s is due at %(time)s (%(deadline)s) and not met yet") % {
            "number": number, "time": when, "deadline": _label("deadline", data.get("deadline"))}
    if notification.kind == NoticeKind.HANDOVER:
        return _("Handover %(shift)s is waiting for your signature") % {"shift": data.get("shift", "")}
    if notification.kind == NoticeKind.LEDGER:
        rule = (data.get("rule_names") or {}).get(get_language()) or data.get("rule", "")
        return _("Ledger entry charged to you: %(rule)s, %(amount)s yuan") % {"rule": rule,
                                                                               "amount": data.get("amount", "")}
    return notification.kind


def as_json(notification: Notification) -> dict:
    """A notification as the pages receive it (the live socket, the list's JSON)."""
    return {"id": notification.pk, "kind": notification.kind, "text": text(notification), "url": notification.url,
            "created_at": notification.created_at.isoformat(), "read": notification.read_at is not None}


# --- Writing (the person's own) ------------------------------------------------------------------------------

def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (``ids``; ``None``: all of them). Returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def notifications_forget(*, now: dt.datetime | None = None) -> int:
    """Delete the read notifications older than ``NOTIFICATION_KEEP_DAYS`` (beat, daily). Returns how many."""
    before = (now or timezone.now()) - dt.timedelta(days=settings.NOTIFICATION_KEEP_DAYS)
    deleted, _by_model = Notification.objects.filter(created_at__lt=before).exclude(read_at=None).delete()
    return deleted


def preference_save(*, user, muted: list[str], browser: bool, sound: bool,
                    due_minutes: int | None) -> NotificationPreference:
    kinds = [kind for kind in NoticeKind.values if kind in muted]
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"muted": kinds, "browser": browser, "sound": sound, "due_minutes": due_minutes})
    return preference
