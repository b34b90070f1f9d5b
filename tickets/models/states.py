"""The vocabulary of the work-order machines: kinds, states, the finding's causes and the callback's ratings, the
numbering constants, and the predicates the transitions ask (django-fsm ``permission=`` and ``conditions=``).

``workorders`` builds each kind's machine from these and imports them back, so ``tickets.models.workorders`` still
names every one of them.
"""

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the predicates' argument; workorders imports this module
    from .workorders import WorkOrder


class Kind(models.TextChoices):
    REPAIR = "repair", _("Repair")  # 故障报修
    CONSULTATION = "consultation", _("Consultation")  # 咨询
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    REPORT = "report", _("Report")  # 举报
    SUGGESTION = "suggestion", _("Suggestion")  # 意见/建议


class State(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")  # 已受理
    FORWARDED = "forwarded", _("Forwarded to supervision")  # 已转监察室
    DISPATCHED = "dispatched", _("Dispatched")  # 已派单
    ARRIVED = "arrived", _("Crew on site")  # 已到达现场
    RESTORED = "restored", _("Restored")  # 已恢复
    INVESTIGATED = "investigated", _("Investigated")  # 已调查
    REPLIED = "replied", _("Replied")  # 已答复
    INFORMED = "informed", _("Customer informed")  # 已告知客户
    CALLED_BACK = "called_back", _("Called back")  # 已回访
    ARCHIVED = "archived", _("Archived")  # 已归档
    CANCELLED = "cancelled", _("Cancelled")  # 已撤销
    MERGED = "merged", _("Merged")  # 已合并: a duplicate merged into the order it repeats (merged_into)


FINAL_STATES = (State.ARCHIVED, State.CANCELLED, State.MERGED)
OPEN_STATES = [s for s in State.values if s not in FINAL_STATES]  # the queue's, the search's, the repeat calls'
# Not judged and not counted: a duplicate cancelled or merged into the order it repeats (that order is).
NOT_JUDGED = (State.CANCELLED, State.MERGED)
KIND_PREFIX = {
    Kind.REPAIR: "GZ", Kind.CONSULTATION: "ZX", Kind.COMPLAINT: "TS", Kind.REPORT: "JB", Kind.SUGGESTION: "JY",
}
NUMBER_DIGITS = 7  # an order number: kind prefix, accepting day (Asia/Shanghai), id with at least this many digits
# After this many unreached callback attempts an order that needs a callback may be archived.
CALLBACK_MAX_ATTEMPTS = 3


class FindingCause(models.TextChoices):
    ATTITUDE = "attitude", _("Service attitude")  # 服务态度
    QUALITY = "quality", _("Work quality")
    TIMELINESS = "timeliness", _("Timeliness")
    POLICY = "policy", _("Policy or tariff")
    SUPPLY = "supply", _("Power supply quality")
    OTHER = "other", _("Other")


class Rating(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


# --- Who may fire a transition (django-fsm ``permission=``): the UI and the API ask the same question.


def has_permission(user, perm: str) -> bool:
    """``user.has_perm(perm)``, asked once per user object: a list of 50 orders asks each order's machine which of
    its transitions this user may fire — about 200 questions of four permissions — and Django asks every
    authentication backend each time. The answers are those of the user object at hand (Django keeps its
    permission set on the object too: a changed permission counts from the next request's user)."""
    answers = user.__dict__.setdefault("permission_answers", {})
    if perm not in answers:
        answers[perm] = user.has_perm(perm)
    return answers[perm]


def may_take_calls(order: "WorkOrder", user) -> bool:
    """Front office: agents, shift leads, supervisors."""
    return has_permission(user, "tickets.take_calls")


def may_cancel(order: "WorkOrder", user) -> bool:
    """Cancel as duplicate: shift lead (or supervisor) only."""
    return has_permission(user, "tickets.cancel_order")


def is_current_department(order: "WorkOrder", user) -> bool:
    """A department handler acts only on orders currently with their own department."""
    if user.is_superuser:
        return True
    return (
        has_permission(user, "tickets.handle_department")
        and order.department_id is not None
        and user.department_id == order.department_id
    )


def may_reply(order: "WorkOrder", user) -> bool:
    """Front office, or the department that has the order."""
    return may_take_calls(order, user) or is_current_department(order, user)


def not_linked_to_outage(order: "WorkOrder") -> bool:
    """A repair linked to a known outage is not dispatched again; restoring the outage resolves it."""
    return order.outage_id is None


def linked_to_outage(order: "WorkOrder") -> bool:
    return order.outage_id is not None


def callback_settled(order: "WorkOrder") -> bool:
    """seed 000 细则 9: complaints are called back 100 % before they are archived."""
    if not order.callback_required:
        return True
    return order.called_back_at is not None or order.callback_attempts >= CALLBACK_MAX_ATTEMPTS
