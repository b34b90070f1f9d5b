"""The duty pages 值班 / 交接班: roster week, my shift (check-in / check-out), the outgoing lead's handover,
the incoming lead's review, the supervisor's list. Thin: reads from ``selectors``, writes through ``services``,
refusals become form errors (``ServiceForm``)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.errors import NotPermitted

from . import selectors, services
from .filters import HandoverFilter
from .forms import HANDOVER_STATES, AttendanceForm, HandoverItemForm, ReviewForm, ShiftForm, SubmitForm, WeekForm

PAGE_SIZE = 50
REVIEW_FLAGS = "shifts.review_flags"  # session key: the incoming lead's ticks kept across a refusal


def _roster_url(unit, day) -> str:
    query = {"week": day.isoformat(), **({"unit": unit.pk} if unit else {})}
    return f"{reverse('shifts:roster')}?{urlencode(query)}"


@login_required
@permission_required("shifts.view_shift", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def roster(request):
    """排班表: a week of dates × templates; leads and supervisors roster a shift below it."""
    today = timezone.localdate()
    week_form = WeekForm(request.GET)
    chosen = week_form.cleaned_data if week_form.is_valid() else {}
    unit = chosen.get("unit") or selectors.default_roster_unit(request.user)
    day = chosen.get("week") or today
    form = None
    if request.user.has_perm("shifts.add_shift"):
        form = ShiftForm(request.POST if request.method == "POST" else None, initial={"unit": unit, "date": day})
        if form.is_bound and form.is_valid():
            shift = form.submit(services.shift_create, actor=request.user, **form.cleaned_data)
            if shift is not None:
                messages.success(request, _("%(shift)s has been rostered.") % {"shift": shift})
                return redirect(_roster_url(shift.unit, shift.date))
        elif form.is_bound:
            form.status_code = 400
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "shifts/roster.html", {
        "week": selectors.roster_week(request.user, unit=unit, day=day), "week_form": week_form, "form": form,
        "units": selectors.rostered_units(), "today": today, "now": timezone.now(),
    }, status=form.status_code if form is not None else 200)


def _my_shift_page(request, *, errors=None, status=200):
    can_review = request.user.has_perm("shifts.view_handover")
    return render(request, "shifts/my_shift.html", {
        "memberships": selectors.my_shifts(request.user), "errors": errors or {}, "now": timezone.now(),
        "to_review": selectors.handovers_to_review(request.user) if can_review else [],
    }, status=status)


@login_required
@permission_required("shifts.view_shift", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def my_shift(request):
    """我的班次: check in and out of my shifts; a lead also finds the handover here."""
    return _my_shift_page(request)


def _attendance(request, pk: int, service, done: str):
    shift = get_object_or_404(selectors.visible_shifts(request.user), pk=pk)
    form = AttendanceForm(request.POST)
    if form.is_valid() and form.submit(service, shift=shift, user=request.user) is not None:
        messages.success(request, done)
        return redirect("shifts:mine")
    return _my_shift_page(request, errors={shift.pk: form}, status=form.status_code)


@login_required
@permission_required("shifts.view_shift", raise_exception=True)
@require_POST
def check_in(request, pk: int):
    return _attendance(request, pk, services.shift_check_in, _("You have checked in."))


@login_required
@permission_required("shifts.view_shift", raise_exception=True)
@require_POST
def check_out(request, pk: int):
    return _attendance(request, pk, services.shift_check_out, _("You have checked out."))


@login_required
@permission_required("shifts.view_handover", raise_exception=True)
@require_POST
def handover_open(request, pk: int):
    """Open (or find) the draft handover of a shift, for its lead."""
    shift = get_object_or_404(selectors.visible_shifts(request.user), pk=pk)
    try:
        handover = services.handover_open(shift=shift, actor=request.user)
    except NotPermitted:
        raise PermissionDenied from None
    return redirect("shifts:handover", pk=handover.pk)


def _handover(request, pk: int):
    return get_object_or_404(selectors.handover_detail_queryset(request.user), pk=pk)


def _handover_page(request, handover, *, item_form=None, submit_form=None, status=200):
    editable = selectors.may_edit_outgoing(handover, request.user)
    if editable:
        item_form = item_form or HandoverItemForm()
        submit_form = submit_form or SubmitForm(initial={
            "cleaning_done": handover.cleaning_done, "equipment_ok": handover.equipment_ok,
            "items_counted": handover.items_counted, "notes": handover.notes,
        })
    return render(request, "shifts/handover.html", {
        "handover": handover, "items": handover.items.all(), "editable": editable, "item_form": item_form,
        "submit_form": submit_form, "late": selectors.lateness(handover), "now": timezone.now(),
        "may_review": selectors.may_review(handover, request.user),
    }, status=status)


@login_required
@permission_required("shifts.view_handover", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def handover(request, pk: int):
    """交班: the outgoing lead's page. Carried items, pending items, checklist, sign and submit."""
    return _handover_page(request, _handover(request, pk))


