"""The rows of the queue 我的工单, written in Python instead of a template loop.

Every agent loads the queue (50 rows) many times an hour. Through Django's template engine each row costs ~60
variable lookups, a ``{% url %}`` per button and an ``{% include %}`` for its countdown, and every lazy label is
translated again for every row: the queue cost 12× the framework floor (an authenticated 403), 60 % of it in the
template (BENCHMARKS.md, issue 18). Here each row is one f-string: every value from the database escaped with the
standard library's ``html.escape`` (the same five characters as Django's ``escape``, without its lazy-text wrapper
per call), the labels translated and escaped and the URL pattern reversed once per request. The markup is the
templates' (``_countdown.html`` for the countdown): the tests read the same attributes.
"""

import datetime as dt
import functools
from html import escape as _escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .. import sla
from ..forms.labels import TRANSITION_LABELS
from ..models import Deadline, Kind, State, WorkOrder
from ..models.org import full_name

PK_MARK = "987654321"
LEFT = gettext_lazy("%(time)s left")
OVERDUE_BY = gettext_lazy("overdue by %(time)s")
DAYS = gettext_lazy("%(days)s d")  # a pk that stands in the reversed URL, replaced by each row's


def escape(value) -> str:
    """The standard library's HTML escaping (``&<>"'``, as ``django.utils.html.escape``) of any value as text."""
    return _escape(str(value), quote=True)


@functools.lru_cache(maxsize=16)
def _labels(language: str) -> tuple:
    """The labels a row shows, translated into ``language`` and escaped: once per language and process (they are
    the code's constants; ``language`` is the request's, active when this runs)."""
    return (
        {value: escape(label) for value, label in Kind.choices},
        {value: escape(label) for value, label in State.choices},
        {name: escape(label) for name, label in TRANSITION_LABELS.items()},
        {rule.column: escape(Deadline(rule.deadline).label) for rule in sla.DEADLINES},
        tuple(escape(text) for text in (LEFT, OVERDUE_BY, DAYS, _("provisional"), _("reopened"))),
    )


def countdown_text(due: dt.datetime, now: dt.datetime, *, texts: tuple = (LEFT, OVERDUE_BY, DAYS)) -> str:
    """The text countdown.js shows ("01:59:59 left", "overdue by 2 d 03:00:00"), rendered by the server for the first
    paint and for pages without script. ``texts``: the three labels, translated (a list passes them once)."""
    left, overdue_by, days_text = texts
    seconds = int(abs(due - now).total_seconds())
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    time = f"{days_text % {'days': days}} {clock}" if days else clock
    return (overdue_by if due < now else left) % {"time": time}


