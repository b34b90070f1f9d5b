"""Forms of the shift pages. They parse and validate input; the services decide."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contactcenter.forms import DATETIME_INPUTS
from contactcenter.forms import ServiceForm as BaseServiceForm
from tickets.models import Role, Unit, User

from . import services
from .models import Handover, HandoverItem, HandoverItemKind, HandoverState, ShiftTemplate

# With a context: "Accepted" of a work order is 已受理, of a handover 已接班.
HANDOVER_STATES = {
    HandoverState.DRAFT.value: pgettext_lazy("handover state", "Draft"),
    HandoverState.SUBMITTED.value: pgettext_lazy("handover state", "Submitted"),
    HandoverState.REFUSED.value: pgettext_lazy("handover state", "Refused"),
    HandoverState.ACCEPTED.value: pgettext_lazy("handover state", "Accepted"),
}

# The pages' own words for some refusals, by the error's code (the services' messages are in the user's language).
SERVICE_CODES = {
    "shift_exists": _("This unit already has that shift on that date."),
    "member_checked_in": _("A member who has checked in cannot be removed."),
    "already_checked_in": _("You have already checked in."),
    "shift_ended": _("This shift has ended."),
    "too_early": _("Check-in opens two hours before the shift starts."),
    "not_checked_in": _("Check in first."),
    "already_checked_out": _("You have already checked out."),
    "handover_signed": _("Items are added before the handover is signed."),
    "unknown_transition": _("The handover has no such step."),
    "transition_not_allowed": _("This step is not allowed in the handover's current state; reload the page."),
    "no_incoming_shift": _("There is no incoming shift to accept this handover."),
    "concurrent_change": _("Someone else changed the handover meanwhile; reload the page and try again."),
    "flag_reason_required": _("Say why this order could have been handled in the shift: its first-question owner "
                              "is charged for it (seed 000 考核 6)."),
}


class ServiceForm(BaseServiceForm):
    service_messages = SERVICE_CODES


def _people(*roles: str):
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by("username")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class ShiftForm(ServiceForm):
    """Roster a shift: a unit, a template, a date, a lead and the members."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("code"))
    template = forms.ModelChoiceField(label=_("Shift"), queryset=ShiftTemplate.objects.filter(active=True))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           input_formats=["%Y-%m-%d"])
    lead = PersonChoiceField(label=_("Shift lead"), queryset=User.objects.none())
    members = PeopleChoiceField(label=_("Members"), queryset=User.objects.none(), required=False,
                                widget=forms.CheckboxSelectMultiple,
                                help_text=_("The lead is always a member."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _people(Role.SHIFT_LEAD, Role.SUPERVISOR)
        self.fields["members"].queryset = _people(Role.AGENT, Role.SHIFT_LEAD)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if not dt.date(2000, 1, 1) <= date <= dt.date(2099, 12, 31):
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."))
        return date

    def clean_members(self):
        return list(self.cleaned_data["members"])


class AttendanceForm(ServiceForm):
    """Check-in / check-out: no fields, the button is the input."""


class HandoverItemForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(HandoverItemKind.REPLY.value, HandoverItemKind.REPLY.label),
                                                       (HandoverItemKind.NOTE.value, HandoverItemKind.NOTE.label)])
    text = forms.CharField(label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(
        label=_("Due at"), required=False, input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time (Asia/Shanghai); for a reply owed, when it is due."),
    )

    def clean_due_at(self):
        due_at = self.cleaned_data.get("due_at")
        if due_at is not None and not dt.date(2000, 1, 1) <= due_at.date() <= dt.date(2099, 12, 31):
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."))
        return due_at


class SubmitForm(ServiceForm):
    """The outgoing lead's checklist and signature (seed 000 交接-班规定 2, 4)."""

    cleaning_done = forms.BooleanField(label=_("Cleaning done"), required=False)
    equipment_ok = forms.BooleanField(label=_("Equipment in order"), required=False)
    items_counted = forms.BooleanField(label=_("Items counted"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(ServiceForm):
    """The incoming lead's review: a "could have been handled in the shift" box and a note per carried order,
    then accept; or refuse with a reason (and the "cleaning not done" box)."""

    ACCEPT, REFUSE = "accept", "refuse"

    action = forms.ChoiceField(choices=[(ACCEPT, ACCEPT), (REFUSE, REFUSE)], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for refusing"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    for_cleaning = forms.BooleanField(label=_("Cleaning not done"), required=False)

    def __init__(self, *args, items: list[HandoverItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"flag_{item.pk}"] = forms.BooleanField(
                label=_("Could have been handled in the shift"), required=False)
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), max_length=2000, required=False,
                widget=forms.TextInput(attrs={"placeholder": _("Why it could have been handled")}))

    def rows(self):
        """(item, flag field, note field) for the template."""
        return [(item, self[f"flag_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def clean(self):
        data = super().clean()
        if data.get("action") == self.ACCEPT:
            for item in self.items:
                if data.get(f"flag_{item.pk}") and not (data.get(f"note_{item.pk}") or "").strip():
                    self.add_error(f"note_{item.pk}", SERVICE_CODES["flag_reason_required"])
        return data

    def flagged(self) -> list[dict]:
        return [{"item": item.pk, "note": self.cleaned_data.get(f"note_{item.pk}", "")}
                for item in self.items if self.cleaned_data.get(f"flag_{item.pk}")]

    def perform(self, *, handover: Handover, actor: User) -> Handover:
        """Accept with the flagged items, or refuse with the reason: the incoming lead's typed service."""
        if self.cleaned_data["action"] == self.REFUSE:
            return services.handover_refuse(handover=handover, actor=actor, reason=self.cleaned_data["reason"],
                                            for_cleaning=self.cleaned_data["for_cleaning"])
        return services.handover_accept(handover=handover, actor=actor, flagged=self.flagged())


class WeekForm(forms.Form):
    """The roster page's unit and week (any date of it)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("code"), required=False)
    week = forms.DateField(label=_("Week of"), required=False, input_formats=["%Y-%m-%d"],
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean_week(self):
        week = self.cleaned_data.get("week")
        if week is not None and not dt.date(2000, 1, 1) <= week <= dt.date(2099, 12, 31):
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."))
        return week
