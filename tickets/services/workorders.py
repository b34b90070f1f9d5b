"""Creating work orders and firing their transitions.

``work_order_transition`` is the only way a state changes: it asks the order's machine whether the
transition is allowed from the current state (409 otherwise) and for this user (403), validates the
transition's inputs against the domain (400), then runs it, recomputes the deadlines it moved, saves
(a concurrent change of the state makes the save fail: 409) and writes the history row, all in one
transaction.
"""

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.expressions import Combinable
from django.utils import timezone

from contactcenter.errors import InvalidInput, NotPermitted
from contactcenter.fsm import available_transitions as fsm_available
from contactcenter.fsm import check_transition
from contactcenter.rows import insert, insert_numbered

from .. import sla
from ..models import (
    KIND_MODELS,
    NUMBER_DIGITS,
    Call,
    Callback,
    Customer,
    CustomerText,
    Department,
    DepartmentKind,
    FindingCause,
    Kind,
    Rating,
    User,
    WorkOrder,
    WorkOrderTransition,
)
from ..reference import unit_with_ancestors
from .customers import customer_find_or_create, normalize_phone
from .outages import outage_covering
from .phrases import ensure_no_forbidden_phrases


def transition_names(order: WorkOrder) -> list[str]:
    """Every transition of this order's machine, in definition order."""
    return list(dict.fromkeys(t.name for t in order.get_all_state_transitions()))


def available_transitions(order: WorkOrder, user: User) -> list[str]:
    """Names the user may fire now: allowed from the state, conditions met, permitted."""
    return fsm_available(order, user)


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
    """Accept an order 受理. The creating user becomes the first-question owner 首问负责人. A consultation with an
    ``answer`` is answered on the call and closed at once (its words checked: ``confirm_phrases`` keeps a warned
    one)."""
    if kind not in KIND_MODELS:
        raise InvalidInput(f"Unknown kind {kind!r}", extra={"field": "kind"})
    if not actor.has_perm("tickets.take_calls"):
        raise NotPermitted("Only the front office accepts work orders")
    if answer and kind != Kind.CONSULTATION:
        raise InvalidInput("Only a consultation can be answered on the call", extra={"field": "answer"})
    phone = normalize_phone(caller_number)
    unit = unit_with_ancestors(actor.unit_id)
    if customer is None:
        customer = customer_find_or_create(
            phone=phone, account_number=account_number, area_type=area_type, unit=unit
        )
    now = timezone.now()
    order = KIND_MODELS[kind](
        kind=kind,
        title=title,
        description=description,
        customer=customer,
        call=call,
        caller_number=phone,
        area_type=area_type or customer.area_type,
        address=address or customer.address,
        unit=unit or customer.unit,
        owner=actor,
        accepted_at=now,
        reply_started_at=None if answer else now,  # answered on the call: no reply is owed
    )
    if kind == Kind.REPAIR:
        # A fault already known and published: link the call to it instead of dispatching a crew again.
        order.outage = outage_covering(order.address)
    sla.recompute_deadlines(order)
    order.number = order.number_prefix()
    insert_numbered(order, "number", digits=NUMBER_DIGITS)  # the number ends with the order's id
    entry = insert(WorkOrderTransition(
        order=order, name="create", source="", target=order.state, actor=actor, at=now, call=call,
    ))
    order.written_history = [entry]  # what the answer shows (selectors.with_detail): no read back
    if answer:
        order = work_order_transition(order=order, name="answer_on_call", actor=actor,
                                      params={"answer": answer, "confirm_phrases": confirm_phrases})
    return order


def work_order_transition_check(*, order: WorkOrder, name: str, actor: User) -> None:
    """409 if ``name`` is not a transition of this order's machine or not allowed now; 403 if not permitted."""
    check_transition(order, name, actor, names=transition_names(order), what=f"A {order.get_kind_display()} order")


