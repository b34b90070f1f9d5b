"""The holiday calendar's writes: entering a year's official arrangement, and recomputing the deadlines that were
counted on a provisional year (``tickets.calendar``) once it is in.

The recomputation is an outbox: entering a year (here, in the admin, or a day of it changed) sets its
``recompute_pending``; beat's ``tickets.tasks.recompute_provisional_deadlines`` (and ``import_holidays`` at once)
takes the open orders with a provisional deadline in small committed batches (claimed with ``SKIP LOCKED``, through
the partial index ``wo_provisional_idx``), recomputes those deadlines from their clocks' starts, and clears the flag
when none is left to do. A deadline that moves earlier than now is judged by the next sweep like any other
(``next_due_at`` is moved to it).
"""

import datetime as dt
import re
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput, NotPermitted

from .. import sla
from ..models import CalendarDay, CalendarYear, User, WorkOrder
from ..models.workorders import FINAL_STATES
from ..reference import active_policies

BATCH = 200


@dataclass(frozen=True)
class HolidayDay:
    date: dt.date
    is_working_day: bool  # False: a holiday; True: a make-up working day (调休)
    name: str = ""


KINDS = {"holiday": False, "休": False, "假": False, "workday": True, "班": True, "调休": True}


def parse_arrangement(text: str) -> tuple[list[HolidayDay], str]:
    """A year's arrangement as text (``import_holidays``' format, also the admin's): one day per line — the date,
    holiday or workday, the name — with ``#`` comments, a ``# source:`` line saying where it comes from."""
    days, source = [], ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if line.startswith("#"):
            found = re.match(r"#\s*source\s*[:：]\s*(.+)", line, re.IGNORECASE)
            if found and not source:
                source = found.group(1).strip()
            continue
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[,，\t ]+", line, maxsplit=2)]
        if len(parts) < 2:
            raise InvalidInput(_("Line %(number)s: expected “date, holiday|workday[, name]”: “%(line)s”")
                               % {"number": number, "line": raw})
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            raise InvalidInput(_("Line %(number)s: not a date (YYYY-MM-DD): “%(value)s”")
                               % {"number": number, "value": parts[0]}) from None
        kind = parts[1].lower()
        if kind not in KINDS:
            raise InvalidInput(_("Line %(number)s: the second column is holiday or workday, not “%(value)s”")
                               % {"number": number, "value": parts[1]})
        days.append(HolidayDay(day, KINDS[kind], parts[2] if len(parts) > 2 else ""))
    if not days:
        raise InvalidInput(_("The arrangement has no days"), extra={"field": "days"})
    return days, source


@transaction.atomic
def calendar_year_enter(*, year: int, days: list[HolidayDay], source: str, actor: User | None) -> CalendarYear:
    """The State Council's arrangement for ``year``: its holidays and make-up working days replace whatever the year
    had; the year becomes official and its provisional deadlines are due for recomputation. Every row changed is in
    the audit trail (who: ``actor``; the command line passes the user it is run for)."""
    if actor is not None and not actor.has_perm("tickets.change_calendaryear"):
        raise NotPermitted(_("Only a supervisor enters the holiday calendar"))
    if not 2000 <= year <= 2099:
        raise InvalidInput(_("The year must lie between 2000 and 2099"), extra={"field": "year"})
    dates = [day.date for day in days]
    outside = sorted({d for d in dates if d.year != year})
    if outside:
        raise InvalidInput(_("Dates outside %(year)s: %(dates)s")
                           % {"year": year, "dates": ", ".join(map(str, outside))}, extra={"field": "days"})
    twice = sorted({d for d in dates if dates.count(d) > 1})
    if twice:
        raise InvalidInput(_("Dates given twice: %(dates)s") % {"dates": ", ".join(map(str, twice))},
                           extra={"field": "days"})
    wanted = {day.date: day for day in days}
    # ``_history_user``: django-simple-history's documented way to name who made a change outside a request
    # ("Manually specifying a user"); the audit trail shows the actor.
    for existing in CalendarDay.objects.filter(date__year=year):
        if existing.date not in wanted:
            existing._history_user = actor
            existing.delete()
    for day in days:
        row = CalendarDay.objects.filter(date=day.date).first() or CalendarDay(date=day.date)
        if row.pk is None or (row.is_working_day, row.name) != (day.is_working_day, day.name[:100]):
            row.is_working_day, row.name = day.is_working_day, day.name[:100]
            row._history_user = actor
            row.save()
    calendar = CalendarYear.objects.filter(year=year).first() or CalendarYear(year=year)
    calendar.source = source[:200]
    calendar.recompute_pending = True
    calendar._history_user = actor
    calendar.save()
    return calendar


def deadlines_recompute_provisional(*, batch: int = BATCH, budget_seconds: float = 240.0) -> int:
    """Recompute the provisional deadlines of open orders on the calendar as it is now, batch after committed
    batch; clears the pending flag of the years entered before it started once it got through. Returns how many
    orders it looked at (a closed order only has its mark cleared: its deadlines are history)."""
    started = time.monotonic()
    pending = list(CalendarYear.objects.filter(recompute_pending=True).values_list("pk", flat=True))
    after, seen = 0, 0
    while True:
        done, after = _recompute_step(after=after, batch=batch)
        seen += done
        if done < batch:
            break
        if time.monotonic() - started > budget_seconds:
            return seen  # the next run goes on (the years stay pending)
    if pending:
        CalendarYear.objects.filter(pk__in=pending).update(recompute_pending=False)
    return seen


def _recompute_step(*, after: int, batch: int) -> tuple[int, int]:
    now = timezone.now()
    with transaction.atomic():
        orders = list(
            WorkOrder.objects.select_for_update(skip_locked=True)
            .filter(has_provisional_deadline=True, pk__gt=after).order_by("pk")[:batch]
        )
        for order in orders:
            _recompute(order, now)
    return len(orders), orders[-1].pk if orders else after


def _recompute(order: WorkOrder, now: dt.datetime) -> None:
    changed: dict = {}
    if order.state not in FINAL_STATES:
        policies = active_policies(order.kind)
        for column in list(order.provisional_deadlines):
            rule = sla.BY_COLUMN[column]
            deadline, start = rule.deadline, getattr(order, rule.starts)
            policy = sla.policy_for(order, deadline, policies) if start is not None else None
            if policy is None:
                continue
            due = sla.due_after(start, policy)
            sla.mark_provisional(order, column, due.provisional)
            if due.at != getattr(order, column):
                changed[column] = due.at
                # An earlier deadline is judged by the next sweep (already past: at once); a later one is seen when
                # the sweep comes by for the old one and moves on.
                order.next_due_at = min(due.at, order.next_due_at) if order.next_due_at else due.at
                changed["next_due_at"] = order.next_due_at
    else:
        order.provisional_deadlines, order.has_provisional_deadline = [], False
    WorkOrder.objects.filter(pk=order.pk).update(
        provisional_deadlines=order.provisional_deadlines, has_provisional_deadline=order.has_provisional_deadline,
        **changed)
