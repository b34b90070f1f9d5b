"""Text messages to customers 短信通知: which event sends which template to whom (one place), queued in the caller's
transaction — the order accepted, dispatched, the crew arrived, power restored; a published outage notice to the
customers of its area — and sent after the commit by ``tickets.sms.sending``. A customer who asked for no SMS
(``Customer.sms_opt_out``) and a number that is not a mobile one get none."""

import datetime as dt
import functools
import string

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactcenter.cache import generational, new_generation
from contactcenter.errors import NotPermitted
from contactcenter.rows import insert_new

from ..models import Customer, Kind, OutageNotice, SmsMessage, SmsTemplate, SmsTrigger, User, WorkOrder
from ..models.outages import area_terms
from ..models.sms import placeholders_of
from ..phones import is_mobile
from ..selectors.outages import area_customers

GENERATION = "sms-templates"
# The order transitions that tell the caller something (the acceptance is the order's creation).
# A repair linked to an outage notice is resolved when the notice is restored: its caller is told power is back too.
TRANSITION_TRIGGERS = {"dispatch": SmsTrigger.DISPATCHED, "arrive": SmsTrigger.ARRIVED,
                       "restore": SmsTrigger.RESTORED, "resolve_by_outage": SmsTrigger.RESTORED}
AREA_CHARS = 20  # an outage's area in a message: the first communities, then 等 (a provider's variable is short)


def sms_templates() -> dict[str, SmsTemplate]:
    """The active templates by trigger, from the cache (every acceptance asks); dropped when one changes."""
    return generational(GENERATION, "sms:templates",
                        lambda: {t.trigger: t for t in SmsTemplate.objects.filter(active=True)}, seconds=300,
                        shared=True) or {}


def forget_templates(**kwargs) -> None:
    """A signal handler: a template changed."""
    new_generation(GENERATION)


def unknown_placeholders(trigger: str, body: str) -> list[str]:
    """The ``{names}`` of a text that its trigger does not fill (the admin refuses them); a broken brace counts."""
    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None]
    except ValueError:
        return ["{"]
    return sorted({name for name in names if name not in placeholders_of(trigger)})


def _render(template: SmsTemplate, params: dict) -> str:
    return template.body.format_map(params)


@functools.cache
def _kind_names() -> dict[str, str]:
    """Each order kind as a customer reads it: in Chinese, whatever the language of the request."""
    with translation.override("zh-hans"):
        return {kind: str(label) for kind, label in Kind.choices}


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%m月%d日%H:%M")


def order_params(order: WorkOrder, names: list[str]) -> dict:
    """The values of the placeholders ``names`` for the order (only those: a department is read only when named)."""
    values = {}
    for name in names:
        if name == "number":
            values[name] = order.number or ""
        elif name == "kind":
            values[name] = _kind_names()[order.kind]
        elif name == "department":
            values[name] = order.department.name if order.department_id else ""
        elif name == "hotline":
            values[name] = settings.SMS_HOTLINE
    return values


def _queue(messages: list[SmsMessage]) -> int:
    """Queue what was not queued before (the key); how many rows were offered."""
    if len(messages) <= 10:  # an order's: one statement, written as the order's rows are
        insert_new(messages)
    else:  # an outage notice's area
        SmsMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)
    return len(messages)


def sms_order_notify(*, order: WorkOrder, trigger: str, key: str, at: dt.datetime | None = None) -> bool:
    """Queue the ``trigger`` message to the order's caller (in the caller's transaction), if its template is active
    for the order's kind and the number is a mobile one. ``key`` names the moment (the transition row; the
    order's creation for the acceptance): a message is queued once for it. A customer who opted out is skipped by
    the sender (``tickets.sms.sending``), which reads it when it sends: the log says why they got none, and no
    order's action reads the customer for it."""
    template = sms_templates().get(trigger)
    if template is None or not template.sends_for(order.kind) or not is_mobile(order.caller_number):
        return False
    at = at or timezone.now()
    params = order_params(order, template.placeholders)
    return bool(_queue([SmsMessage(
        key=key, trigger=trigger, phone=order.caller_number, customer_id=order.customer_id, order=order,
        body=_render(template, params), provider_template=template.provider_template, params=params,
        next_attempt_at=at, created_at=at)]))


def sms_order_transitioned(*, order: WorkOrder, name: str, entry_pk: int, at: dt.datetime) -> bool:
    """The order's transition ``name`` was written (history row ``entry_pk``): tell the caller if it is one they are
    told of (dispatch, arrival, restoration)."""
    trigger = TRANSITION_TRIGGERS.get(name)
    if trigger is None:
        return False
    return sms_order_notify(order=order, trigger=trigger, key=f"order.transition:{entry_pk}", at=at)


def outage_params(notice: OutageNotice) -> dict:
    terms = area_terms(notice.area)
    area = "、".join(terms)
    if len(area) > AREA_CHARS:
        area = area[:AREA_CHARS].rstrip("、") + "等"
    return {"area": area, "cause": notice.cause[:AREA_CHARS], "starts_at": _local(notice.starts_at),
            "restore_at": _local(notice.expected_restore_at), "hotline": settings.SMS_HOTLINE}


def sms_outage_published(*, notice: OutageNotice, key: str, at: dt.datetime) -> int:
    """Queue the outage message to every customer of the notice's area (its company's customers whose address names
    one of its communities, streets or feeders), one per mobile number, none to those who opted out."""
    template = sms_templates().get(SmsTrigger.OUTAGE_PUBLISHED)
    if template is None or not template.active:
        return 0
    params = {name: value for name, value in outage_params(notice).items() if name in template.placeholders}
    body = _render(template, params)
    messages, numbers = [], set()
    customers = (area_customers(notice.area, notice.unit).filter(sms_opt_out=False)
                 .order_by("pk").values_list("pk", "phone"))
    for customer_pk, phone in customers.iterator(chunk_size=2000):
        if phone in numbers or not is_mobile(phone):
            continue
        numbers.add(phone)
        messages.append(SmsMessage(
            key=f"{key}:{phone}", trigger=SmsTrigger.OUTAGE_PUBLISHED, phone=phone, customer_id=customer_pk,
            outage=notice, body=body, provider_template=template.provider_template, params=params,
            next_attempt_at=at, created_at=at))
    return _queue(messages)


@transaction.atomic
def customer_sms_opt_out(*, customer: Customer, opted_out: bool, actor: User) -> Customer:
    """The customer asks for no text messages (or for them again): nothing queued for them is sent from now on."""
    if not actor.has_perm("tickets.change_customer"):
        raise NotPermitted(_("You may not change a customer's file"))
    Customer.objects.filter(pk=customer.pk).update(sms_opt_out=opted_out)
    customer.sms_opt_out = opted_out
    return customer
