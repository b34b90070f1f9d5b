"""The audit trail page 审计日志 for supervisors and managers: who changed which rule, policy, phrase, calendar day,
lead time, user's roles or role, when, before → after, and every reversal. Read-only: GET only."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from tickets.models import User

from . import audit

PAGE_SIZE = 50
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), required=False, choices=[("", _("All")), *audit.AuditKind.choices])
    user = forms.ModelChoiceField(label=_("Changed by"), required=False, to_field_name="username",
                                  queryset=User.objects.order_by("username"), empty_label=_("All"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            if data.get(name) and not FIRST_DAY <= data[name] <= LAST_DAY:
                self.add_error(name, _("Choose a date between 2000 and 2099."))
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def index(self):
        data = self.cleaned_data
        since, until = audit.day_bounds(data.get("date_from"), data.get("date_to"))
        return audit.audit_index(kinds=[data["kind"]] if data.get("kind") else None, actor=data.get("user"),
                                 since=since, until=until)


@login_required
@permission_required("kpi.view_audit", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def audit_trail(request):
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    page = Paginator(form.index() if valid else [], PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "kpi/audit.html", {
        "form": form, "page": page, "events": audit.audit_events(page.object_list),
    }, status=200 if valid else 400)
