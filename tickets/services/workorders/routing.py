"""Moving an order between people: dispatch 派单, reassign 改派, forward to the supervision office 转监察室, return to
sender 退单, urge 催办, escalate 上报, a note 备注, cancel as a duplicate."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput

from ...models import Call, CustomerText, Department, DepartmentKind, Kind, User, WorkOrder
from ..phrases import ensure_no_forbidden_phrases
from .firing import fire, require_text, work_order_transition_check

COMPLAINT_LIKE = (Kind.COMPLAINT, Kind.REPORT, Kind.SUGGESTION)


def supervision_office_for(order: WorkOrder) -> Department | None:
    """The supervision office 监察室 nearest to the order's unit up the tree."""
    units = order.unit.ancestry() if order.unit_id else []
    offices = {d.unit_id: d for d in Department.objects.filter(kind=DepartmentKind.SUPERVISION, unit__in=units)}
    for unit in units:
        if unit.pk in offices:
            return offices[unit.pk]
    return Department.objects.filter(kind=DepartmentKind.SUPERVISION).order_by("pk").first()


@transaction.atomic
def work_order_dispatch(*, order: WorkOrder, actor: User, department: Department, handler: User | None = None,
                        note: str = "") -> WorkOrder:
    """派单: a repair to a repair crew (the arrival clock starts); a consultation to the department that can answer
    it (seed 000 细则 3); a complaint by the supervision office to the responsible department."""
    work_order_transition_check(order=order, name="dispatch", actor=actor)  # 409/403 before the input
    _check_department(order, department, handler)
    data = {"department": department.pk, "handler": handler.username if handler else None}
    return fire(order, "dispatch", actor=actor, note=note, data=data, department=department, handler=handler)


def _check_department(order: WorkOrder, department: Department | None, handler: User | None) -> None:
    """Where an order may be dispatched (or reassigned): a repair to a repair crew, never to the department that has
    it already; a handler only from that department."""
    if department is None:
        raise InvalidInput(_("department is required"), extra={"field": "department"})
    if order.kind == Kind.REPAIR and department.kind != DepartmentKind.REPAIR_CREW:
        raise InvalidInput(_("A repair is dispatched to a repair crew"), extra={"field": "department"})
    if department.pk == order.department_id:
        raise InvalidInput(_("The order is already with this department"), extra={"field": "department"})
    if handler is not None and handler.department_id != department.pk:
        raise InvalidInput(_("“%(username)s” is not a member of %(department)s")
                           % {"username": handler.username, "department": department}, extra={"field": "handler"})


@transaction.atomic
def work_order_reassign(*, order: WorkOrder, actor: User, department: Department, handler: User | None = None,
                        note: str = "") -> WorkOrder:
    """改派: a lead or supervisor moves a dispatched order to another department (the rules of a dispatch); the new
    department's clock starts, a deadline already passed is still judged (``sla.recompute_deadlines``)."""
    work_order_transition_check(order=order, name="reassign", actor=actor)  # 409/403 before the input
    _check_department(order, department, handler)
    data = {"from_department": order.department_id, "department": department.pk,
            "handler": handler.username if handler else None}
    return fire(order, "reassign", actor=actor, note=note, data=data, department=department, handler=handler)


@transaction.atomic
def work_order_add_note(*, order: WorkOrder, actor: User, note: str) -> WorkOrder:
    """备注: a note kept in the order's history (nothing else changes)."""
    work_order_transition_check(order=order, name="add_note", actor=actor)  # 409/403 before the input
    return fire(order, "add_note", actor=actor, note=require_text(note, "note"))


@transaction.atomic
def work_order_forward(*, order: WorkOrder, actor: User, department: Department | None = None,
                       note: str = "") -> WorkOrder:
    """转监察室 (seed 000 细则 10): to the given supervision office, else the nearest one up the tree."""
    work_order_transition_check(order=order, name="forward", actor=actor)  # 409/403 before the input
    if department is not None:
        if department.kind != DepartmentKind.SUPERVISION:
            raise InvalidInput(_("Complaints are forwarded to a supervision office"), extra={"field": "department"})
    else:
        department = supervision_office_for(order)
        if department is None:
            raise InvalidInput(_("No supervision office is configured"), code="no_supervision_office")
    return fire(order, "forward", actor=actor, note=note, data={"department": department.pk}, department=department)


@transaction.atomic
def work_order_return(*, order: WorkOrder, actor: User, reason: str, note: str = "") -> WorkOrder:
    """退单: the department sends the order back — a complaint to the supervision office, anything else to the front
    office."""
    work_order_transition_check(order=order, name="return_to_sender", actor=actor)  # 409/403 before the input
    reason = require_text(reason, "reason")
    back_to = supervision_office_for(order) if order.kind in COMPLAINT_LIKE else None
    return fire(order, "return_to_sender", actor=actor, note=note, data={"from_department": order.department_id},
                reason=reason, department=back_to)


@transaction.atomic
def work_order_urge(*, order: WorkOrder, actor: User, call: Call | None = None, progress_answer: str = "",
                    confirm_phrases: bool = False, note: str = "") -> WorkOrder:
    """催办: the customer called again about this order (``call``, linked in the history). What they were told about
    the progress is said to the customer: checked ("我们已经派了" is refused in a repair's, seed 000 细则 6) and
    kept."""
    work_order_transition_check(order=order, name="urge", actor=actor)  # 409/403 before the input
    data = {}
    answer = (progress_answer or "").strip()
    if answer:
        data["progress_answer"] = answer
        kept = ensure_no_forbidden_phrases(answer, field="progress_answer", kind=order.kind,
                                           context=CustomerText.PROGRESS, confirmed=confirm_phrases)
        if kept:
            data["confirmed_phrases"] = kept
    return fire(order, "urge", actor=actor, note=note, call=call, data=data)


@transaction.atomic
def work_order_escalate(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """上报: reported to a leader (the note is kept on the order too)."""
    return fire(order, "escalate", actor=actor, note=note, escalation_note=note)


@transaction.atomic
def work_order_cancel(*, order: WorkOrder, actor: User, reason: str, note: str = "") -> WorkOrder:
    """Cancelled as a duplicate (a lead, with a reason): a cancelled order is not judged."""
    work_order_transition_check(order=order, name="cancel", actor=actor)  # 409/403 before the input
    reason = require_text(reason, "reason")
    return fire(order, "cancel", actor=actor, note=note, data={"reason": reason}, reason=reason)
