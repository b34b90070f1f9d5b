"""Forms of the queue, order and callback pages: one form per work-order transition, with the fields of its API
input (``tickets.serializers.transition_input_serializer``). They parse the input; ``services.workorders``
decides, and its refusals become errors on the form (``contactcenter.forms.ServiceForm``), in the words of
``labels``. Over 400 lines: one small form per transition (twenty-odd) with the table that routes a URL's
transition name to its form at the end — split by family, the table would import from everywhere."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.errors import InvalidInput
from contactcenter.forms import ServiceForm

from ..models import (
    Call,
    CustomerText,
    Department,
    DepartmentKind,
    FaultCause,
    FindingCause,
    Kind,
    Material,
    OutageNotice,
    OutageState,
    Rating,
    User,
    WorkOrder,
)
from ..reference import department_members, departments_with_units
from ..serializers import NOTE_MAX, TEXT_MAX
from ..services import workorders as actions
from .labels import SERVICE_CODES
from .labels import TRANSITION_LABELS as TRANSITION_LABELS  # re-exported: the queue pages import it from here

RECENT_CALLS = 10  # the urge form offers the customer's latest calls

# The phrases service refuses a text written to a customer with these codes and {"phrases": [...]}: a phrase that
# blocks, or one that only warns and was not confirmed (the form then offers the confirmation box).
FORBIDDEN_PHRASE = "forbidden_phrase"
NEEDS_CONFIRMATION = "phrase_needs_confirmation"

YES_NO = [("true", _("Yes")), ("false", _("No"))]


def _boolean(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


def _text(label, *, max_length=TEXT_MAX, rows=4, phrase_check=False, required=True, help_text=None):
    attrs = {"rows": rows}
    if phrase_check:
        attrs["data-phrase-check"] = ""  # static/js/phrase-check.js checks it live while the agent types
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs=attrs))


def _person(user: User) -> str:
    return _named(user.username, user.get_full_name())


def _named(username: str, name: str) -> str:
    return f"{name} ({username})" if name else username


class TransitionForm(ServiceForm):
    """A transition's inputs; ``perform`` calls the form's typed service (``service``) with ``params()`` (the note
    goes to the history row). ``situation`` names the standard phrases shown beside a text written to a customer."""

    service: staticmethod  # the typed service this form calls (``actions.work_order_dispatch`` …)

    service_messages = SERVICE_CODES
    situation: str | None = None  # tickets.models.phrases.Situation of the standard phrases shown beside it
    text_field: str | None = None  # the field written to the customer, where a forbidden phrase is shown
    customer_text: str | None = None  # which text to the customer it is (CustomerText): the phrases' context

    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Kept in the history."))

    def __init__(self, *args, order: WorkOrder, transition: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.__class__.__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.order = order
        self.transition = transition
        self.forbidden_phrases: list[str] = []
        self.needs_confirmation = False
        self.note_last()

    def note_last(self) -> None:
        if self.customer_text and self.text_field in self.fields:
            # The live check asks with the order's kind and the text's context (static/js/phrase-check.js); a
            # phrase that only warns is kept when the agent ticks the box (shown once the check has warned).
            self.fields[self.text_field].widget.attrs.update(
                {"data-phrase-kind": self.order.kind, "data-phrase-context": self.customer_text})
            self.fields["confirm_phrases"] = forms.BooleanField(
                label=_("Keep the highlighted words"), required=False,
                help_text=_("They are words to avoid (e.g. 大概, 可能, 也许): keep them only if you are sure. "
                            "Your confirmation is recorded."),
                widget=forms.CheckboxInput(attrs={"data-phrase-confirm": ""}))
        self.order_fields([name for name in self.fields if name != "note"])

    def params(self) -> dict:
        """The typed service's arguments (besides the order, the actor and the note)."""
        return {}

    def perform(self, *, order: WorkOrder, actor: User) -> WorkOrder:
        """Fire the transition: this form's typed service with its input."""
        return self.service(order=order, actor=actor, note=self.cleaned_data.get("note", ""), **self.params())

    def text_params(self) -> dict:
        """The confirmation of warned words, for the forms with a text to the customer."""
        return {"confirm_phrases": bool(self.cleaned_data.get("confirm_phrases"))} if self.customer_text else {}

    def submit(self, service, **kwargs):
        """As ``ServiceForm.submit``; a text with forbidden phrases is refused with the phrases listed, one with words
        that only warn asks for the confirmation."""

        def watched(**inner):
            try:
                return service(**inner)
            except InvalidInput as error:
                if error.code in (FORBIDDEN_PHRASE, NEEDS_CONFIRMATION):
                    self.forbidden_phrases = [str(p) for p in error.extra.get("phrases") or []]
                    quoted = "、".join(f"“{p}”" for p in self.forbidden_phrases)
                    if error.code == FORBIDDEN_PHRASE:
                        message = _("Forbidden phrases may not be said to a customer: %(phrases)s. Rephrase it.") % {
                            "phrases": quoted}
                    else:
                        self.needs_confirmation = True
                        message = _("Words to avoid: %(phrases)s. Rephrase it, or tick “Keep the highlighted words” "
                                    "to keep them.") % {"phrases": quoted}
                    self.service_messages = {**self.service_messages, error.code: message}
                    if error.extra.get("field") not in self.fields:
                        error.extra = {**error.extra, "field": self.text_field}
                raise

        return super().submit(watched, **kwargs)


