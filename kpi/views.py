"""The supervisor's ledger pages 考核台账: list with filters and totals, reversal, manual entry. Thin:
reads come from ``selectors``, writes go through ``services``, refusals become form errors."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import LedgerPageFilter, ManualEntryForm, ReverseForm

PAGE_SIZE = 50
LIVE_ROWS_MAX = 50  # rows one live update fetches at most


def _ledger_url(period: str) -> str:
    return f"{reverse('kpi:ledger')}?{urlencode({'period': period})}"


def ledger_filter(user, data: QueryDict) -> LedgerPageFilter:
    """The ledger page's filters on what ``user`` may see; the current month unless a period is chosen."""
    data = data.copy()
    data.setdefault("period", services.period_of(timezone.now()))
    return LedgerPageFilter(data, queryset=selectors.visible_entries(user))


def filtered_entries(user, data: QueryDict) -> QuerySet:
    """The entries the ledger page lists for ``user`` with the filters ``data`` (its query): the page, the rows its
    live updates fetch (``ledger_rows``) and the socket that tells it of new ones (``kpi.live.LedgerConsumer``)."""
    entries = ledger_filter(user, data)
    return entries.qs if entries.is_valid() else entries.queryset.none()


@login_required
@permission_required("kpi.view_ledgerentry", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def ledger(request):
    entries = ledger_filter(request.user, request.GET)
    filtered = entries.qs if entries.is_valid() else entries.queryset.none()
    page = Paginator(filtered.select_related("reversed_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_sources(page.object_list)
    return render(request, "kpi/ledger.html", {
        "filter": entries, "page": page, "totals": selectors.ledger_totals(filtered),
        "live_url": f"{settings.LIVE_ORIGIN}/ws/ledger/",
    })


@login_required
@permission_required("kpi.view_ledgerentry", raise_exception=True)
@require_GET
def ledger_rows(request):
    """``?ids=3,2&<the page's filters>``: those entries' rows as the ledger page renders them (the page puts them in
    when its socket tells of them); ids it would not list are left out."""
    ids = [int(i) for i in request.GET.get("ids", "").split(",")[:LIVE_ROWS_MAX] if i.isdigit() and len(i) < 19]
    entries = filtered_entries(request.user, request.GET).filter(pk__in=ids).select_related("reversed_by")
    return render(request, "kpi/_ledger_rows.html", {"entries": _with_sources(entries)})


def _with_sources(entries) -> list:
    """The entries, each with ``source_shown``: what caused it in words and a link (``selectors.describe_sources``)."""
    entries = list(entries)
    described = selectors.describe_sources(entry.source for entry in entries)
    for entry in entries:
        entry.source_shown = described[entry.source]
    return entries


@login_required
@permission_required("kpi.reverse_ledgerentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_reverse(request, pk: int):
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("reversed_by"), pk=pk)
    form = ReverseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        reversal = form.submit(services.entry_reverse, entry=entry, actor=request.user,
                               reason=form.cleaned_data["reason"])
        if reversal is not None:
            messages.success(request, _("Entry %(id)s has been reversed.") % {"id": entry.pk})
            return redirect(_ledger_url(entry.period))
    _with_sources([entry])
    return render(request, "kpi/entry_reverse.html", {"entry": entry, "form": form}, status=form.status_code)


@login_required
@permission_required("kpi.post_manual_entry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_new(request):
    form = ManualEntryForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        entry = form.submit(services.entry_post_manual, actor=request.user, **form.cleaned_data)
        if entry is not None:
            messages.success(request, _("Entry %(id)s has been posted.") % {"id": entry.pk})
            return redirect(_ledger_url(entry.period))
    return render(request, "kpi/entry_new.html", {"form": form}, status=form.status_code)
