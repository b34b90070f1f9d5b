"""Thin DRF serializers: shapes of the API contract. No business rules here (see services)."""

import copy

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from contactcenter.drf import AwareDateTimeField

from . import selectors
from .models import (
    AreaType,
    Call,
    Callback,
    CallOutcome,
    Customer,
    Department,
    FindingCause,
    Kind,
    Rating,
    Unit,
    WorkOrder,
    WorkOrderTransition,
)
from .services.workorders import available_transitions

TEXT_MAX = 4000
NOTE_MAX = 2000
CONFIRM_HELP = ("Keep the words the forbidden-phrase check only warns about (seed 004 七 3.5: 大概, 可能, 也许): "
                "without it such a text is refused with 400 phrase_needs_confirmation; the confirmation is recorded")


_FIELD_PROTOTYPES: dict = {}
_PLANS: dict = {}
_PLAIN, _METHOD, _NESTED, _COLUMN, _KEY = "plain", "method", "nested", "column", "key"


class ClonedFieldsMixin:
    """A serializer's declared fields are deep-copied for every instance (DRF's ``get_fields``), their arguments
    too (choices, a queryset): these are built once per class and language, then cloned (``_clone``)."""

    def get_fields(self):
        key = (type(self), translation.get_language())
        prototype = _FIELD_PROTOTYPES.get(key)
        if prototype is None:
            prototype = _FIELD_PROTOTYPES[key] = super().get_fields()
        return {name: _clone(field) for name, field in prototype.items()}


class PrototypeFieldsMixin(ClonedFieldsMixin):
    """A ModelSerializer builds its fields by inspecting the model for every instance it serializes, and writes an
    instance by walking them: for a work order's ~50 fields that is most of the time of answering, and a queue
    page serializes 50 orders. For these read-only serializers the fields are built and bound once per class and
    language (``_plan``), then used for every instance: a plain field reads the attribute and converts it and keeps
    no state, so one bound copy serves every instance and thread. A method field calls the method of the serializer
    at hand (its context: the request), a nested serializer is copied and bound to it — unless its class says
    ``reads_context = False`` (it writes its rows with plain fields only): then it is bound once like a plain field.
    ``get_fields`` (the schema, ``.fields``) clones the prototypes: a clone is a new field made from the prototype's
    arguments, as DRF's ``Field.__deepcopy__`` makes it, without deep-copying the arguments themselves."""

    def to_representation(self, instance):
        result = {}
        for name, field, kind in _plan(type(self)):
            if kind is _COLUMN:  # a model column read as DRF's get_attribute reads it, without its generic walk
                value = getattr(instance, field.source)
                result[name] = None if value is None else field.to_representation(value)
                continue
            if kind is _KEY:  # a foreign key written as its id (PrimaryKeyRelatedField's PKOnlyObject path)
                result[name] = getattr(instance, field.source_attname)
                continue
            if kind is _METHOD:
                result[name] = getattr(self, field.method_name)(instance)
                continue
            if kind is _NESTED:
                field = copy.deepcopy(field)
                field.bind(name, self)
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            # As DRF's Serializer.to_representation: a missing relation is None, not converted.
            empty = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            result[name] = None if empty is None else field.to_representation(attribute)
        return result


def _plan(cls) -> list[tuple[str, serializers.Field, str]]:
    """The readable fields of ``cls``, bound once to an instance of it, each with how to use it."""
    key = (cls, translation.get_language())
    plan = _PLANS.get(key)
    if plan is None:
        plan = []
        for field in cls().fields.values():
            if field.write_only:
                continue
            nested = getattr(field, "child", field)
            if isinstance(field, serializers.SerializerMethodField):
                kind = _METHOD
            elif isinstance(field, serializers.BaseSerializer) and getattr(nested, "reads_context", True):
                kind = _NESTED  # copied and bound to the serializer at hand, for its context
            else:
                kind = _column_kind(cls, field)
            plan.append((field.field_name, field, kind))
        plan = _PLANS[key] = plan
    return plan


def _column_kind(cls, field: serializers.Field) -> str:
    """``_COLUMN`` for a field that writes one concrete, non-relational column of the serializer's model,
    ``_KEY`` for a PrimaryKeyRelatedField over a foreign key (written as the id: DRF's ``PKOnlyObject``), else
    ``_PLAIN`` (DRF's get_attribute)."""
    model = getattr(getattr(cls, "Meta", None), "model", None)
    if model is None or field.source == "*" or len(field.source_attrs) != 1:
        return _PLAIN
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return _PLAIN
    if type(field) is serializers.PrimaryKeyRelatedField and column.many_to_one and field.pk_field is None:
        field.source_attname = column.attname
        return _KEY
    if not column.concrete or column.is_relation or isinstance(field, serializers.RelatedField):
        return _PLAIN
    return _COLUMN


