"""The audit trail 审计日志: every change of the data that decides penalties and access, and every reversal.

Sources: the django-simple-history tables of the penalty rules, SLA policies, service phrases, the working-day
calendar, outage lead times, users (roles, permissions, flags; never the password) and roles (groups and their
permission sets), and the reversals of the append-only ledger (they are their own record: who, when, why).

``audit_index`` is one time-ordered UNION over those tables (source, row id, time, actor) that a paginator can
count and slice in the database; ``audit_events`` turns one page of it into ``AuditEvent``s: the object, the
actor, and each changed field before → after. Field changes come from simple-history's ``diff_against`` against
the object's previous record; many-to-many changes (a user's roles, a role's permissions) are compared from the
history's m2m rows fetched for the whole page at once (``diff_against`` would query them twice per record).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import CharField, F, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import DeletedObject

from tickets.models import (
    CalendarDay,
    CalendarYear,
    ForbiddenPhrase,
    OutageLeadTime,
    Role,
    SlaPolicy,
    StandardPhrase,
    User,
)

from .models import EntryKind, LedgerEntry, PenaltyRule

# history_change_reason of the records the migrations wrote for the rows that existed before the audit trail.
BACKFILL_REASON = "audit_backfill"
EMPTY = "—"


class AuditKind(models.TextChoices):
    RULE = "rule", _("Penalty rules")
    SLA = "sla", _("SLA policies")
    PHRASE = "phrase", _("Service phrases")
    CALENDAR = "calendar", _("Working-day calendar")
    LEAD_TIME = "lead_time", _("Outage lead times")
    USER = "user", _("Users and their roles")
    ROLE = "role", _("Role permissions")
    REVERSAL = "reversal", _("Reversals")


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    REVERSED = "reversed", _("Reversed")


ACTIONS = {"+": AuditAction.CREATED, "~": AuditAction.CHANGED, "-": AuditAction.DELETED}


@dataclass(frozen=True)
class Source:
    """A model whose changes are audited, through its simple-history table."""

    kind: AuditKind
    model: type[models.Model]
    m2m_fields: tuple[str, ...] = ()
    label: str | None = None  # what the page calls one such object; the model's verbose name if None

    @property
    def object_type(self) -> str:
        return str(capfirst(self.label or self.model._meta.verbose_name))

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def history(self) -> type[models.Model]:
        return self.model.history.model


SOURCES = [
    Source(AuditKind.RULE, PenaltyRule),
    Source(AuditKind.SLA, SlaPolicy),
    Source(AuditKind.PHRASE, StandardPhrase),
    Source(AuditKind.PHRASE, ForbiddenPhrase),
    Source(AuditKind.CALENDAR, CalendarYear),
    Source(AuditKind.CALENDAR, CalendarDay),
    Source(AuditKind.LEAD_TIME, OutageLeadTime),
    Source(AuditKind.USER, User, ("groups", "user_permissions")),
    Source(AuditKind.ROLE, Group, ("permissions",), label=_("Role")),  # a role is a Django group
]
SOURCES_BY_KEY = {source.key: source for source in SOURCES}
REVERSALS = "kpi.reversal"  # the index's name of the ledger's reversals


@dataclass(frozen=True)
class FieldChange:
    """One field before → after. For a set (a user's roles, a role's permissions): what was added and removed."""

    field: str
    old: str
    new: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuditEvent:
    at: dt.datetime
    actor: User | None
    kind: AuditKind
    action: AuditAction
    object_type: str
    object_id: int | None
    object_label: str
    changes: list[FieldChange]
    reason: str = ""

    @property
    def actor_name(self) -> str | None:
        return self.actor.username if self.actor is not None else None


# --- The index: one UNION the paginator counts and slices ----------------------------------------------------


def audit_index(
    *, kinds: list[str] | None = None, actor: User | None = None, since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet:
    """Rows ``{"src", "ref", "at", "actor"}``, newest first: one per history record or reversal.

    ``kinds``: the ``AuditKind`` values to include (all when empty); ``actor``: only what this user did;
    ``since`` ≤ time < ``until``.
    """
    wanted = set(kinds or AuditKind.values)
    parts = []
    for source in SOURCES:
        if source.kind in wanted:
            records = source.history.objects.all()
            if actor is not None:
                records = records.filter(history_user=actor)
            if since is not None:
                records = records.filter(history_date__gte=since)
            if until is not None:
                records = records.filter(history_date__lt=until)
            parts.append(_index_rows(records, source.key, "history_id", "history_date", "history_user_id"))
    if AuditKind.REVERSAL in wanted:
        reversals = LedgerEntry.objects.filter(kind=EntryKind.REVERSAL)
        if actor is not None:
            reversals = reversals.filter(created_by=actor)
        if since is not None:
            reversals = reversals.filter(created_at__gte=since)
        if until is not None:
            reversals = reversals.filter(created_at__lt=until)
        parts.append(_index_rows(reversals, REVERSALS, "id", "created_at", "created_by_id"))
    first, *rest = parts
    index = first.union(*rest, all=True) if rest else first
    return index.order_by("-at", "-ref", "src")


def day_bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``since`` and ``until`` of whole local days (Asia/Shanghai): from the start of ``date_from`` to the end of
    ``date_to``."""
    def start(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    return (start(date_from) if date_from else None,
            start(date_to + dt.timedelta(days=1)) if date_to else None)


def _index_rows(queryset: QuerySet, key: str, ref: str, at: str, actor: str) -> QuerySet:
    return (
        queryset.order_by()
        .annotate(src=Value(key, output_field=CharField()), ref=F(ref), at=F(at), actor=F(actor))
        .values_list("src", "ref", "at", "actor")
    )


def index_row(row) -> tuple[str, int]:
    """(source key, id) of an index row."""
    return row[0], row[1]


# --- The events of one page ----------------------------------------------------------------------------------


def audit_events(rows) -> list[AuditEvent]:
    """The events of index rows (a page of ``audit_index``), in the same order."""
    keys = [index_row(row) for row in rows]
    events: dict[tuple[str, int], AuditEvent] = {}
    for src, group in groupby(sorted(keys), key=lambda key: key[0]):
        ids = [ref for _src, ref in group]
        if src == REVERSALS:
            found = _reversal_events(ids)
        else:
            found = _history_events(SOURCES_BY_KEY[src], ids)
        events.update({(src, ref): event for ref, event in found.items()})
    return [events[key] for key in keys if key in events]


def _history_events(source: Source, ids: list[int]) -> dict[int, AuditEvent]:
    history = source.history
    fks = [f.name for f in history._meta.concrete_fields
           if f.is_relation and f.name != "history_user" and f.name in _tracked_names(source)]
    # The previous record of the same object, in the order the records were written (history_id), which holds
    # when two share a time (one transaction, a frozen clock) or the clock was set back.
    previous = (
        history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    records = list(
        history.objects.filter(history_id__in=ids).select_related("history_user", *fks)
        .annotate(previous_id=Subquery(previous))
    )
    previous_records = history.objects.select_related(*fks).in_bulk(
        [r.previous_id for r in records if r.previous_id is not None]
    )
    sets = _m2m_sets(source, [r.history_id for r in records] + list(previous_records))
    labels = {  # the names of every related object on the page, fetched once per field
        name: _related_labels(source.model._meta.get_field(name).related_model, set().union(*by_record.values()))
        for name, by_record in sets.items()
    }
    events = {}
    for record in records:
        before = previous_records.get(record.previous_id)
        changes = _field_changes(source, record, before) + _set_changes(source, record, before, sets, labels)
        reason = record.history_change_reason or ""
        events[record.history_id] = AuditEvent(
            at=record.history_date, actor=record.history_user, kind=source.kind, action=ACTIONS[record.history_type],
            object_type=source.object_type, object_id=record.id,
            object_label=_object_label(source, record), changes=changes,
            reason=gettext("State when the audit trail began") if reason == BACKFILL_REASON else reason,
        )
    return events


def _tracked_names(source: Source) -> set[str]:
    history = source.history
    return {f.name for f in history.tracked_fields}


def _field_changes(source: Source, record, before) -> list[FieldChange]:
    editable = [f.name for f in record.tracked_fields if f.editable and not f.primary_key]
    if record.history_type == "~" and before is not None:
        delta = record.diff_against(before, included_fields=editable, excluded_fields=source.m2m_fields,
                                    foreign_keys_are_objs=True)
        pairs = [(change.field, change.old, change.new) for change in delta.changes]
    elif record.history_type == "-":
        pairs = [(name, getattr(record, name), None) for name in editable]
    else:  # created (or the first record we have): the values it started with
        pairs = [(name, None, getattr(record, name)) for name in editable]
    changes = []
    for name, old, new in pairs:
        model_field = source.model._meta.get_field(name)
        old_text, new_text = _display(model_field, old), _display(model_field, new)
        if old_text != new_text:
            changes.append(FieldChange(str(capfirst(model_field.verbose_name)), old_text, new_text))
    return changes


def _m2m_sets(source: Source, history_ids: list[int]) -> dict[str, dict[int, set[int]]]:
    """For each m2m field: history record id → the ids of the related objects at that record."""
    sets: dict[str, dict[int, set[int]]] = {}
    for name in source.m2m_fields:
        m2m_history = getattr(source.history, name).model
        target = source.model._meta.get_field(name).m2m_reverse_name()  # e.g. group_id
        by_record: dict[int, set[int]] = defaultdict(set)
        for history_id, target_id in m2m_history.objects.filter(history_id__in=history_ids).values_list(
            "history_id", target
        ):
            by_record[history_id].add(target_id)
        sets[name] = by_record
    return sets


def _set_changes(source: Source, record, before, sets, labels) -> list[FieldChange]:
    changes = []
    for name in source.m2m_fields:
        if record.history_type == "-":  # what it had when it was deleted
            now, then = set(), sets[name].get(record.history_id, set())
        else:
            now = sets[name].get(record.history_id, set())
            then = sets[name].get(before.history_id, set()) if before is not None else set()
        if now == then:
            continue
        model_field = source.model._meta.get_field(name)
        label = labels[name].__getitem__
        old, new = sorted(map(label, then)), sorted(map(label, now))
        changes.append(FieldChange(
            str(capfirst(model_field.verbose_name)), ", ".join(old) or EMPTY, ", ".join(new) or EMPTY,
            added=sorted(map(label, now - then)), removed=sorted(map(label, then - now)),
        ))
    return changes


def _related_labels(model: type[models.Model], ids: set[int]) -> dict[int, str]:
    if model is Group:
        roles = dict(Role.choices)
        found = {pk: str(roles.get(name, name)) for pk, name in Group.objects.filter(pk__in=ids)
                 .values_list("pk", "name")}
    elif model is Permission:
        found = {pk: f"{app}.{codename}" for pk, app, codename in Permission.objects.filter(pk__in=ids)
                 .values_list("pk", "content_type__app_label", "codename")}
    else:
        found = {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
    deleted = gettext("deleted")
    return {pk: found.get(pk, f"#{pk} ({deleted})") for pk in ids}


def _object_label(source: Source, record) -> str:
    if source.model is User:
        full = f"{record.last_name}{record.first_name}".strip()
        return f"{full} ({record.username})" if full else record.username
    if source.model is Group:
        return str(dict(Role.choices).get(record.name, record.name))
    return str(record.instance)


def _display(model_field, value) -> str:
    """A field's value as the page shows it: choices by label, yes / no, local times, related objects by name."""
    if isinstance(value, DeletedObject):
        return f"#{value.pk} ({gettext('deleted')})"
    if value is None or value == "":
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _reversal_events(ids: list[int]) -> dict[int, AuditEvent]:
    reversals = LedgerEntry.objects.filter(pk__in=ids, kind=EntryKind.REVERSAL).select_related(
        "reverses", "rule", "agent", "department", "created_by"
    )
    events = {}
    for reversal in reversals:
        original = reversal.reverses
        charged = reversal.agent.username if reversal.agent else (str(reversal.department or "") or EMPTY)
        events[reversal.pk] = AuditEvent(
            at=reversal.created_at, actor=reversal.created_by, kind=AuditKind.REVERSAL, action=AuditAction.REVERSED,
            object_type=str(capfirst(LedgerEntry._meta.verbose_name)), object_id=original.pk,
            object_label=f"#{original.pk} · {reversal.rule.code} · {charged} · {reversal.period}",
            changes=[FieldChange(
                str(capfirst(LedgerEntry._meta.verbose_name)),
                gettext("entry #%(id)s amount %(amount)s") % {"id": original.pk, "amount": f"{original.amount:.2f}"},
                gettext("reversed by #%(id)s (%(amount)s)") % {"id": reversal.pk,
                                                                "amount": f"{reversal.amount:.2f}"},
            )],
            reason=reversal.reason,
        )
    return events
