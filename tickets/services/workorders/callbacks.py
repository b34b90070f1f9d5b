"""回访 and 归档: a callback records whether the customer was reached and, if so, the attitude, quality and satisfaction
(seed 000 细则 9); an order owing a callback is archived only once it is done (or tried three times)."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput

from ...models import Callback, Rating, User, WorkOrder
from .firing import fire, work_order_transition_check


@transaction.atomic
def work_order_callback(*, order: WorkOrder, actor: User, reached: bool, satisfied: bool | None = None,
                        attitude: str = "", quality: str = "", suggestions: str = "", note: str = "") -> WorkOrder:
    """A callback attempt. Reached: attitude, quality and satisfaction are required (seed 000 细则 9: 服务态度,
    服务质量, 满意程度; 改进建议 optional); an unsatisfied complaint is reopened. Not reached: no ratings, an attempt
    counted."""
    work_order_transition_check(order=order, name="callback", actor=actor)  # 409/403 before the input
    if not isinstance(reached, bool):
        raise InvalidInput(_("reached (true or false) is required"), extra={"field": "reached"})
    attitude, quality, suggestions = attitude or "", quality or "", suggestions or ""
    if reached:
        required = {"attitude": _("attitude is required when the customer was reached"),
                    "quality": _("quality is required when the customer was reached")}
        for name, rating in (("attitude", attitude), ("quality", quality)):
            if not rating:
                raise InvalidInput(required[name], extra={"field": name})
        if not isinstance(satisfied, bool):
            raise InvalidInput(_("satisfied (true or false) is required when the customer was reached"),
                               extra={"field": "satisfied"})
    elif attitude or quality or satisfied is not None:
        raise InvalidInput(_("An unreached callback has no ratings"), extra={"field": "reached"})
    for name, rating in (("attitude", attitude), ("quality", quality)):
        if rating and rating not in Rating.values:
            raise InvalidInput(_("Unknown rating “%(rating)s”") % {"rating": rating}, extra={"field": name})

    def record(order: WorkOrder, at) -> None:
        Callback.objects.create(order=order, agent=actor, made_at=at, reached=reached, attitude=attitude,
                                quality=quality, satisfied=satisfied, suggestions=suggestions)

    return fire(order, "callback", actor=actor, note=note, data={"reached": reached, "satisfied": satisfied},
                after=record, reached=reached, satisfied=satisfied if reached else None)


@transaction.atomic
def work_order_archive(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """归档, once any required callback is done (or tried three times)."""
    return fire(order, "archive", actor=actor, note=note)