class NoteOnlyForm(TransitionForm):
    """A step whose button is the input (and the note)."""


class ArriveForm(NoteOnlyForm):
    """On site. The crew's phone fills in its position when the user allows it (static/js/mobile.js asks
    ``navigator.geolocation``); never required."""

    service = staticmethod(actions.work_order_arrive)

    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, min_value=0, max_value=1_000_000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("latitude", "longitude", "accuracy"):
            self.fields[name].widget.attrs[f"data-geo-{name}"] = ""

    def params(self) -> dict:
        data = self.cleaned_data
        if data.get("latitude") is None or data.get("longitude") is None:
            return {}
        return {"location": actions.Location(latitude=data["latitude"], longitude=data["longitude"],
                                             accuracy=data.get("accuracy"))}


class RestoreForm(NoteOnlyForm):
    """Restored: the fault's cause and the materials used, from the admin's lists (a quantity per material, empty for
    one not used)."""

    service = staticmethod(actions.work_order_restore)

    fault_cause = None  # set in __init__: the active causes (a class attribute would be read before the migration)
    cause_required = False  # the crew's page (tickets.views.mobile) asks for the cause; the full page may skip it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        causes = FaultCause.objects.filter(active=True).order_by("order", "name")
        self.fields["fault_cause"] = forms.ModelChoiceField(label=_("Fault cause"), queryset=causes,
                                                            required=self.cause_required, empty_label="—")
        self.materials = list(Material.objects.filter(active=True).order_by("order", "name"))
        for material in self.materials:
            label = f"{material.name}（{material.unit}）" if material.unit else material.name
            self.fields[f"material_{material.pk}"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=actions.MATERIAL_QUANTITY_MAX,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0", "data-material": ""}))
        self.order_fields([name for name in self.fields if name != "note"])

    def material_fields(self) -> list:
        return [self[f"material_{material.pk}"] for material in self.materials]

    def params(self) -> dict:
        data = self.cleaned_data
        used = [actions.MaterialUse(material=material, quantity=data[f"material_{material.pk}"])
                for material in self.materials if data.get(f"material_{material.pk}")]
        return {"fault_cause": data.get("fault_cause"), "materials": used}


class CrewRestoreForm(RestoreForm):
    """The crew's page: the cause is required."""

    cause_required = True


class ResolveByOutageForm(NoteOnlyForm):
    service = staticmethod(actions.work_order_resolve_by_outage)


class ArchiveForm(NoteOnlyForm):
    service = staticmethod(actions.work_order_archive)


class EscalateForm(NoteOnlyForm):
    service = staticmethod(actions.work_order_escalate)


class ContactCustomerForm(NoteOnlyForm):
    service = staticmethod(actions.work_order_contact_customer)


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The choices read with one plain query: Django's iterator streams them through a server-side cursor
    (DECLARE, FETCH, CLOSE on PostgreSQL), three round trips for a list of a few dozen rows. A field's ``rows``,
    when the form has read them already, are shown without a query (the queryset still validates the input)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = getattr(self.field, "rows", None)
        for obj in self.queryset if rows is None else rows:
            yield self.choice(obj)


class CallChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices

    def label_from_instance(self, obj: Call) -> str:
        return f"{timezone.localtime(obj.ring_started_at):%m-%d %H:%M} · {obj.caller_number}"


class UrgeForm(TransitionForm):
    service = staticmethod(actions.work_order_urge)
    call = CallChoiceField(label=_("The call in which the customer urged"), queryset=Call.objects.none(),
                                  required=False)
    progress_answer = _text(_("What the customer was told"), rows=2, required=False, phrase_check=True,
                            help_text=_("E.g. where the crew is and when it is expected."))
    text_field = "progress_answer"
    customer_text = CustomerText.PROGRESS
    situation = "wait"  # the standard phrases beside it (and the live check of what the customer is told)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The customer's latest calls, read once: shown from these rows, a choice validated against their ids.
        calls = Call.objects.filter(Q(customer_id=self.order.customer_id) | Q(caller_number=self.order.caller_number))
        recent = list(calls.only("id", "ring_started_at", "caller_number")
                      .order_by("-ring_started_at", "-id")[:RECENT_CALLS])
        self.fields["call"].queryset = Call.objects.filter(pk__in=[call.pk for call in recent])
        self.fields["call"].rows = recent

    def params(self) -> dict:
        return {"progress_answer": self.cleaned_data.get("progress_answer", ""), "call": self.cleaned_data.get("call"),
                **self.text_params()}

    def call_value(self) -> Call | None:
        return self.cleaned_data.get("call")


class DepartmentChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name} · {obj.unit.name}"


