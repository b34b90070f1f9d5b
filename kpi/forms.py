"""Forms of the supervisor's ledger pages. They parse and validate input; the services decide."""

from decimal import Decimal

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contactcenter.forms import ServiceForm, local_datetime_field
from tickets.models import Department, User

from .filters import PERIOD, LedgerEntryFilter
from .models import PenaltyRule


def rule_name(rule) -> str:
    """A rule's name in the current language (a ``PenaltyRule`` or a ``ledger_totals`` row)."""
    if isinstance(rule, dict):
        zh, en = rule["name_zh"], rule["name_en"]
    else:
        zh, en = rule.name_zh, rule.name_en
    return en if (get_language() or "").startswith("en") and en else zh


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PenaltyRule) -> str:
        return f"{obj.code} · {rule_name(obj)}"


class RuleFilter(django_filters.ModelChoiceFilter):
    field_class = RuleChoiceField


class LedgerPageFilter(LedgerEntryFilter):
    """The API's ledger filters, as a page form: a month picker and a single rule."""

    period = django_filters.CharFilter(
        label=_("Period"),
        validators=[RegexValidator(PERIOD.regex, _("Enter a month as YYYY-MM."))],
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}", "size": 7}),
    )
    rule = RuleFilter(field_name="rule", to_field_name="code", queryset=PenaltyRule.objects.order_by("code"),
                      label=_("Rule"))

    LABELS = {"unit": _("Unit"), "department": _("Department"), "agent": _("Agent"), "kind": _("Kind")}
    SHOWN = ["period", "unit", "department", "agent", "rule", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.filters[name].label = label
        self.filters["agent"].extra["queryset"] = User.objects.order_by("username")
        for name in ("unit", "department", "agent", "rule", "kind"):
            self.filters[name].extra["empty_label"] = _("All")

    def shown_fields(self):
        return [self.form[name] for name in self.SHOWN]


class ReverseForm(ServiceForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Why the appeal is upheld, e.g. the customer withdrew the complaint."))


class ManualEntryForm(ServiceForm):
    """A penalty found by a person (e.g. intranet_violation). Manual rules are listed first."""

    rule = RuleChoiceField(label=_("Rule"), queryset=PenaltyRule.objects.filter(enabled=True).order_by("-manual",
                                                                                                        "code"))
    # seed 000 考核 charges the hotline's on-duty staff: those who take calls (agents, leads, supervisors).
    agent = forms.ModelChoiceField(
        label=_("Agent"), required=False,
        queryset=User.objects.filter(is_active=True, groups__permissions__codename="take_calls",
                                     groups__permissions__content_type__app_label="tickets")
        .distinct().order_by("username"))
    department = forms.ModelChoiceField(label=_("Department"), required=False,
                                        queryset=Department.objects.order_by("code"),
                                        help_text=_("Charge either an agent or a department."))
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, max_digits=10, decimal_places=2,
                                min_value=Decimal("0.01"),
                                help_text=_("Empty: the rule's amount. Another amount only by a supervisor."))
    amount_reason = forms.CharField(label=_("Why this amount"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("Needed when the amount differs from the rule's."))
    occurred_at = local_datetime_field(_("Occurred at"), required=False,  # 2000–2099: year 0001 is no 500
                                       help_text=_("Local time (Asia/Shanghai). Empty: now."))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not user.has_perm("kpi.set_entry_amount"):
            # A lead posts the rule's amount (design "Penalties": another amount only by a supervisor).
            del self.fields["amount"], self.fields["amount_reason"]

    def clean(self):
        data = super().clean()
        if ("agent" in data and "department" in data) and (data["agent"] is None) == (data["department"] is None):
            raise forms.ValidationError(_("Charge either an agent or a department, not both."))
        return data
