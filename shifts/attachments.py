"""Files attached 附件 to handovers (``contactcenter.attachments``): seen by those who see the handover (the handover
pages' selector), attached by its outgoing or incoming lead or a supervisor (a photo of the equipment, a list)."""

from django.urls import reverse

from contactcenter import attachments

from .models import Handover, is_incoming_lead, is_outgoing_lead
from .selectors import visible_handovers


def _may_attach(user, handover: Handover) -> bool:
    return is_outgoing_lead(handover, user) or is_incoming_lead(handover, user)


def register_attachments() -> None:
    attachments.register(
        "handover", model=Handover, view_permission="shifts.view_handover", visible=visible_handovers,
        may_attach=_may_attach, page_url=lambda handover: reverse("shifts:handover", args=[handover.pk]))