class SharedInputFieldsMixin:
    """For input serializers (validation only) with no field that needs the request (no ``CurrentUserDefault``, no
    ``validate_<field>`` reading the context): the fields are built and bound once per class and language, to an
    instance of the class that never sees data, and every instance validates with them. Validating
    (``get_value``, ``run_validation``) keeps nothing on a field, the same as ``PrototypeFieldsMixin`` relies on
    for writing; the errors are DRF's own, in the request's language (the key)."""

    @property
    def fields(self):
        key = (type(self), translation.get_language())
        fields = _SHARED_INPUT_FIELDS.get(key)
        if fields is None:
            owner = type(self)()  # what the shared fields are bound to (their root: not partial, no context)
            fields = _SHARED_INPUT_FIELDS[key] = super(SharedInputFieldsMixin, owner).fields
        return fields


_SHARED_INPUT_FIELDS: dict = {}


def _clone(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    return field.__class__(*field._args, **field._kwargs)


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


class PhoneMaskingMixin:
    """Phones are masked for roles that never call customers (managers)."""

    phone_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and not (user.has_perm("tickets.take_calls") or user.has_perm("tickets.handle_department")):
            for name in self.phone_fields:
                if data.get(name):
                    data[name] = mask_phone(data[name])
        return data


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "kind", "unit"]


class CustomerSerializer(PhoneMaskingMixin, serializers.ModelSerializer):
    phone_fields = ("phone",)

    def validate_account_number(self, value: str | None) -> str | None:
        return value or None  # "no account yet" is NULL: many customers may have none

    class Meta:
        model = Customer
        fields = ["id", "account_number", "name", "phone", "address", "area_type", "unit", "created_at"]
        read_only_fields = ["id", "created_at"]


class CallSerializer(PhoneMaskingMixin, PrototypeFieldsMixin, serializers.ModelSerializer):
    phone_fields = ("caller_number",)
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    orders = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "caller_number", "customer", "agent", "seat", "ring_started_at", "answered_at", "ended_at",
                  "ring_seconds", "outcome", "note", "orders", "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_orders(self, call: Call) -> list[int]:
        return [order.pk for order in call.orders.all()]


class CallCreateSerializer(SharedInputFieldsMixin, serializers.Serializer):
    caller_number = serializers.CharField(max_length=32)
    ring_started_at = AwareDateTimeField()
    answered_at = AwareDateTimeField(allow_null=True, required=False, default=None)
    ended_at = AwareDateTimeField(allow_null=True, required=False, default=None)
    agent = serializers.SlugRelatedField(slug_field="username", queryset=selectors.User.objects.all(),
                                         allow_null=True, required=False, default=None)
    seat = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    outcome = serializers.ChoiceField(choices=CallOutcome.choices, required=False, default="")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, default=None,
                                                  allow_null=True)


class HistorySerializer(PrototypeFieldsMixin, serializers.ModelSerializer):
    reads_context = False  # plain fields only: nested in an order, bound once (PrototypeFieldsMixin)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WorkOrderTransition
        fields = ["name", "source", "target", "actor", "at", "note", "call", "data"]


class CallbackSerializer(PrototypeFieldsMixin, serializers.ModelSerializer):
    reads_context = False  # plain fields only: nested in an order, bound once (PrototypeFieldsMixin)
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Callback
        fields = ["id", "agent", "made_at", "reached", "attitude", "quality", "satisfied", "suggestions"]


class DeadlinesSerializer(serializers.Serializer):
    first_contact_due_at = serializers.DateTimeField(allow_null=True)
    reply_due_at = serializers.DateTimeField(allow_null=True)
    arrival_due_at = serializers.DateTimeField(allow_null=True)
    restore_due_at = serializers.DateTimeField(allow_null=True)
    callback_due_at = serializers.DateTimeField(allow_null=True)


DEADLINES = list(DeadlinesSerializer._declared_fields)
_DEADLINE = serializers.DateTimeField(allow_null=True)


class WorkOrderSerializer(PhoneMaskingMixin, PrototypeFieldsMixin, serializers.ModelSerializer):
    phone_fields = ("caller_number",)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    handler = serializers.SlugRelatedField(slug_field="username", read_only=True)
    finding_responsible = serializers.SlugRelatedField(slug_field="username", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    deadlines = serializers.SerializerMethodField()
    provisional_deadlines = serializers.SerializerMethodField(
        help_text="The deadlines counted on a provisional holiday calendar (the year's official arrangement is not "
                  "entered yet): recomputed when it is")
    overdue = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id", "number", "kind", "state", "title", "description", "customer", "customer_name", "call",
            "caller_number", "area_type", "address", "unit", "owner", "department", "department_name", "handler",
            "accepted_at", "forwarded_at", "dispatched_at", "first_contacted_at", "arrived_at", "restored_at",
            "investigated_at", "replied_at", "informed_at", "resolved_at", "called_back_at", "archived_at",
            "cancelled_at", "escalated_at", "answer", "reply_text", "finding_valid", "finding_cause",
            "finding_responsible", "finding_note", "escalation_note", "cancel_reason", "return_reason",
            "urge_count", "reopen_count", "callback_required", "callback_attempts", "deadlines",
            "provisional_deadlines", "overdue", "available_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(DeadlinesSerializer)
    def get_deadlines(self, order: WorkOrder) -> dict:
        # DeadlinesSerializer's output, without building a serializer for every order of a list.
        return {name: _DEADLINE.to_representation(getattr(order, name)) for name in DEADLINES}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=DEADLINES)))
    def get_provisional_deadlines(self, order: WorkOrder) -> list[str]:
        return list(order.provisional_deadlines)

    def get_overdue(self, order: WorkOrder) -> bool:
        return selectors.is_overdue(order)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, order: WorkOrder) -> list[str]:
        request = self.context.get("request")
        return available_transitions(order, request.user) if request else []


