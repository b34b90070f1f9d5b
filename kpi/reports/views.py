"""The reports page /kpi/reports/: ask for a monthly assessment report and follow the runs (supervisors and
managers). Thin: reads from ``selectors``, the request goes through ``services.report_request``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..models import ReportStatus
from . import selectors, services
from .forms import ReportRequestForm

PAGE_SIZE = 20


@login_required
@permission_required("kpi.export_report", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def reports(request):
    form = ReportRequestForm(
        request.POST if request.method == "POST" else None,
        initial={"period": selectors.default_period(), "format": "xlsx"},
        max_period=services.period_of(timezone.now()),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        run = form.submit(services.report_request, actor=request.user, period=data["period"], unit=data["unit"],
                          fmt=data["format"], language=services.request_language(get_language()))
        if run is not None:
            messages.success(request, _("The report of %(period)s has been asked for; it is generated in the "
                                        "background and its progress shows below.") % {"period": run.period})
            return redirect("kpi:reports")
    page = Paginator(selectors.report_runs(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "kpi/reports.html", {
        "form": form, "page": page, "status_labels": dict(ReportStatus.choices),
    }, status=form.status_code)
