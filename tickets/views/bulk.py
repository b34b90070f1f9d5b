"""Bulk actions 批量操作 from the queue and the search page (``services.work_orders_bulk``): each ticked order through
the same service and permission check as on its own page; the page lists each one's outcome."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms.bulk import BulkForm
from ..forms.labels import SERVICE_CODES
from .queue import SEES_ORDERS, _next_url


def _reason(outcome) -> str:
    """The refusal in the user's language (the pages' table of the services' messages), else as the service said."""
    return str(SERVICE_CODES.get(outcome.code) or outcome.detail)


@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_POST
def bulk(request):
    form = BulkForm(request.POST)
    rows, status = [], 400
    if form.is_valid():
        ids = form.cleaned_data["orders"]
        found = {order.pk: order for order in selectors.visible_work_orders(request.user).filter(pk__in=ids)}
        outcomes = form.submit(services.work_orders_bulk, orders=[found[pk] for pk in ids if pk in found],
                               action=form.cleaned_data["action"], actor=request.user,
                               department=form.cleaned_data["department"], note=form.cleaned_data["note"],
                               reason=form.cleaned_data["reason"])
        if outcomes is not None:
            status = 200
            rows = [(o.order_id, o.number, o.done, "" if o.done else _reason(o)) for o in outcomes]
            rows += [(pk, "", False, str(SERVICE_CODES["not_found"])) for pk in ids if pk not in found]
    return render(request, "tickets/queue/bulk_result.html", {
        "form": form, "rows": rows, "done": sum(1 for row in rows if row[2]),
        "refused": sum(1 for row in rows if not row[2]), "back": _next_url(request) or "/queue/",
    }, status=status)