class QueueRows:
    """Writes the queue's rows for one request: what is the same for every row is computed once here."""

    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.zone = timezone.get_current_timezone()  # the request's, resolved once rather than per row
        self.detail = reverse("tickets:order-detail", args=[int(PK_MARK)])
        labels = _labels(get_language())
        self.kinds, self.states, self.steps, self.deadlines, texts = labels
        self.left, self.overdue_by, self.days, self.provisional, self.reopened = texts
        self.none = "—"

    def url(self, order: WorkOrder) -> str:
        return self.detail.replace(PK_MARK, str(order.pk))

    def countdown(self, due) -> str:
        state = " overdue" if due.overdue else " soon" if due.soon else ""
        local = due.at.astimezone(self.zone)
        at, iso = local.strftime("%Y-%m-%d %H:%M"), local.isoformat(timespec="milliseconds")
        return (f'<time class="countdown{state}" datetime="{iso}" data-countdown data-due="{iso}" '
                f'data-left="{self.left}" data-overdue="{self.overdue_by}" data-days="{self.days}" '
                f'title="{self.deadlines[due.column]} · {at}">'
                f'{countdown_text(due.at, self.now, texts=(self.left, self.overdue_by, self.days))}</time>')

    def deadline(self, due) -> str:
        if due is None:
            return '<span class="muted">—</span>'
        provisional = f' <span class="tag provisional">{self.provisional}</span>' if due.provisional else ""
        return f'<span class="muted">{self.deadlines[due.column]}</span>{provisional}<br>{self.countdown(due)}'

    def row(self, order: WorkOrder, due, steps: list[str], phone: str) -> SafeString:
        url = self.url(order)
        buttons = " ".join(
            f'<a class="button secondary small" href="{url}#transition-{name}" data-transition="{name}">'
            f'{self.steps.get(name) or escape(name)}</a>' for name in steps) or '<span class="muted">—</span>'
        owner = escape(full_name(order.owner_first_name, order.owner_last_name) or order.owner_username)
        handler = (f'<br><span class="muted">'
                   f'{escape(full_name(order.handler_first_name, order.handler_last_name) or order.handler_username)}'
                   f'</span>' if order.handler_id else "")
        reopened = f' <span class="tag bad">{self.reopened}</span>' if order.reopen_count else ""
        overdue = ' class="is-overdue"' if due is not None and due.overdue else ""
        number = escape(order.number or "")
        department = escape(order.department_name) if order.department_id else self.none
        # Every value from the database goes through escape(); the labels were escaped once in __init__; names of
        # transitions, kinds and states are identifiers ([a-z_]).
        return mark_safe(  # noqa: S308
            f'<tr id="order-{order.pk}" data-kind="{order.kind}" data-state="{order.state}"{overdue}>'
            f'<td class="select"><input type="checkbox" name="orders" value="{order.pk}" form="bulk-form" '
            f'aria-label="{number}"></td>'
            f'<td class="nowrap"><a href="{url}">{number}</a></td>'
            f'<td class="nowrap">{self.kinds.get(order.kind) or escape(order.kind)}</td>'
            f'<td class="nowrap"><span class="tag wo-{order.state}">'
            f'{self.states.get(order.state) or escape(order.state)}</span>{reopened}</td>'
            f'<td>{escape(order.customer_name) or self.none}<br><span class="muted nowrap">{escape(phone)}</span></td>'
            f'<td class="nowrap">{owner}</td>'
            f'<td class="nowrap">{department}{handler}</td>'
            f'<td class="nowrap deadline">{self.deadline(due)}</td>'
            f'<td class="steps">{buttons}</td></tr>')


class SearchRows(QueueRows):
    """The search page's result rows: number, kind, state, customer, the description around the match, when."""

    def row(self, order: WorkOrder, phone: str, snippet: SafeString) -> SafeString:
        number = escape(order.number or "")
        accepted = timezone.localtime(order.accepted_at).strftime("%Y-%m-%d %H:%M")
        return mark_safe(  # noqa: S308 (every value from the database escaped; the snippet is escaped where made)
            f'<tr id="order-{order.pk}" data-state="{order.state}">'
            f'<td class="select"><input type="checkbox" name="orders" value="{order.pk}" form="bulk-form" '
            f'aria-label="{number}"></td>'
            f'<td class="nowrap"><a href="{self.url(order)}">{number}</a></td>'
            f'<td class="nowrap">{self.kinds.get(order.kind) or escape(order.kind)}</td>'
            f'<td class="nowrap"><span class="tag wo-{order.state}">'
            f'{self.states.get(order.state) or escape(order.state)}</span></td>'
            f'<td>{escape(order.customer.name) or self.none}<br><span class="muted nowrap">{escape(phone)}</span>'
            f'<br><span class="muted">{escape(order.address)}</span></td>'
            f'<td class="snippet">{snippet}</td>'
            f'<td class="nowrap">{accepted}</td></tr>')


def select_options(choices, selected=None) -> SafeString:
    """``<option>``s of a long select (the departments, the units), written once here rather than through a template
    loop per option: ``selected`` (a value or a list) marks the chosen ones."""
    chosen = {str(value) for value in (selected if isinstance(selected, list | tuple) else [selected])
              if value not in (None, "")}
    return mark_safe("".join(  # noqa: S308 (values and labels escaped)
        f'<option value="{escape(value)}"{" selected" if str(value) in chosen else ""}>{escape(label)}</option>'
        for value, label in choices))