@transaction.atomic
def work_order_transition(
    *, order: WorkOrder, name: str, actor: User, params: dict[str, Any] | None = None, note: str = "",
    call: Call | None = None,
) -> WorkOrder:
    """Fire transition ``name`` with its (already type-checked) ``params``."""
    params = dict(params or {})
    work_order_transition_check(order=order, name=name, actor=actor)
    method = getattr(order, name)
    prepare = _PREPARE.get(name)
    prepared = prepare(order, actor, params) if prepare else Prepared()

    at = timezone.now()
    source = order.state
    columns = [f.attname for f in order._meta.concrete_fields if f.attname != "state"]
    before = {attr: getattr(order, attr) for attr in columns}
    if "note" in inspect.signature(method).parameters:
        params.setdefault("note", note)  # escalate and investigate keep the note on the order too
    method(at=at, **params)
    sla.recompute_deadlines(order, before=before)
    # Write only what this transition changed: a stale copy must not undo a concurrent same-state
    # transition (an urge) in the columns it did not touch. ConcurrentTransitionMixin adds
    # "WHERE state = <state when loaded>", so a concurrent change of the state fails this save (409).
    changed = [attr for attr in columns if getattr(order, attr) is not before[attr]
               and (isinstance(getattr(order, attr), Combinable) or getattr(order, attr) != before[attr])]
    order.save(update_fields=["state", "updated_at", *changed])
    expressions = [attr for attr in changed if isinstance(getattr(order, attr), Combinable)]
    if expressions:
        # What the database computed (urge_count + 1 …), in one query: refresh_from_db(fields=…) would build a
        # deferred instance whose state django-fsm's ConcurrentTransitionMixin then loads with a second one.
        for attr, value in WorkOrder.objects.filter(pk=order.pk).values(*expressions).get().items():
            setattr(order, attr, value)
    entry = WorkOrderTransition.objects.create(
        order=order, name=name, source=source, target=order.state, actor=actor, at=at, note=note, call=call,
        data=prepared.history,
    )
    if hasattr(order, "written_history"):  # an order created in this request: its whole history is in hand
        order.written_history.append(entry)
    if prepared.after is not None:
        prepared.after(order, at)
    return order


# --- Domain validation of each transition's inputs. Each may rewrite ``params`` into what the
# --- transition method takes, and returns the history row's data and what to write after the save.


@dataclass(frozen=True)
class Prepared:
    history: dict = field(default_factory=dict)
    after: Callable[[WorkOrder, dt.datetime], None] | None = None


def _department(value: Any, field: str = "department") -> Department:
    department = value if isinstance(value, Department) else Department.objects.filter(pk=value).first()
    if department is None:
        raise InvalidInput(f"Unknown department {value!r}", extra={"field": field})
    return department


def _handler_in(department: Department, value: Any) -> User | None:
    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else User.objects.filter(username=value).first()
    if user is None or user.department_id != department.pk:
        raise InvalidInput(f"{value!r} is not a member of {department}", extra={"field": "handler"})
    return user


def _prepare_dispatch(order: WorkOrder, actor: User, params: dict) -> Prepared:
    department = _department(params.get("department"))
    if order.kind == Kind.REPAIR and department.kind != DepartmentKind.REPAIR_CREW:
        raise InvalidInput("A repair is dispatched to a repair crew", extra={"field": "department"})
    if department.pk == order.department_id:
        raise InvalidInput("The order is already with this department", extra={"field": "department"})
    params["department"] = department
    params["handler"] = _handler_in(department, params.get("handler"))
    return Prepared({"department": department.pk,
                     "handler": params["handler"].username if params["handler"] else None})


def supervision_office_for(order: WorkOrder) -> Department | None:
    """The supervision office 监察室 nearest to the order's unit up the tree."""
    units = order.unit.ancestry() if order.unit_id else []
    offices = {d.unit_id: d for d in Department.objects.filter(kind=DepartmentKind.SUPERVISION, unit__in=units)}
    for unit in units:
        if unit.pk in offices:
            return offices[unit.pk]
    return Department.objects.filter(kind=DepartmentKind.SUPERVISION).order_by("pk").first()