class DispatchForm(TransitionForm):
    """To a repair crew (repairs) or to the responsible department (consultations; complaints, by the
    supervision office). The handler is optional: a member of that department."""
    service = staticmethod(actions.work_order_dispatch)

    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    handler = forms.ChoiceField(label=_("Handler"), required=False,
                                help_text=_("Optional: a member of the chosen department."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The departments that fit the order (a repair: the crews; never the one it is with), from the cached
        # reference data (tickets.reference); the choice is validated against the same ones in the database.
        crews_only = self.order.kind == Kind.REPAIR
        listed = [department for department in departments_with_units()
                  if department.pk != self.order.department_id
                  and (not crews_only or department.kind == DepartmentKind.REPAIR_CREW)]
        self.fields["department"].queryset = Department.objects.filter(pk__in=[d.pk for d in listed])
        self.fields["department"].rows = listed
        members = department_members()
        groups = [
            (department.name, [(username, _named(username, name)) for username, name in members[department.pk]])
            for department in listed if members.get(department.pk)
        ]
        self.fields["handler"].choices = [("", "—"), *groups]

    def clean_handler(self) -> User | None:
        username = self.cleaned_data.get("handler") or ""
        return User.objects.filter(username=username).first() if username else None

    def params(self) -> dict:
        return {"department": self.cleaned_data["department"], "handler": self.cleaned_data.get("handler")}


class ReassignForm(DispatchForm):
    """改派 (a lead or supervisor): another department, chosen as in a dispatch."""

    service = staticmethod(actions.work_order_reassign)


class AddNoteForm(TransitionForm):
    """备注: the note is the input."""

    service = staticmethod(actions.work_order_add_note)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True


class ForwardForm(TransitionForm):
    service = staticmethod(actions.work_order_forward)
    department = DepartmentChoiceField(
        label=_("Supervision office"), required=False, empty_label=_("The nearest supervision office"),
        queryset=Department.objects.filter(kind=DepartmentKind.SUPERVISION))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown from the cached reference data (tickets.reference), by name; a choice is validated in the database.
        self.fields["department"].rows = [department for department in departments_with_units()
                                          if department.kind == DepartmentKind.SUPERVISION]

    def params(self) -> dict:
        return {"department": self.cleaned_data.get("department")}


class InvestigateForm(TransitionForm):
    """The finding: valid 属实 or not, its cause and the responsible person."""
    service = staticmethod(actions.work_order_investigate)

    valid = forms.TypedChoiceField(label=_("Finding"), widget=forms.RadioSelect, coerce=_boolean,
                                   choices=[("true", _("Valid")), ("false", _("Not valid"))])
    cause = forms.ChoiceField(label=_("Cause"), required=False, choices=[("", "—"), *FindingCause.choices],
                              help_text=_("Required when the complaint is valid."))
    responsible = forms.ChoiceField(label=_("Responsible person"), required=False,
                                    help_text=_("For an attitude finding: the agent of this order whose attitude "
                                                "it was (its first-question owner, or who took one of its calls)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the agents connected to the order can answer for it (seed 000 考核 8): they are the choices.
        people = User.objects.filter(is_active=True, pk__in=actions.agents_connected(self.order)).order_by(
            "username")
        self.fields["responsible"].choices = [("", "—"), *((user.username, _person(user)) for user in people)]

    def clean_responsible(self) -> User | None:
        username = self.cleaned_data.get("responsible") or ""
        return User.objects.filter(username=username).first() if username else None

    def params(self) -> dict:
        data = self.cleaned_data
        return {"valid": data["valid"], "cause": data.get("cause") or "", "responsible": data.get("responsible")}


class ReplyForm(TransitionForm):
    """A complaint's reply to the customer (within 5 days); a consultation's reply is the department's answer."""
    service = staticmethod(actions.work_order_reply)

    def __init__(self, *args, order: WorkOrder, **kwargs):
        consultation = order.kind == Kind.CONSULTATION
        # A consultation's reply is the department's answer to the agent (not to the customer: not checked).
        self.text_field = "answer" if consultation else "reply_text"
        self.customer_text = None if consultation else CustomerText.REPLY
        super().__init__(*args, order=order, **kwargs)
        self.situation = "closing" if consultation else "complaint_accept"
        if consultation:
            self.fields["answer"] = _text(_("Answer"))
        else:
            self.fields["reply_text"] = _text(_("Reply to the customer"), phrase_check=True)
        self.note_last()

    def params(self) -> dict:
        return {"text": self.cleaned_data[self.text_field], **self.text_params()}


class InformForm(TransitionForm):
    service = staticmethod(actions.work_order_inform)
    situation = "callback"  # the agent calls the customer back with the department's answer
    reply_text = _text(_("What the customer was told"), phrase_check=True)
    text_field = "reply_text"
    customer_text = CustomerText.REPLY

    def params(self) -> dict:
        return {"reply_text": self.cleaned_data["reply_text"], **self.text_params()}


class AnswerOnCallForm(TransitionForm):
    service = staticmethod(actions.work_order_answer_on_call)
    situation = "closing"
    answer = _text(_("Answer"), phrase_check=True)
    text_field = "answer"
    customer_text = CustomerText.ANSWER

    def params(self) -> dict:
        return {"answer": self.cleaned_data["answer"], **self.text_params()}


class ReasonForm(TransitionForm):
    """A step with a reason."""

    reason = _text(_("Reason"), max_length=NOTE_MAX, rows=2)

    def params(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class CancelForm(ReasonForm):
    service = staticmethod(actions.work_order_cancel)


class ReturnForm(ReasonForm):
    service = staticmethod(actions.work_order_return)


class UnlinkOutageForm(ReasonForm):
    service = staticmethod(actions.work_order_unlink_outage)


class LinkOutageForm(TransitionForm):
    """About a published outage after all: which notice (the published ones, newest first)."""

    service = staticmethod(actions.work_order_link_outage)

    outage = forms.ModelChoiceField(label=_("Outage notice"), queryset=OutageNotice.objects.none(),
                                    empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outage"].queryset = OutageNotice.objects.filter(state=OutageState.PUBLISHED).order_by(
            "-starts_at", "-id")

    def params(self) -> dict:
        return {"outage": self.cleaned_data["outage"]}


class MergeForm(TransitionForm):
    """合并: the order this one repeats, by its number (the page lists the candidates)."""

    service = staticmethod(actions.work_order_merge)

    into = forms.CharField(label=_("Merge into (order number)"), max_length=24,
                           help_text=_("The target keeps its number and owner; this order's calls become its urges."),
                           widget=forms.TextInput(attrs={"list": "merge-candidates", "autocomplete": "off"}))

    def clean_into(self) -> WorkOrder:
        number = self.cleaned_data["into"].strip().upper()
        target = WorkOrder.objects.filter(number=number).first()
        if target is None:
            raise forms.ValidationError(_("No work order has this number."))
        return target

    def params(self) -> dict:
        return {"into": self.cleaned_data["into"]}


class UnmergeForm(NoteOnlyForm):
    service = staticmethod(actions.work_order_unmerge)


class CallbackForm(TransitionForm):
    """回访 (seed 000 细则 9): reached or not, attitude, quality, satisfied, suggestions."""
    service = staticmethod(actions.work_order_callback)

    situation = "callback"

    reached = forms.TypedChoiceField(label=_("Customer reached"), widget=forms.RadioSelect, coerce=_boolean,
                                     choices=YES_NO)
    satisfied = forms.TypedChoiceField(label=_("Satisfied"), widget=forms.RadioSelect, coerce=_boolean,
                                       choices=YES_NO, required=False, empty_value=None,
                                       help_text=_("When the customer was reached."))
    attitude = forms.ChoiceField(label=_("Service attitude"), required=False, choices=[("", "—"), *Rating.choices],
                                 help_text=_("When the customer was reached."))
    quality = forms.ChoiceField(label=_("Work quality"), required=False, choices=[("", "—"), *Rating.choices],
                                help_text=_("When the customer was reached."))
    suggestions = _text(_("Suggestions"), max_length=NOTE_MAX, rows=2, required=False)

    def params(self) -> dict:
        data = self.cleaned_data
        return {"reached": data["reached"], "satisfied": data.get("satisfied"), "attitude": data.get("attitude", ""),
                "quality": data.get("quality", ""), "suggestions": data.get("suggestions", "")}


# The URL's transition name → its form (the pages' router); each form calls its own typed service.
TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "urge": UrgeForm,
    "escalate": EscalateForm,
    "cancel": CancelForm,
    "merge": MergeForm,
    "reassign": ReassignForm,
    "add_note": AddNoteForm,
    "unmerge": UnmergeForm,
    "return_to_sender": ReturnForm,
    "unlink_outage": UnlinkOutageForm,
    "link_outage": LinkOutageForm,
    "dispatch": DispatchForm,
    "resolve_by_outage": ResolveByOutageForm,
    "arrive": ArriveForm,
    "restore": RestoreForm,
    "callback": CallbackForm,
    "archive": ArchiveForm,
    "answer_on_call": AnswerOnCallForm,
    "reply": ReplyForm,
    "inform": InformForm,
    "forward": ForwardForm,
    "contact_customer": ContactCustomerForm,
    "investigate": InvestigateForm,
}


def transition_form(name: str, order: WorkOrder, data=None, *, auto_id: str | None = None) -> TransitionForm:
    """The form of transition ``name`` for this order (unbound without ``data``); a name the order's machine does not
    have gets a bare form (its service is never reached: the view asks the machine first)."""
    form_class = TRANSITION_FORMS.get(name, NoteOnlyForm)
    return form_class(data, order=order, transition=name, auto_id=auto_id or f"id_{name}_%s")
