"""Accepting a work order 受理: the creating user becomes its first-question owner 首问负责人."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events, rows
from contactcenter.errors import InvalidInput, NotPermitted

from ... import search, sla
from ...models import KIND_MODELS, NUMBER_DIGITS, Call, Customer, Kind, SmsTrigger, User, WorkOrder, WorkOrderTransition
from ...reference import unit_with_ancestors
from ...selectors.outages import outage_covering
from ..customers import customer_find_or_create, normalize_phone
from ..sms import sms_order_notify
from .answers import work_order_answer_on_call
from .firing import order_event


@transaction.atomic
def work_order_create(
    *,
    kind: str,
    description: str,
    caller_number: str,
    actor: User,
    customer: Customer | None = None,
    account_number: str = "",
    call: Call | None = None,
    area_type: str = "",
    title: str = "",
    address: str = "",
    answer: str = "",
    confirm_phrases: bool = False,
) -> WorkOrder:
    """Accept an order 受理. Only ``kind``, ``description`` and ``caller_number`` are needed: the customer is found by
    account or phone, or created. A consultation with an ``answer`` is answered on the call and closed at once (its
    words checked: ``confirm_phrases`` keeps a warned one). A repair from the area of a published outage is linked
    to that notice instead of being dispatched again."""
    if kind not in KIND_MODELS:
        raise InvalidInput(_("Unknown kind “%(kind)s”") % {"kind": kind}, extra={"field": "kind"})
    if not actor.has_perm("tickets.take_calls"):
        raise NotPermitted(_("Only the front office accepts work orders"))
    if answer and kind != Kind.CONSULTATION:
        raise InvalidInput(_("Only a consultation can be answered on the call"), extra={"field": "answer"})
    phone = normalize_phone(caller_number)
    unit = unit_with_ancestors(actor.unit_id)
    if customer is None:
        customer = customer_find_or_create(phone=phone, account_number=account_number, area_type=area_type,
                                           unit=unit, address=address)
    now = timezone.now()
    order = KIND_MODELS[kind](
        kind=kind, title=title, description=description, customer=customer, call=call, caller_number=phone,
        area_type=area_type or customer.area_type, address=address or customer.address, unit=unit or customer.unit,
        owner=actor, accepted_at=now,
        reply_started_at=None if answer else now,  # answered on the call: no reply is owed
    )
    if kind == Kind.REPAIR:
        # A fault already known and published: link the call to it instead of dispatching a crew again.
        order.outage = outage_covering(order.address)
    sla.recompute_deadlines(order)
    search.refresh(order, customer)
    order.number = order.number_prefix()
    rows.insert_numbered(order, "number", digits=NUMBER_DIGITS)  # the number ends with its id: GZ202611220001234
    entry = WorkOrderTransition(order=order, name="create", source="", target=order.state, actor=actor, at=now,
                                call=call)
    order.written_history = [entry]  # what the answer shows (selectors.with_detail): no read back
    with rows.batch():  # the history row, the event and the text message: one round trip
        rows.insert_rows([entry])
        events.record("order.created", f"order.created:{order.pk}", order_event(order), at=now)
        sms_order_notify(order=order, trigger=SmsTrigger.ACCEPTED, key=f"order.created:{order.pk}", at=now)
    if answer:
        order = work_order_answer_on_call(order=order, actor=actor, answer=answer, confirm_phrases=confirm_phrases)
    return order