def _prepare_forward(order: WorkOrder, actor: User, params: dict) -> Prepared:
    if params.get("department") is not None:
        department = _department(params["department"])
        if department.kind != DepartmentKind.SUPERVISION:
            raise InvalidInput("Complaints are forwarded to a supervision office", extra={"field": "department"})
    else:
        department = supervision_office_for(order)
        if department is None:
            raise InvalidInput("No supervision office is configured", code="no_supervision_office")
    params["department"] = department
    return Prepared({"department": department.pk})


def _prepare_return(order: WorkOrder, actor: User, params: dict) -> Prepared:
    _require_text(params, "reason")
    if order.kind in (Kind.COMPLAINT, Kind.REPORT, Kind.SUGGESTION):
        params["department"] = supervision_office_for(order)
    else:
        params["department"] = None
    return Prepared({"from_department": order.department_id})


def _prepare_investigate(order: WorkOrder, actor: User, params: dict) -> Prepared:
    valid = params.get("valid")
    if not isinstance(valid, bool):
        raise InvalidInput("valid (true or false) is required", extra={"field": "valid"})
    cause = params.get("cause") or ""
    if cause and cause not in FindingCause.values:
        raise InvalidInput(f"Unknown cause {cause!r}", extra={"field": "cause"})
    if valid and not cause:
        raise InvalidInput("A valid finding needs its cause", extra={"field": "cause"})
    responsible = params.get("responsible")
    if responsible not in (None, ""):
        user = responsible if isinstance(responsible, User) else User.objects.filter(username=responsible).first()
        if user is None:
            raise InvalidInput(f"Unknown user {responsible!r}", extra={"field": "responsible"})
        if valid and cause == FindingCause.ATTITUDE and user.pk not in agents_connected(order):
            # seed 000 考核 8 (100 yuan) charges the on-duty staff whose attitude caused the complaint: an agent who
            # dealt with this customer on this order, not anyone a department names.
            raise InvalidInput(
                f"{user.username} is not an agent of this order: name its first-question owner or an agent who "
                "took one of its calls", code="not_connected", extra={"field": "responsible"})
        params["responsible"] = user
    else:
        params["responsible"] = None
    params["cause"] = cause
    return Prepared({"valid": valid, "cause": cause,
                     "responsible": params["responsible"].username if params["responsible"] else None})


def agents_connected(order: WorkOrder) -> set[int]:
    """The agents who dealt with the customer on this order: its first-question owner, the agent of the call that
    opened it and of every call that urged it."""
    calls = {order.call_id} if order.call_id else set()
    calls |= set(WorkOrderTransition.objects.filter(order=order, call__isnull=False).values_list("call_id", flat=True))
    agents = set(Call.objects.filter(pk__in=calls, agent__isnull=False).values_list("agent_id", flat=True))
    return {order.owner_id, *agents}


def _prepare_callback(order: WorkOrder, actor: User, params: dict) -> Prepared:
    reached = params.get("reached")
    if not isinstance(reached, bool):
        raise InvalidInput("reached (true or false) is required", extra={"field": "reached"})
    extra = {
        "reached": reached,
        "attitude": params.pop("attitude", "") or "",
        "quality": params.pop("quality", "") or "",
        "satisfied": params.get("satisfied"),
        "suggestions": params.pop("suggestions", "") or "",
    }
    if reached:
        # seed 000 细则 9: a callback records 服务态度, 服务质量, 满意程度 (and 改进建议, optional).
        for rating in ("attitude", "quality"):
            if not extra[rating]:
                raise InvalidInput(f"{rating} is required when the customer was reached", extra={"field": rating})
        if not isinstance(extra["satisfied"], bool):
            raise InvalidInput("satisfied (true or false) is required when the customer was reached",
                               extra={"field": "satisfied"})
    if not reached and (extra["attitude"] or extra["quality"] or extra["satisfied"] is not None):
        raise InvalidInput("An unreached callback has no ratings", extra={"field": "reached"})
    for rating in ("attitude", "quality"):
        if extra[rating] and extra[rating] not in Rating.values:
            raise InvalidInput(f"Unknown rating {extra[rating]!r}", extra={"field": rating})
    if not reached:
        params["satisfied"] = None

    def record(order: WorkOrder, at: dt.datetime) -> None:
        Callback.objects.create(order=order, agent=actor, made_at=at, **extra)

    return Prepared({"reached": reached, "satisfied": extra["satisfied"]}, after=record)


