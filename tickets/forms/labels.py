"""The words of the work-order transition pages: the transitions' button and history labels, and the services'
refusals in the user's language (by error code, by English message, by field), which ``transitions.TransitionForm``
shows on its forms."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Button and history labels. With a context: several are common words ("Reply", "Archive", "Callback").
TRANSITION_LABELS = {
    "create": pgettext_lazy("work order transition", "Accept"),  # 受理
    "urge": pgettext_lazy("work order transition", "Urge"),  # 催办
    "escalate": pgettext_lazy("work order transition", "Escalate to a leader"),  # 上报
    "cancel": pgettext_lazy("work order transition", "Cancel as duplicate"),
    "return_to_sender": pgettext_lazy("work order transition", "Return to sender"),  # 退单
    "dispatch": pgettext_lazy("work order transition", "Dispatch"),  # 派单
    "resolve_by_outage": pgettext_lazy("work order transition", "Resolved with the outage"),
    "arrive": pgettext_lazy("work order transition", "Crew on site"),
    "restore": pgettext_lazy("work order transition", "Restored"),
    "callback": pgettext_lazy("work order transition", "Callback"),  # 回访
    "archive": pgettext_lazy("work order transition", "Archive"),  # 归档
    "answer_on_call": pgettext_lazy("work order transition", "Answered on the call"),
    "reply": pgettext_lazy("work order transition", "Reply"),  # 答复
    "inform": pgettext_lazy("work order transition", "Inform the customer"),
    "forward": pgettext_lazy("work order transition", "Forward to supervision"),  # 转监察室
    "contact_customer": pgettext_lazy("work order transition", "First contact with the customer"),
    "investigate": pgettext_lazy("work order transition", "Record the finding"),
    "unlink_outage": pgettext_lazy("work order transition", "Not this outage: unlink"),
    "link_outage": pgettext_lazy("work order transition", "About a published outage: link"),
    "reassign": pgettext_lazy("work order transition", "Reassign to another department"),  # 改派
    "add_note": pgettext_lazy("work order transition", "Add a note"),  # 备注
    "merge": pgettext_lazy("work order transition", "Merge into another order"),  # 合并
    "unmerge": pgettext_lazy("work order transition", "Undo the merge"),  # 撤销合并
}

# The pages' own words for some refusals, by the error's code (the services' messages are in the user's language).
SERVICE_CODES = {
    "unknown_transition": _("The work order has no such step."),
    "transition_not_allowed": _("This step is not allowed in the work order's current state; reload the page."),
    "concurrent_change": _("Someone else changed the work order meanwhile; reload the page and try again."),
    "no_supervision_office": _("No supervision office is configured."),
    "not_found": _("No such work order, or not one you may see."),
    "not_connected": _("This person is not an agent of this work order: choose its first-question owner or an agent "
                       "who took one of its calls."),
    "permission_denied": _("Your role may not take this step."),
}
