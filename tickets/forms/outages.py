"""Forms of the outage notice pages 停电信息. They parse and validate input; ``services.outages`` decides."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contactcenter.drf import MAX_ID
from contactcenter.errors import InvalidInput
from contactcenter.forms import ServiceForm, local_datetime_field

from .. import services
from ..models import Department, Kind, OutageKind, OutageNotice, User, WorkOrder
from ..serializers.outages import AREA_MAX, CAUSE_MAX
from ..services.customers import normalize_phone

# The pages' own words for some refusals, by the error's code (the services' messages are in the user's language).
SERVICE_CODES = {
    "unknown_transition": _("The notice has no such step."),
    "transition_not_allowed": _("This step is not allowed in the notice's current state; reload the page."),
    "concurrent_change": _("Someone else changed the notice meanwhile; reload the page and try again."),
}
SERVICE_MESSAGES = {
    "area_term_too_short": _("Each community, street or feeder needs at least two characters (one character, such "
                             "as 市, would match every address)."),
}

WIDE_AREA = _("The area matches %(matched)s of the unit's %(customers)s customers: every repair call from them would "
              "be linked to this notice. Check the area, or tick the box to confirm it is this wide.")

# Button labels of the transitions ("Update" and "Close" are common words: give them a context).
TRANSITION_LABELS = {
    "publish": pgettext_lazy("outage transition", "Publish"),
    "update": pgettext_lazy("outage transition", "Update"),
    "restore": pgettext_lazy("outage transition", "Power restored"),
    "close": pgettext_lazy("outage transition", "Close"),
}
HISTORY_LABELS = {"create": pgettext_lazy("outage transition", "Receive"), **TRANSITION_LABELS}


class OutageServiceForm(ServiceForm):
    service_messages = {**SERVICE_MESSAGES, **SERVICE_CODES}
    needs_confirmation = False  # the area matched a large share of customers: the confirmation box is shown
    service: staticmethod  # a step's form: the typed service it calls with ``params()``

    def params(self) -> dict:
        return {}

    def perform(self, *, notice: OutageNotice, actor: User) -> OutageNotice:
        return self.service(notice=notice, actor=actor, **self.params())

    def submit(self, service, **kwargs):
        def watched(**inner):
            try:
                return service(**inner)
            except InvalidInput as error:
                if error.code == "wide_area_needs_confirmation":
                    self.needs_confirmation = True
                    self.service_messages = {**self.service_messages, error.code: WIDE_AREA % {
                        "matched": error.extra["matched"], "customers": error.extra["customers"]}}
                raise

        return super().submit(watched, **kwargs)


def _confirm_wide_area():
    return forms.BooleanField(label=_("Yes, the area is this wide"), required=False,
                              help_text=_("Every repair call from these customers will be linked to this notice."))


local_datetime = local_datetime_field


def _in_range(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and not dt.date(2000, 1, 1) <= value.date() <= dt.date(2099, 12, 31):
        raise forms.ValidationError(_("Choose a date between 2000 and 2099."))
    return value


class OutageForm(OutageServiceForm):
    """A notice passed on by another department (kind, area, cause, start, expected restoration)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=OutageKind.choices)
    area = forms.CharField(label=_("Affected area"), max_length=AREA_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Communities, streets or feeders; one per line"))
    cause = forms.CharField(label=pgettext_lazy("outage", "Cause"), max_length=CAUSE_MAX)
    starts_at = local_datetime(pgettext_lazy("outage", "Starts at"), help_text=_("Local time (Asia/Shanghai)."))
    expected_restore_at = local_datetime(_("Expected restoration"))
    source_department = forms.ModelChoiceField(label=_("Source department"), required=False,
                                               queryset=Department.objects.order_by("name"))
    received_at = local_datetime(_("Received at"), required=False,
                                 help_text=_("When the department passed it on; now when left empty."))

    # The repair orders a surge proposed the notice from (ids, comma-separated): linked once it is published.
    proposed_orders = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def clean_proposed_orders(self) -> list[WorkOrder]:
        ids = [part.strip() for part in (self.cleaned_data.get("proposed_orders") or "").split(",") if part.strip()]
        if not all(part.isdigit() and int(part) <= MAX_ID for part in ids):
            raise forms.ValidationError(_("Invalid list of orders."))
        return list(WorkOrder.objects.filter(pk__in=[int(part) for part in ids], kind=Kind.REPAIR))

    def clean_starts_at(self):
        return _in_range(self.cleaned_data.get("starts_at"))

    def clean_expected_restore_at(self):
        return _in_range(self.cleaned_data.get("expected_restore_at"))

    def clean_received_at(self):
        return _in_range(self.cleaned_data.get("received_at"))


class PublishForm(OutageServiceForm):
    """The button is the input; an unusually wide area needs the box ticked (shown when it does)."""

    service = staticmethod(services.outage_publish)

    confirm_wide_area = _confirm_wide_area()

    def params(self) -> dict:
        return {"confirm_wide_area": bool(self.cleaned_data.get("confirm_wide_area"))}


class UpdateForm(OutageServiceForm):
    service = staticmethod(services.outage_update)

    expected_restore_at = local_datetime(_("Expected restoration"), required=False)
    cause = forms.CharField(label=pgettext_lazy("outage", "Cause"), max_length=CAUSE_MAX, required=False)
    area = forms.CharField(label=_("Affected area"), max_length=AREA_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    confirm_wide_area = _confirm_wide_area()

    def clean_expected_restore_at(self):
        return _in_range(self.cleaned_data.get("expected_restore_at"))

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(name) for name in ("expected_restore_at", "cause", "area")):
            raise forms.ValidationError(_("Give a new expected restoration, cause or area."))
        return data

    def params(self) -> dict:
        data = self.cleaned_data
        return {"expected_restore_at": data.get("expected_restore_at"), "cause": data.get("cause") or None,
                "area": data.get("area") or None, "confirm_wide_area": bool(data.get("confirm_wide_area"))}


class RestoreForm(OutageServiceForm):
    service = staticmethod(services.outage_restore)

    restored_at = local_datetime(_("Restored at"), required=False, help_text=_("Now when left empty."))

    def clean_restored_at(self):
        return _in_range(self.cleaned_data.get("restored_at"))

    def params(self) -> dict:
        return {"restored_at": self.cleaned_data.get("restored_at")}


class CloseForm(OutageServiceForm):
    service = staticmethod(services.outage_close)


# The URL's step name → its form (the pages' router); each form calls its own typed service.
TRANSITION_FORMS: dict[str, type[OutageServiceForm]] = {
    "publish": PublishForm, "update": UpdateForm, "restore": RestoreForm, "close": CloseForm,
}


class CallerLookupForm(forms.Form):
    """The caller's phone number (as the telephony system shows it, or typed)."""

    phone = forms.CharField(label=_("Caller's phone"), max_length=32,
                            widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "tel"}))

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except InvalidInput:
            raise forms.ValidationError(_("Enter a phone number.")) from None
