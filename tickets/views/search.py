"""The search page 工单查询 (``/orders/search/?q=``) and saved filters: any order the user may see, in any state, by
any part of its number, phones, customer and words (``selectors.search_work_orders``), with the queue's filters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.drf import MAX_ID
from contactcenter.errors import DomainError

from .. import search, selectors, services
from ..filters import WorkOrderFilter, filled
from ..models import Kind, SavedFilterPage, State
from ..phones import phone_for
from ..reference import department_choices, unit_choices
from .queue import PAGE_SIZE, SEES_ORDERS, _next_url, bulk_context
from .rows import SearchRows, select_options

SNIPPET = 120  # characters of the description shown around the first match
RESULT_COLUMNS = ("id", "number", "kind", "state", "caller_number", "address", "description", "accepted_at",
                  "customer__name")

# What a saved filter keeps of a page's query (anything else — the page number — is dropped).
FILTER_KEYS = {
    SavedFilterPage.QUEUE: {"tab", "due", "kind", "state", "overdue", "phone", "number", "department", "unit",
                            "accepted_after", "accepted_before"},
    SavedFilterPage.SEARCH: {"q", "kind", "state", "overdue", "department", "unit", "accepted_after",
                             "accepted_before", "open"},
}


def highlighted(text: str, terms: list[str], *, width: int = SNIPPET) -> SafeString:
    """``text`` around its first match, escaped, each match of a term in <mark>."""
    folded = search.normalize(text)
    if len(folded) != len(text):  # NFKC changed the length (rare ligatures): show the text plain
        return escape(text[:width])
    first = min((i for i in (folded.find(term) for term in terms) if i >= 0), default=0)
    start = max(first - width // 3, 0)
    piece, low = text[start:start + width], folded[start:start + width]
    marks = [False] * len(piece)
    for term in terms:
        at = low.find(term)
        while at >= 0:
            marks[at:at + len(term)] = [True] * len(term)
            at = low.find(term, at + 1)
    out, i = [], 0
    while i < len(piece):
        j = i
        while j < len(piece) and marks[j] == marks[i]:
            j += 1
        chunk = escape(piece[i:j])
        out.append(f"<mark>{chunk}</mark>" if marks[i] else chunk)
        i = j
    return mark_safe(("…" if start else "") + "".join(out) + ("…" if start + width < len(text) else ""))  # noqa: S308


@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def search_page(request):
    user = request.user
    query = request.GET.get("q", "")
    found = WorkOrderFilter(filled(request.GET), queryset=selectors.visible_work_orders(user), request=request)
    results, error, status, terms = [], "", 200, []
    if not found.is_valid():
        status = 400
    elif query.strip():
        try:
            terms = search.query_terms(query)
            # What the rows show, and nothing else (an order has 60 columns and four joins).
            shown = found.qs.select_related(None).select_related("customer").prefetch_related(None).only(
                *RESULT_COLUMNS)
            results = selectors.search_work_orders(user, shown, query)
        except DomainError as refused:
            error, status = refused.detail, refused.status_code
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    writer = SearchRows(now=timezone.now())
    hits = [writer.row(order, phone_for(user, order.caller_number), highlighted(order.description, terms))
            for order in page]
    return render(request, "tickets/queue/search.html", {
        "query": query[:search.MAX_QUERY], "filter": found, "page": page, "hits": hits, "error": error,
        "searched": bool(query.strip()) and not error and status == 200,
        "limited": getattr(results, "limited", False), "count_limit": selectors.COUNT_LIMIT,
        "now": timezone.now(), "kinds": Kind.choices, "states": State.choices,
        "department_options": select_options(department_choices(), found.form["department"].value()),
        "unit_options": select_options(unit_choices(), found.form["unit"].value()),
        "saved": selectors.saved_filters(user, SavedFilterPage.SEARCH), "saved_page": SavedFilterPage.SEARCH,
        **bulk_context(),
    }, status=status)


@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_POST
def saved_filter_save(request):
    page = request.POST.get("page", "")
    target = "tickets:search" if page == SavedFilterPage.SEARCH else "tickets:queue"
    query = QueryDict(request.POST.get("query", "")[:2000])
    try:
        saved = services.saved_filter_save(user=request.user, page=page, name=request.POST.get("name", ""),
                                           query=query, keys=FILTER_KEYS.get(page, set()))
    except DomainError as refused:
        messages.error(request, refused.detail)
        return redirect(f"{reverse(target)}?{query.urlencode()}")
    messages.success(request, _("Saved the filters as “%(name)s”.") % {"name": saved.name})
    return redirect(f"{reverse(target)}?{saved.query}")


@login_required
@permission_required(SEES_ORDERS, raise_exception=True)
@require_POST
def saved_filter_delete(request, pk: int):
    if pk > MAX_ID:
        raise Http404
    try:
        services.saved_filter_delete(user=request.user, pk=pk)
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The saved filter has been deleted."))
    return redirect(_next_url(request) or "tickets:queue")