class WorkOrderDetailSerializer(WorkOrderSerializer):
    history = HistorySerializer(many=True, read_only=True)
    callbacks = CallbackSerializer(many=True, read_only=True)

    class Meta(WorkOrderSerializer.Meta):
        fields = [*WorkOrderSerializer.Meta.fields, "history", "callbacks"]
        read_only_fields = fields


class WorkOrderCreateSerializer(SharedInputFieldsMixin, serializers.Serializer):
    """Only ``kind``, ``description`` and ``caller_number`` are required."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    description = serializers.CharField(max_length=TEXT_MAX)
    caller_number = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, default=None,
                                                  allow_null=True)
    account_number = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all(), required=False, default=None,
                                              allow_null=True)
    area_type = serializers.ChoiceField(choices=AreaType.choices, required=False, default="")
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    answer = serializers.CharField(max_length=TEXT_MAX, required=False, default="", allow_blank=True,
                                   help_text="Consultation only: answered on the call, closed at once")
    confirm_phrases = serializers.BooleanField(required=False, default=False,
                                               help_text=CONFIRM_HELP)


# --- Transition inputs: one serializer per transition; ``TransitionRequestSerializer`` documents the union.

class TransitionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)


class DispatchInput(TransitionInputSerializer):
    department = serializers.IntegerField(min_value=1)
    handler = serializers.CharField(max_length=150, required=False, default=None, allow_null=True, allow_blank=True)


class ForwardInput(TransitionInputSerializer):
    department = serializers.IntegerField(min_value=1, required=False, default=None, allow_null=True)


class InvestigateInput(TransitionInputSerializer):
    valid = serializers.BooleanField()
    cause = serializers.ChoiceField(choices=FindingCause.choices, required=False, default="", allow_blank=True)
    responsible = serializers.CharField(max_length=150, required=False, default=None, allow_null=True,
                                        allow_blank=True)


class ReplyTextInput(TransitionInputSerializer):
    reply_text = serializers.CharField(max_length=TEXT_MAX)
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class AnswerInput(TransitionInputSerializer):
    answer = serializers.CharField(max_length=TEXT_MAX)
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class ReasonInput(TransitionInputSerializer):
    reason = serializers.CharField(max_length=NOTE_MAX)


class UrgeInput(TransitionInputSerializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all(), required=False, default=None,
                                              allow_null=True, help_text="The call in which the customer urged")
    progress_answer = serializers.CharField(
        max_length=TEXT_MAX, required=False, default="", allow_blank=True,
        help_text="What the customer was told about the progress (checked against the forbidden phrases)")
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class CallbackInput(TransitionInputSerializer):
    reached = serializers.BooleanField()
    satisfied = serializers.BooleanField(required=False, default=None, allow_null=True)
    attitude = serializers.ChoiceField(choices=Rating.choices, required=False, default="", allow_blank=True)
    quality = serializers.ChoiceField(choices=Rating.choices, required=False, default="", allow_blank=True)
    suggestions = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)


class TransitionRequestSerializer(
    DispatchInput, InvestigateInput, CallbackInput, ReplyTextInput, AnswerInput, ReasonInput, UrgeInput
):
    """Every field any transition takes; each transition reads its own (see the API docs)."""

    department = serializers.IntegerField(min_value=1, required=False)
    valid = serializers.BooleanField(required=False)
    reached = serializers.BooleanField(required=False)
    reply_text = serializers.CharField(max_length=TEXT_MAX, required=False)
    answer = serializers.CharField(max_length=TEXT_MAX, required=False)
    reason = serializers.CharField(max_length=NOTE_MAX, required=False)


def transition_input_serializer(order: WorkOrder, name: str) -> type[TransitionInputSerializer]:
    if name == "reply":
        return AnswerInput if order.kind == Kind.CONSULTATION else ReplyTextInput
    return {
        "dispatch": DispatchInput,
        "forward": ForwardInput,
        "investigate": InvestigateInput,
        "inform": ReplyTextInput,
        "answer_on_call": AnswerInput,
        "cancel": ReasonInput,
        "return_to_sender": ReasonInput,
        "unlink_outage": ReasonInput,
        "urge": UrgeInput,
        "callback": CallbackInput,
    }.get(name, TransitionInputSerializer)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