@login_required
@permission_required("shifts.view_handover", raise_exception=True)
@require_POST
def handover_add_item(request, pk: int):
    handover = _handover(request, pk)
    form = HandoverItemForm(request.POST)
    form.submit(services.handover_outgoing_check, handover=handover, actor=request.user)  # 403 before the form
    if form.is_valid():
        item = form.submit(services.handover_add_item, handover=handover, actor=request.user, **form.cleaned_data)
        if item is not None:
            messages.success(request, _("The item has been added."))
            return redirect("shifts:handover", pk=handover.pk)
    else:
        form.status_code = 400
    return _handover_page(request, handover, item_form=form, status=form.status_code)


@login_required
@permission_required("shifts.view_handover", raise_exception=True)
@require_POST
def handover_submit(request, pk: int):
    handover = _handover(request, pk)
    form = SubmitForm(request.POST)
    form.submit(services.handover_outgoing_check, handover=handover, actor=request.user)  # 403 before the form
    if form.is_valid():
        done = form.submit(services.handover_submit, handover=handover, actor=request.user, **form.cleaned_data)
        if done is not None:
            messages.success(request, _("The handover has been signed and submitted."))
            return redirect("shifts:handover", pk=handover.pk)
    else:
        form.status_code = 400
    return _handover_page(request, _handover(request, pk), submit_form=form, status=form.status_code)


@login_required
@permission_required("shifts.view_handover", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def handover_review(request, pk: int):
    """接班: the incoming lead reviews every carried item, flags any, and accepts or refuses."""
    handover = _handover(request, pk)
    items = selectors.carried_orders(handover)
    kept = request.session.get(REVIEW_FLAGS, {}).get(str(handover.pk), {})
    initial = {**{f"flag_{i}": True for i in kept}, **{f"note_{i}": note for i, note in kept.items()}}
    form = ReviewForm(request.POST if request.method == "POST" else None, items=items, initial=initial)
    if form.is_bound:
        form.submit(services.handover_incoming_check, handover=handover, actor=request.user)  # 403 before the form
        if form.is_valid():
            name = form.cleaned_data["action"]
            done = form.submit(form.perform, handover=handover, actor=request.user)
            if done is not None:
                _keep_flags(request, handover, form.flagged() if name == ReviewForm.REFUSE else None)
                messages.success(request, _("The handover has been accepted.") if name == ReviewForm.ACCEPT
                                 else _("The handover has been refused and goes back to the outgoing shift."))
                return redirect("shifts:handover-review", pk=handover.pk)
            handover = _handover(request, pk)
        else:
            form.status_code = 400
    return render(request, "shifts/review.html", {
        "handover": handover, "form": form, "items": handover.items.all(), "now": timezone.now(),
        "may_review": selectors.may_review(handover, request.user), "late": selectors.lateness(handover),
    }, status=form.status_code)


def _keep_flags(request, handover, flagged: list[dict] | None) -> None:
    """After a refusal the reviewer's ticks wait in the session for the resubmitted handover."""
    kept = dict(request.session.get(REVIEW_FLAGS, {}))
    if flagged:
        kept[str(handover.pk)] = {str(flag["item"]): flag["note"] for flag in flagged}
    else:
        kept.pop(str(handover.pk), None)
    request.session[REVIEW_FLAGS] = kept


@login_required
@permission_required("shifts.view_handover", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def handover_list(request):
    """交接班记录: every handover with its state, refusals and lateness, for the supervisor."""
    handovers = HandoverFilter(request.GET, queryset=selectors.visible_handovers(request.user), request=request)
    filtered = handovers.qs if handovers.is_valid() else handovers.queryset.none()
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(handover, selectors.lateness(handover, now)) for handover in page]
    return render(request, "shifts/handover_list.html", {
        "filter": handovers, "page": page, "rows": rows, "now": now, "states": list(HANDOVER_STATES.items()),
        "units": selectors.rostered_units(),
    })
