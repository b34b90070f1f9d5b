"""The reports page's form. It parses the input; ``report_request`` decides (its refusals become form errors)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.forms import ServiceForm
from tickets.models import Unit

from ..models import ReportFormat


class ReportRequestForm(ServiceForm):
    # The service speaks English to the API; the page shows its refusals in the user's language (by code).
    service_messages = {
        "bad_period": _("Choose a month (YYYY-MM) from 2000 on."),
        "future_period": _("That month has not begun yet: choose this month or an earlier one."),
        "unknown_unit": _("That unit does not exist."),
        "unknown_format": _("Choose XLSX, CSV or PDF."),
    }

    period = forms.CharField(
        label=_("Month"), max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}",
                                      "required": True}),
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("code"), required=False,
                                  empty_label=_("Whole center"),
                                  help_text=_("A unit's report adds up the unit and every unit below it."))
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.XLSX,
                               widget=forms.RadioSelect)

    def __init__(self, *args, max_period: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.attrs["max"] = max_period  # the month picker stops at the current month
