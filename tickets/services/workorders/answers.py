"""Answering the customer: a consultation answered on the call, a department's reply, the customer informed, the
complaint's first contact and its finding. Every text said to the customer is checked against the forbidden phrases
服务禁语 (``tickets.services.phrases``) before anything changes."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput

from ...models import CustomerText, FindingCause, Kind, User, WorkOrder, WorkOrderTransition
from ...models.customers import Call
from ..phrases import ensure_no_forbidden_phrases
from .firing import fire, require_text, work_order_transition_check


def _said_to_customer(order: WorkOrder, text: str, *, field: str, context: str, confirmed: bool) -> dict:
    """The forbidden-phrase check of a text said to the customer; the warned words the agent kept, for the history."""
    kept = ensure_no_forbidden_phrases(text, field=field, kind=order.kind, context=context, confirmed=confirmed)
    return {"confirmed_phrases": kept} if kept else {}


@transaction.atomic
def work_order_answer_on_call(*, order: WorkOrder, actor: User, answer: str, confirm_phrases: bool = False,
                              note: str = "") -> WorkOrder:
    """A consultation answered during the call: closed at once (no reply owed, no callback)."""
    work_order_transition_check(order=order, name="answer_on_call", actor=actor)  # 409/403 before the input
    data = _said_to_customer(order, answer, field="answer", context=CustomerText.ANSWER, confirmed=confirm_phrases)
    return fire(order, "answer_on_call", actor=actor, note=note, data=data, answer=require_text(answer, "answer"))


@transaction.atomic
def work_order_reply(*, order: WorkOrder, actor: User, text: str, confirm_phrases: bool = False,
                     note: str = "") -> WorkOrder:
    """A consultation's reply is the department's answer to the agent (``answer``); a complaint's, report's or
    suggestion's is the reply to the customer (``reply_text``, within 5 days for a complaint, seed 000 细则 10)."""
    work_order_transition_check(order=order, name="reply", actor=actor)  # 409/403 before the input
    if order.kind == Kind.CONSULTATION:
        return fire(order, "reply", actor=actor, note=note, answer=require_text(text, "answer"))
    data = _said_to_customer(order, text, field="reply_text", context=CustomerText.REPLY, confirmed=confirm_phrases)
    return fire(order, "reply", actor=actor, note=note, data=data, reply_text=require_text(text, "reply_text"))


@transaction.atomic
def work_order_inform(*, order: WorkOrder, actor: User, reply_text: str, confirm_phrases: bool = False,
                      note: str = "") -> WorkOrder:
    """The agent tells the customer the department's answer to their consultation."""
    work_order_transition_check(order=order, name="inform", actor=actor)  # 409/403 before the input
    data = _said_to_customer(order, reply_text, field="reply_text", context=CustomerText.REPLY,
                             confirmed=confirm_phrases)
    return fire(order, "inform", actor=actor, note=note, data=data, reply_text=require_text(reply_text, "reply_text"))


@transaction.atomic
def work_order_contact_customer(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """The department's first contact with a complaining customer (State Grid: within 24 h)."""
    return fire(order, "contact_customer", actor=actor, note=note)


def agents_connected(order: WorkOrder) -> set[int]:
    """The agents who dealt with the customer on this order: its first-question owner, the agent of the call that
    opened it and of every call that urged it."""
    calls = {order.call_id} if order.call_id else set()
    calls |= set(WorkOrderTransition.objects.filter(order=order, call__isnull=False).values_list("call_id", flat=True))
    agents = set(Call.objects.filter(pk__in=calls, agent__isnull=False).values_list("agent_id", flat=True))
    return {order.owner_id, *agents}


@transaction.atomic
def work_order_investigate(*, order: WorkOrder, actor: User, valid: bool, cause: str = "",
                           responsible: User | None = None, note: str = "") -> WorkOrder:
    """The finding of a complaint (report, suggestion): valid 属实 or not, its cause and the responsible person."""
    work_order_transition_check(order=order, name="investigate", actor=actor)  # 409/403 before the input
    if not isinstance(valid, bool):
        raise InvalidInput(_("valid (true or false) is required"), extra={"field": "valid"})
    cause = cause or ""
    if cause and cause not in FindingCause.values:
        raise InvalidInput(_("Unknown cause “%(cause)s”") % {"cause": cause}, extra={"field": "cause"})
    if valid and not cause:
        raise InvalidInput(_("A valid finding needs its cause"), extra={"field": "cause"})
    if (responsible is not None and valid and cause == FindingCause.ATTITUDE
            and responsible.pk not in agents_connected(order)):
        # seed 000 考核 8 (100 yuan) charges the on-duty staff whose attitude caused the complaint: an agent who
        # dealt with this customer on this order, not anyone a department names.
        raise InvalidInput(
            _("%(username)s is not an agent of this order: name its first-question owner or an agent who took one of "
              "its calls") % {"username": responsible.username},
            code="not_connected", extra={"field": "responsible"})
    data = {"valid": valid, "cause": cause, "responsible": responsible.username if responsible else None}
    return fire(order, "investigate", actor=actor, note=note, data=data, valid=valid, cause=cause,
                responsible=responsible, finding_note=note)
