"""Today's callbacks 回访 (``/callbacks/``): open orders owing a callback due today or earlier, complaints first,
each with its callback form (seed 000 细则 9: complaints 100 %, repairs sampled)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..forms.transitions import TRANSITION_LABELS, transition_form
from ..models import Kind, User, WorkOrder
from ..telephony.asterisk import AmiTarget, DialFailed, originate
from .queue import PAGE_SIZE, TAKES_CALLS, Due, Step, iso, phrases_partial, steps_for


@dataclass
class CallbackRow:
    order: WorkOrder
    due: Due
    form_step: Step | None  # the callback form, when the user may record one
    transitions: list[tuple[str, str]]  # the other steps (archive once the callback is settled)

    @property
    def form(self):
        return self.form_step.form if self.form_step else None

    @property
    def form_id(self) -> str:
        return f"callback-{self.order.pk}"


def due_callbacks(user: User, now: dt.datetime):
    """回访: open orders owing a callback due today or earlier (Asia/Shanghai), complaints first."""
    tomorrow = dt.datetime.combine(timezone.localdate(now) + dt.timedelta(days=1), dt.time.min,
                                   tzinfo=timezone.get_current_timezone())
    complaints_first = Case(When(kind=Kind.COMPLAINT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (selectors.visible_work_orders(user)
            .filter(state__in=selectors.OPEN_STATES, callback_required=True, called_back_at__isnull=True,
                    callback_due_at__lt=tomorrow)
            .order_by(complaints_first, "callback_due_at", "id"))


def _switch() -> AmiTarget | None:
    return AmiTarget.from_url(settings.ASTERISK_AMI_URL)


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["POST"])
def callback_dial(request, pk: int):
    """拨打: the switch rings the agent's phone, then the customer's (click-to-dial, AMI Originate)."""
    order = get_object_or_404(due_callbacks(request.user, timezone.now()), pk=pk)
    target, seat = _switch(), request.user.seat
    number = order.customer.phone if order.customer_id and order.customer.phone else order.caller_number
    if target is None or not seat:
        messages.error(request, _("Click-to-dial needs the switch (ASTERISK_AMI_URL) and your seat."))
    else:
        try:
            originate(target, seat=seat, number=number)
        except DialFailed as failed:
            messages.error(request, _("The switch could not dial: %(reason)s") % {"reason": failed})
        else:
            messages.success(request, _("Your phone rings: pick up to call %(number)s.") % {"number": number})
    return redirect(f"{reverse('tickets:callbacks')}#callback-{order.pk}")


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def callbacks(request):
    user, now = request.user, timezone.now()
    page = Paginator(due_callbacks(user, now), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for order in page:
        names = steps_for(order, user)
        step = None
        if "callback" in names:
            form = transition_form("callback", order, auto_id=f"id_callback{order.pk}_%s")
            step = Step("callback", TRANSITION_LABELS["callback"], form)
        rows.append(CallbackRow(order, Due("callback_due_at", order.callback_due_at, None, now), step,
                                [(name, TRANSITION_LABELS.get(name, name)) for name in names if name != "callback"]))
    return render(request, "tickets/queue/callbacks.html", {
        "page": page, "rows": rows, "now": now, "now_iso": iso(now), "phrases_partial": phrases_partial(),
        "dials": _switch() is not None and bool(user.seat),
    })
