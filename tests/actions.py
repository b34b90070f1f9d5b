"""Tests drive a scenario step by step ("dispatch", "reply", …): ``act`` turns a step into the typed service the pages
and the API call (``work_order_dispatch(order=…, department=…)``), resolving ids and usernames the way the
serializers do. It is the tests' own table; the product has none (each form and serializer calls its service)."""

import inspect
from typing import Any

from django.contrib.auth import get_user_model

from contactcenter.errors import InvalidInput
from shifts import services as shift_services
from shifts.models import Handover
from tickets import services
from tickets.models import Call, Department, OutageNotice, WorkOrder
from tickets.services.outages import outage_transition_check
from tickets.services.workorders import work_order_transition_check

User = get_user_model()


def _department(value: Any) -> Department | None:
    """A department given by its id, as the serializers read it (an unknown one refused: 400)."""
    if value is None or isinstance(value, Department):
        return value
    department = Department.objects.filter(pk=value).first()
    if department is None:
        raise InvalidInput(f"Unknown department {value!r}", extra={"field": "department"})
    return department


def _user(value: Any) -> User | None:
    """A user given by their username, as the serializers read it (an unknown one refused: 400)."""
    if value in (None, "") or isinstance(value, User):
        return value or None
    user = User.objects.filter(username=value).first()
    if user is None:
        raise InvalidInput(f"Unknown user {value!r}")
    return user


def _reply(order: WorkOrder, actor: User, params: dict, note: str) -> WorkOrder:
    text = params.pop("answer", None) if "answer" in params else params.pop("reply_text", None)
    return services.work_order_reply(order=order, actor=actor, text=text, note=note, **params)


def _plain(service):
    """A step whose params are the service's own keyword arguments (missing ones sent as None)."""
    return lambda order, actor, p, note: service(**_missing_as_none(service, {"order": order, "actor": actor,
                                                                                 "note": note, **p}))


WORK_ORDER_STEPS = {
    "dispatch": lambda order, actor, p, note: _plain(services.work_order_dispatch)(
        order, actor, {**p, "department": _department(p.get("department")), "handler": _user(p.get("handler"))}, note),
    "forward": lambda order, actor, p, note: services.work_order_forward(
        order=order, actor=actor, department=_department(p.pop("department", None)), note=note, **p),
    "return_to_sender": _plain(services.work_order_return),
    "investigate": lambda order, actor, p, note: _plain(services.work_order_investigate)(
        order, actor, {**p, "responsible": _user(p.get("responsible"))}, note),
    "reply": _reply,
    "answer_on_call": _plain(services.work_order_answer_on_call),
    "inform": _plain(services.work_order_inform),
    "contact_customer": _plain(services.work_order_contact_customer),
    "callback": _plain(services.work_order_callback),
    "archive": _plain(services.work_order_archive),
    "arrive": _plain(services.work_order_arrive),
    "restore": _plain(services.work_order_restore),
    "resolve_by_outage": _plain(services.work_order_resolve_by_outage),
    "unlink_outage": _plain(services.work_order_unlink_outage),
    "urge": _plain(services.work_order_urge),
    "escalate": _plain(services.work_order_escalate),
    "cancel": _plain(services.work_order_cancel),
    "merge": lambda order, actor, p, note: services.work_order_merge(
        order=order, actor=actor, into=p["into"] if isinstance(p["into"], WorkOrder)
        else WorkOrder.objects.get(pk=p["into"]), note=note),
    "unmerge": _plain(services.work_order_unmerge),
}


def act(*, order: WorkOrder, name: str, actor: User, params: dict | None = None, note: str = "",
        call: Call | None = None) -> WorkOrder:
    """Step ``name`` of a work order through its typed service. A ``note`` among the params is the step's note (the
    finding's, the escalation's: kept on the order and in the history row)."""
    params = dict(params or {})
    note = params.pop("note", None) or note
    if call is not None:
        params["call"] = call
    if name not in WORK_ORDER_STEPS:  # the machine's own answer for a name it does not know (409)
        work_order_transition_check(order=order, name=name, actor=actor)
    return WORK_ORDER_STEPS[name](order, actor, params, note)


def _missing_as_none(service, params: dict) -> dict:
    """An input the scenario leaves out is sent as None (as a serializer's missing field): the service refuses it."""
    wanted = inspect.signature(service).parameters.values()
    return {**{p.name: None for p in wanted if p.kind == p.KEYWORD_ONLY and p.default is p.empty}, **params}


OUTAGE_STEPS = {
    "publish": services.outage_publish,
    "update": services.outage_update,
    "restore": services.outage_restore,
    "close": services.outage_close,
}


def outage_act(*, notice: OutageNotice, name: str, actor: User, params: dict | None = None) -> OutageNotice:
    """Step ``name`` of an outage notice through its typed service: the machine's answer first (409 whatever the
    params), then the params this step takes."""
    outage_transition_check(notice=notice, name=name, actor=actor)
    params = _missing_as_none(OUTAGE_STEPS[name], {"notice": notice, "actor": actor, **(params or {})})
    return OUTAGE_STEPS[name](**_taken(OUTAGE_STEPS[name], params))


def _taken(service, params: dict) -> dict:
    names = inspect.signature(service).parameters
    return {name: value for name, value in params.items() if name in names}


HANDOVER_STEPS = {
    "submit": shift_services.handover_submit,
    "refuse": shift_services.handover_refuse,
    "accept": shift_services.handover_accept,
}


def handover_act(*, handover: Handover, name: str, actor: User, params: dict | None = None,
                 note: str = "") -> Handover:
    """Step ``name`` of a handover through its typed service."""
    if name not in HANDOVER_STEPS:
        shift_services.handover_transition_check(handover=handover, name=name, actor=actor)
    params = _missing_as_none(HANDOVER_STEPS[name], {"handover": handover, "actor": actor, "note": note,
                                                      **(params or {})})
    return HANDOVER_STEPS[name](**params)
