"""``{% calendar_warning %}``: the supervisors' reminder to enter a year's holiday arrangement (shown on the ledger and
the dashboard from 1 November until next year's is in; working-day deadlines meanwhile are provisional)."""

from django import template
from django.template.loader import render_to_string

from ..selectors import calendar_years_missing

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_warning(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("tickets.change_calendaryear"):
        return ""
    years = calendar_years_missing()
    if not years:
        return ""
    return render_to_string("tickets/_calendar_warning.html", {"years": years}, request=request)