def _require_text(params: dict, name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} is required", extra={"field": name})
    params[name] = value.strip()
    return params[name]


def _prepare_text(name: str, *, keep: bool = False, to_customer: str | None = None):
    """``to_customer`` (a ``CustomerText``): the text is said or written to the customer, so no forbidden phrase
    服务禁语 in it (seed 000 细则 3, seed 001 §9, seed 004 §4.2.9, §6.5) that applies to this kind and text; a
    phrase that only warns is kept when the agent confirms it (``confirm_phrases``), and the confirmation is kept
    in the history row. The spans are offsets in the text as sent."""

    def prepare(order: WorkOrder, actor: User, params: dict) -> Prepared:
        confirmed = bool(params.pop("confirm_phrases", False))
        sent = params.get(name)
        value = _require_text(params, name)
        history = {name: value} if keep else {}
        if to_customer:
            kept = ensure_no_forbidden_phrases(sent, field=name, kind=order.kind, context=to_customer,
                                               confirmed=confirmed)
            if kept:
                history["confirmed_phrases"] = kept
        return Prepared(history)

    return prepare


def _prepare_reply(order: WorkOrder, actor: User, params: dict) -> Prepared:
    # A consultation's reply is the department's answer (the agent then informs the customer, checked there);
    # a complaint's is the reply to the customer.
    if order.kind == Kind.CONSULTATION:
        params.pop("confirm_phrases", None)
        return _prepare_text("answer")(order, actor, params)
    return _prepare_text("reply_text", to_customer=CustomerText.REPLY)(order, actor, params)


def _prepare_unlink(order: WorkOrder, actor: User, params: dict) -> Prepared:
    """The agent unlinks a repair from the outage notice it was linked to (the history keeps which, and why)."""
    reason = _require_text(params, "reason")
    return Prepared({"outage": order.outage_id, "reason": reason})


def _prepare_urge(order: WorkOrder, actor: User, params: dict) -> Prepared:
    """催办: what the customer was told about the progress (optional) is a text to the customer: checked, kept in the
    history row ("我们已经派了" is refused in a repair's, seed 000 细则 6)."""
    confirmed = bool(params.pop("confirm_phrases", False))
    answer = (params.pop("progress_answer", "") or "").strip()
    if not answer:
        return Prepared()
    kept = ensure_no_forbidden_phrases(answer, field="progress_answer", kind=order.kind,
                                       context=CustomerText.PROGRESS, confirmed=confirmed)
    return Prepared({"progress_answer": answer, **({"confirmed_phrases": kept} if kept else {})})


_PREPARE: dict[str, Callable[[WorkOrder, User, dict], Prepared]] = {
    "dispatch": _prepare_dispatch,
    "forward": _prepare_forward,
    "return_to_sender": _prepare_return,
    "investigate": _prepare_investigate,
    "callback": _prepare_callback,
    "cancel": _prepare_text("reason", keep=True),
    "answer_on_call": _prepare_text("answer", to_customer=CustomerText.ANSWER),
    "reply": _prepare_reply,
    "inform": _prepare_text("reply_text", to_customer=CustomerText.REPLY),
    "urge": _prepare_urge,
    "unlink_outage": _prepare_unlink,
}

