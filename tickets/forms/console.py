"""The agent console's form 来电工作台: who called, what about, and the fewest fields to accept the order.

It parses and validates input; ``services.work_order_create`` and ``services.call_log`` decide."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.errors import InvalidInput
from contactcenter.forms import ServiceForm, local_datetime_field

from ..models import AreaType, Call, CallOutcome, CustomerText, Kind
from ..serializers import NOTE_MAX, TEXT_MAX
from ..services.customers import normalize_phone

# What the call was: a work order of one of the five kinds, or a call that ends with its outcome logged.
ANSWERED = "answered"
CALL_OUTCOMES = [
    (ANSWERED, _("Answered on the call")),
    (CallOutcome.WRONG_NUMBER.value, CallOutcome.WRONG_NUMBER.label),
    (CallOutcome.SILENT.value, CallOutcome.SILENT.label),
    (CallOutcome.HARASSMENT.value, CallOutcome.HARASSMENT.label),
]
# In this order they get the shortcuts Alt+1 … Alt+9 (console.js).
CLASSIFICATIONS = [*Kind.choices, *CALL_OUTCOMES]
ORDER_KINDS = frozenset(Kind.values)

ONLY_CONSULTATIONS = _("Only a consultation can be answered on the call.")
# The page's own words for some refusals, by the error's code (the services' messages are in the user's language).
SERVICE_MESSAGES = {
    "invalid_phone": _("Enter a phone number."),
    "unknown_account": _("No customer has this account number."),
    "in_future": _("The call cannot have started in the future."),
    "call_too_old": _("A call you type in is logged within an hour of its first ring; older calls come from the "
                      "telephony system."),
}


class ConsoleForm(ServiceForm):
    """One call: typed in, or the telephony system's call chosen on the incoming panel (``call``)."""

    service_messages = SERVICE_MESSAGES

    call = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    caller_number = forms.CharField(
        label=_("Caller's phone"), max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "aria-keyshortcuts": "Alt+F"}))
    account_number = forms.CharField(label=_("Account number"), max_length=32, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    # Required unless the call is recorded as an urge on an open order (``urging``): checked in ``clean``.
    classification = forms.ChoiceField(label=_("The call is"), choices=CLASSIFICATIONS, widget=forms.RadioSelect,
                                       required=False)
    urge = forms.IntegerField(label=_("Urge this order"), required=False, min_value=1, max_value=2**63 - 1,
                              widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("Description"), max_length=TEXT_MAX, required=False,
        help_text=_("What the customer asks for, in their words. For a call without an order: a note."),
        widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(
        label=_("Answer given on the call"), max_length=TEXT_MAX, required=False,
        help_text=_("A consultation answered on the call is closed at once."),
        widget=forms.Textarea(attrs={"rows": 2, "data-phrase-check": "", "data-phrase-kind": Kind.CONSULTATION,
                                     "data-phrase-context": CustomerText.ANSWER}))
    confirm_phrases = forms.BooleanField(
        label=_("Keep the highlighted words"), required=False,
        help_text=_("They are words to avoid (e.g. 大概, 可能, 也许): keep them only if you are sure. "
                    "Your confirmation is recorded."),
        widget=forms.CheckboxInput(attrs={"data-phrase-confirm": ""}))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False,
                              help_text=_("The customer record's address when left empty."))
    area_type = forms.ChoiceField(label=_("Area type"), choices=[("", _("As in the customer record")),
                                                                 *AreaType.choices], required=False)
    # A call typed in by the agent (none chosen on the incoming panel).
    rang_at = local_datetime_field(_("Rang at"), required=False, help_text=_("Now when left empty."))
    ring_seconds = forms.IntegerField(label=_("Ring seconds"), min_value=0, max_value=3600, required=False)

    def __init__(self, *args, agent=None, calls=None, urging: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.urging = urging  # the agent pressed "Record as an urge" (Alt+R) with an open order chosen
        self.agent = agent
        self.calls = calls  # calls this agent may choose: ``selectors_console.agent_call``
        self.needs_confirmation = False  # the answer has words that only warn: the confirmation box is shown

    def submit(self, service, **kwargs):
        def watched(**inner):
            try:
                return service(**inner)
            except InvalidInput as error:
                self.needs_confirmation = error.code == "phrase_needs_confirmation"
                raise

        return super().submit(watched, **kwargs)

    def clean_caller_number(self):
        try:
            return normalize_phone(self.cleaned_data["caller_number"])
        except InvalidInput:
            raise forms.ValidationError(SERVICE_MESSAGES["invalid_phone"]) from None

    def clean_account_number(self):
        return self.cleaned_data["account_number"].strip()

    def clean_call(self) -> Call | None:
        pk = self.cleaned_data.get("call")
        if pk is None:
            return None
        call = self.calls(self.agent, pk) if self.calls else None
        if call is None:
            raise forms.ValidationError(_("This call is not one of yours."))
        return call

    def clean(self):
        data = super().clean()
        classification = data.get("classification")
        if self.urging:
            if not data.get("urge") and "urge" not in self.errors:
                self.add_error("urge", _("Choose the open order the customer calls about."))
            if len(data.get("description", "")) > NOTE_MAX:
                self.add_error("description", _("A note has at most %(max)d characters.") % {"max": NOTE_MAX})
            return data
        if not classification and "classification" not in self.errors:
            self.add_error("classification", self.fields["classification"].error_messages["required"])
        if classification in ORDER_KINDS and not data.get("description", "").strip():
            self.add_error("description", _("Describe what the customer asks for."))
        if data.get("answer") and classification != Kind.CONSULTATION:
            self.add_error("answer", ONLY_CONSULTATIONS)
        if classification not in ORDER_KINDS and len(data.get("description", "")) > NOTE_MAX:
            self.add_error("description", _("A note has at most %(max)d characters.") % {"max": NOTE_MAX})
        return data

    @property
    def creates_order(self) -> bool:
        return self.cleaned_data["classification"] in ORDER_KINDS

    def order_params(self) -> dict:
        """``work_order_create``'s inputs."""
        data = self.cleaned_data
        return {
            "kind": data["classification"], "description": data["description"].strip(),
            "caller_number": data["caller_number"], "account_number": data["account_number"],
            "title": data["title"].strip(), "address": data["address"].strip(), "area_type": data["area_type"],
            "answer": data["answer"].strip(), "confirm_phrases": bool(data.get("confirm_phrases")),
        }

    def call_params(self) -> dict:
        """``call_log``'s inputs for a call typed in by the agent: it rang for ``ring_seconds`` from ``rang_at``
        (without ``rang_at``: it was answered just now) and has ended by now."""
        data = self.cleaned_data
        now = timezone.now()
        ringing = dt.timedelta(seconds=data.get("ring_seconds") or 0)
        rang_at = data.get("rang_at") or now - ringing
        answered_at = rang_at + ringing
        classification = ANSWERED if self.urging else data["classification"]
        return {
            "caller_number": data["caller_number"], "ring_started_at": rang_at, "answered_at": answered_at,
            "ended_at": now if now >= answered_at else None,
            "outcome": CallOutcome.ANSWERED if classification in ORDER_KINDS or classification == ANSWERED
            else classification,
            "note": "" if classification in ORDER_KINDS else data["description"].strip(),
        }
