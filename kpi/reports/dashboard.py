"""The manager's dashboard 管理看板: the monthly assessment's figures as charts, month over month, for a unit.

Thin: the figures come from ``trends.monthly_trends`` (which reads ``figures.monthly_assessment``); this module
only parses the unit and month, and shapes the numbers for the page: once as tables (readable without
JavaScript) and once as JSON in a ``json_script`` tag, which ``static/js/dashboard.js`` draws with Chart.js.
"""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from tickets.models import Unit

from ..forms import rule_name
from ..periods import period_of
from . import trends

# Who sees it: whoever may read the monthly assessment whose figures it charts (managers and supervisors,
# kpi/roles.py). Agents, department handlers and shift leads may not.
DASHBOARD_PERMISSION = "kpi.export_report"
MONTHS = 12  # shown on the charts
MONTH_CHOICES = trends.MAX_MONTHS  # how far back the month select goes

# The words of the charts (the page's language; Chinese by default), read by dashboard.js.
CHART_TEXT = {
    "complaints_received": _("Complaints accepted"),
    "complaint_reply_rate": _("Replies on time %"),
    "complaint_handling_rate": _("Handling rate %"),
    "arrival_rate": _("Repair arrival on time %"),
    "within_limit_rate": _("Answered within 3 rings %"),
    "satisfaction_rate": _("Satisfaction %"),
    "net": _("Net total (yuan)"),
    "count": _("Count"),
    "percent": _("Percent"),
    "yuan": _("Yuan"),
    "agent_net": _("Net penalties (yuan)"),
    "best": _("Best"),
    "worst": _("Worst"),
}


def _units_in_tree_order() -> list[tuple[Unit, int]]:
    units = list(Unit.objects.order_by("code"))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    known = {unit.pk for unit in units}
    roots = [unit for unit in units if unit.parent_id is None or unit.parent_id not in known]
    ordered, stack = [], [(unit, 0) for unit in reversed(roots)]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    return ordered


class DashboardForm(forms.Form):
    """?unit=<id> (empty: the whole center) & month=YYYY-MM (one of the last 36 months)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.all(), required=False,
                                  empty_label=_("Whole center"))
    month = forms.ChoiceField(label=_("Month"))

    def __init__(self, data, *, now):
        super().__init__(data)
        # The select lists the units in tree order, indented (the queryset validates the id).
        field = self.fields["unit"]
        field.choices = [("", field.empty_label),
                         *[(unit.pk, "\u3000" * depth + unit.name) for unit, depth in _units_in_tree_order()]]
        periods = trends.periods_until(period_of(now), MONTH_CHOICES)
        self.fields["month"].choices = [(period, period) for period in reversed(periods)]


def percent(rate: Decimal | None) -> float | None:
    """A rate (a fraction with 4 places) as a percentage with 2 places; None when there was nothing to count."""
    return None if rate is None else float(rate * 100)


def money(amount: Decimal) -> float:
    return float(amount)


def _month_json(month: dict) -> dict:
    row = {"period": month["period"]}
    row.update({key: month[key] for key in trends.COUNTS})
    row.update({key: percent(month[key]) for key in trends.RATES})
    row.update({key: money(month[key]) for key in trends.MONEY})
    row["by_rule"] = {code: money(net) for code, net in month["penalties_by_rule"].items()}
    return row


def _agent_json(agent: dict) -> dict:
    return {"rank": agent["rank"], "username": agent["username"], "name": agent["name"], "unit": agent["unit"],
            "net": money(agent["net"]), "within_limit_rate": percent(agent["within_limit_rate"]),
            "calls_answered": agent["calls_answered"]}


def _figure_text(value, kind: str, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    if kind == "count":
        return f"{value:+d}" if signed else f"{value}"
    sign = "+" if signed else ""
    return f"{value:{sign}.2f}" + (" %" if kind == "percent" and not signed else "")


def _summary(months: list[dict]) -> list[dict]:
    """The selected month's headline figures and their change from the month before (percentage points for a
    rate)."""
    current, previous = months[-1], months[-2] if len(months) > 1 else None
    cards = []
    for key, label, kind in (
        ("complaints_received", _("Complaints accepted"), "count"),
        ("complaint_reply_rate", _("Replies on time %"), "percent"),
        ("complaint_handling_rate", _("Handling rate %"), "percent"),
        ("arrival_rate", _("Repair arrival on time %"), "percent"),
        ("within_limit_rate", _("Answered within 3 rings %"), "percent"),
        ("satisfaction_rate", _("Satisfaction %"), "percent"),
        ("net", _("Net penalties (yuan)"), "money"),
    ):
        value = current[key]
        before = previous[key] if previous is not None else None
        change = None if value is None or before is None else round(value - before, 2)
        cards.append({"key": key, "label": label, "value": _figure_text(value, kind),
                      "change": None if change is None else _figure_text(change, kind, signed=True)})
    return cards


@login_required
@permission_required(DASHBOARD_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def dashboard(request):
    now = timezone.now()
    data = request.GET.copy()
    data.setdefault("unit", str(request.user.unit_id or ""))  # the user's own unit unless chosen
    data.setdefault("month", period_of(now))
    form = DashboardForm(data, now=now)
    if not form.is_valid():
        return render(request, "kpi/dashboard.html", {"form": form}, status=400)

    unit, period = form.cleaned_data["unit"], form.cleaned_data["month"]
    found = trends.monthly_trends(unit=unit, months=MONTHS, until=period)
    return render(request, "kpi/dashboard.html", {"form": form, **_page(found)})


def _page(found: trends.Trends) -> dict:
    """The page's figures: the JSON the charts are drawn from, and the same numbers for the tables."""
    months = [_month_json(month) for month in found.months]
    rules = [{"code": rule.code, "name": rule_name(rule)} for rule in found.rules]  # in the page's language
    best, worst = ([_agent_json(a) for a in agents] for agents in found.ranking_ends())
    data = {
        "period": found.period,
        "unit": found.unit.name if found.unit is not None else str(_("Whole center")),
        "months": months,
        "rules": rules,
        "ranking": {"best": best, "worst": worst, "agents": len(found.ranking)},
        "text": {key: str(text) for key, text in CHART_TEXT.items()},
    }
    return {
        "data": data, "unit": found.unit, "period": found.period, "months": months, "rules": rules,
        "penalty_rows": [  # one column per rule seen in any of the months
            {**month, "amounts": [month["by_rule"].get(rule["code"], 0.0) for rule in rules]} for month in months],
        "agents": len(found.ranking), "worst": worst,
        "ranking_groups": [{"key": key, "label": label, "agents": agents}
                           for key, label, agents in (("best", _("Best"), best), ("worst", _("Worst"), worst))
                           if agents],
        "summary": _summary(months), "computed_at": found.months[-1]["generated_at"],
        "short_timeout": trends.SHORT_TIMEOUT, "settling_minutes": trends.SETTLING_TIMEOUT // 60,
        "long_hours": trends.LONG_TIMEOUT // 3600,
    }
