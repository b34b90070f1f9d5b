"""Files attached 附件 to work orders and outage notices (``contactcenter.attachments``): a file is seen by those who
see its object — the same selector as the order pages and the API — and attached by those who work on it."""

from django.urls import reverse

from contactcenter import attachments

from .models import OutageNotice, WorkOrder
from .selectors import visible_work_orders


def _may_attach_to_order(user, order: WorkOrder) -> bool:
    """The front office and the departments' handlers (the crew's photo of the fault); a manager only reads."""
    return user.has_perm("tickets.take_calls") or user.has_perm("tickets.handle_department")


def visible_outage_notices(user):
    """As the outage API reads them: every notice, for those with the model's view permission."""
    if not user.has_perm("tickets.view_outagenotice"):
        return OutageNotice.objects.none()
    return OutageNotice.objects.all()


def register_attachments() -> None:
    attachments.register(
        "work-order", model=WorkOrder, view_permission="tickets.view_workorder", visible=visible_work_orders,
        may_attach=_may_attach_to_order, page_url=lambda order: reverse("tickets:order-detail", args=[order.pk]))
    attachments.register(
        "outage", model=OutageNotice, view_permission="tickets.view_outagenotice", visible=visible_outage_notices,
        may_attach=lambda user, notice: user.has_perm("tickets.add_outagenotice"),  # who receives and publishes
        page_url=lambda notice: reverse("tickets:outage-detail", args=[notice.pk]))
