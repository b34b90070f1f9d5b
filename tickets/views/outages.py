"""The outage notice pages 停电信息: list, receive, detail with publish / update / restore / close, the caller
lookup for agents, and the public list a utility links from its website. Thin: reads from ``selectors``,
writes through ``services``, refusals become form errors (``OutageServiceForm``)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services
from ..filters import OutageFilter, filled
from ..forms.outages import HISTORY_LABELS, TRANSITION_FORMS, TRANSITION_LABELS, CallerLookupForm, OutageForm
from ..models import OutageKind, OutageNotice, OutageState
from ..services.outages import outage_available_transitions

TAKES_CALLS = "tickets.take_calls"  # the front office receives, publishes and answers about outages
PAGE_SIZE = 50
PUBLIC_MAX_AGE = 60  # seconds a browser or the utility's proxy may keep the public list
SURGE_RESTORE_GUESS = dt.timedelta(hours=2)

DONE = {
    "publish": gettext_lazy("The notice has been published."),
    "update": gettext_lazy("The notice has been updated."),
    "restore": gettext_lazy("Power restoration has been recorded; the linked repair calls are resolved."),
    "close": gettext_lazy("The notice has been closed."),
}


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def outage_list(request):
    """停电信息: every notice with its state, announcement flag and linked repair calls."""
    notices = OutageFilter(filled(request.GET), queryset=selectors.outage_notices().order_by("-starts_at", "-id"),
                           request=request)
    filtered = notices.qs if notices.is_valid() else notices.queryset.none()
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/outages/list.html", {
        "filter": notices, "page": page, "now": timezone.now(), "states": OutageState.choices,
        "kinds": OutageKind.choices, "surges": selectors.surges(),
    })


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def outage_new(request):
    """Record a notice passed on by another department; it must be published within this shift."""
    surge = selectors.surge_at(request.GET.get("surge", "")[:300]) if request.method != "POST" else None
    form = OutageForm(request.POST if request.method == "POST" else None, initial=surge_initial(surge))
    if form.is_bound:
        if form.is_valid():
            notice = form.submit(services.outage_receive, actor=request.user, **form.cleaned_data)
            if notice is not None:
                messages.success(request, _("The notice has been recorded. Publish it within this shift."))
                return redirect("tickets:outage-detail", pk=notice.pk)
        else:
            form.status_code = 400
    return render(request, "tickets/outages/new.html", {"form": form, "surge": surge}, status=form.status_code)


def surge_initial(surge) -> dict:
    """A notice proposed by a surge of repair calls: a fault in that community, from the first call, expected back
    in two hours (the agent corrects what the crew says), those orders to link once it is published."""
    if surge is None:
        return {}
    starts = timezone.localtime(surge.first_at).replace(second=0, microsecond=0)
    return {"kind": OutageKind.FAULT, "area": surge.community, "starts_at": starts,
            "expected_restore_at": starts + SURGE_RESTORE_GUESS,
            "cause": _("%(count)s repair calls within %(minutes)s minutes (cause to be confirmed)") % {
                "count": surge.count, "minutes": surge.minutes},
            "proposed_orders": ",".join(str(order.pk) for order in surge.orders)}


def _notice(pk: int):
    try:
        return selectors.outage_detail(pk)
    except OutageNotice.DoesNotExist:
        raise Http404 from None


def _detail_page(request, notice, *, failed=None, status=200):
    """The notice, its linked repairs and history, and a form for each step the user may take now.
    ``failed`` is (name, bound form) of a refused step: shown in place, or as a message when no longer offered."""
    names = outage_available_transitions(notice, request.user)
    steps = []
    for name in names:
        form = failed[1] if failed and failed[0] == name else TRANSITION_FORMS[name]()
        steps.append({"name": name, "label": TRANSITION_LABELS[name], "form": form})
    if failed and failed[0] not in names:
        for error in failed[1].non_field_errors() or [_("This step is not allowed in the notice's current state.")]:
            messages.error(request, error)
    return render(request, "tickets/outages/detail.html", {
        "notice": notice, "steps": steps, "orders": selectors.outage_linked_orders(notice),
        "history": [(row, HISTORY_LABELS.get(row.name, row.name)) for row in notice.history.all()],
    }, status=status)


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def outage_detail(request, pk: int):
    return _detail_page(request, _notice(pk))


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_POST
def outage_transition(request, pk: int, name: str):
    """Publish, update, restore or close: each posts its own form here."""
    if name not in TRANSITION_FORMS:
        raise Http404
    notice = _notice(pk)
    form = TRANSITION_FORMS[name](request.POST)
    if form.is_valid():
        done = form.submit(form.perform, notice=notice, actor=request.user)
        if done is not None:
            messages.success(request, DONE[name])
            return redirect("tickets:outage-detail", pk=notice.pk)
    else:
        form.status_code = 400
    return _detail_page(request, _notice(pk), failed=(name, form), status=form.status_code)


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def caller_lookup(request):
    """A caller's phone → their customer record and the active notices covering their address, with the cause,
    the expected restoration and the apology phrase (seed 000 细则 4). The result is a partial the agent
    console embeds."""
    form = CallerLookupForm(request.GET if "phone" in request.GET else None)
    lookup, status = None, 200
    if form.is_bound:
        if form.is_valid():
            lookup = selectors.caller_outages(phone=form.cleaned_data["phone"])
        else:
            status = 400
    return render(request, "tickets/outages/caller.html", {"form": form, "lookup": lookup}, status=status)


@require_http_methods(["GET", "HEAD"])
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def public_outages(request):
    """The public list (no login): active and upcoming published notices, nothing about customers.
    A plain template, not the staff layout; it never touches the session, so caches may share it."""
    active, upcoming = selectors.public_outages()
    return render(request, "tickets/outages/public.html", {"active": active, "upcoming": upcoming})
