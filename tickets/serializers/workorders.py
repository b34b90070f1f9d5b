"""Work orders over the API: the order as it is read, the create request, and one input serializer per transition
that validates its fields and calls the typed service (``tickets.services.workorders``). No business rule here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.drf import ModelSerializer, PlannedInput, PlannedOutput, PrimaryKeyField, UsernameField

from .. import sla
from ..models import (
    AreaType,
    Call,
    Callback,
    Customer,
    Department,
    FaultCause,
    FindingCause,
    Kind,
    Material,
    OutageNotice,
    Rating,
    User,
    WorkOrder,
    WorkOrderTransition,
)
from ..phones import phone_for
from ..services import workorders as actions

TEXT_MAX = 4000
NOTE_MAX = 2000
CONFIRM_HELP = ("Keep the words the forbidden-phrase check only warns about (seed 004 七 3.5: 大概, 可能, 也许): "
                "without it such a text is refused with 400 phrase_needs_confirmation; the confirmation is recorded")


class HistorySerializer(PlannedOutput, ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WorkOrderTransition
        fields = ["name", "source", "target", "actor", "at", "note", "call", "data"]


class CallbackSerializer(PlannedOutput, ModelSerializer):
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


_DATETIME = serializers.DateTimeField()  # writes a time as every datetime of the API (it keeps no state)


class PhoneMaskingMixin:
    """Phone numbers whole for those who call customers, masked for the others (``tickets.phones``)."""

    phone_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            for name in self.phone_fields:
                if data.get(name):
                    data[name] = phone_for(user, data[name])
        return data


class WorkOrderSerializer(PhoneMaskingMixin, PlannedOutput, ModelSerializer):
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

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    @extend_schema_field(DeadlinesSerializer)
    def get_deadlines(self, order: WorkOrder) -> dict:
        return {column: None if getattr(order, column) is None else _DATETIME.to_representation(getattr(order, column))
                for column in sla.DUE_COLUMNS}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=sla.DUE_COLUMNS)))
    def get_provisional_deadlines(self, order: WorkOrder) -> list[str]:
        return list(order.provisional_deadlines)

    def get_overdue(self, order: WorkOrder) -> bool:
        return sla.is_overdue(order)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, order: WorkOrder) -> list[str]:
        user = self._user()
        return actions.available_transitions(order, user) if user is not None else []


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """The order with its history and callbacks (``selectors.work_order_detail`` / ``with_detail`` read them)."""

    history = HistorySerializer(source="detail_history", many=True, read_only=True)
    callbacks = CallbackSerializer(source="detail_callbacks", many=True, read_only=True)

    class Meta(WorkOrderSerializer.Meta):
        fields = [*WorkOrderSerializer.Meta.fields, "history", "callbacks"]
        read_only_fields = fields


class PossibleDuplicateSerializer(serializers.Serializer):
    """An open order a new one may repeat (``selectors.console.repeat_candidates``): the caller's own, or one of the
    last 24 hours at the same address or in the same building, of the same kind. Every create answers with up to
    ten of these, so each is written directly (``to_representation``), as DRF writes the fields declared here
    (``tests/contactcenter/test_planned_output.py`` compares the two)."""

    id = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    kind = serializers.ChoiceField(source="order.kind", choices=Kind.choices)
    state = serializers.CharField(source="order.state")
    accepted_at = serializers.DateTimeField(source="order.accepted_at")
    address = serializers.CharField(source="order.address")
    reason = serializers.ChoiceField(choices=["caller", "address", "building"],
                                     help_text="caller: the same customer or phone; address / building: a neighbour's")

    def to_representation(self, candidate):
        order = candidate.order
        return {"id": order.pk, "number": order.number, "kind": order.kind, "state": order.state,
                "accepted_at": _DATETIME.to_representation(order.accepted_at), "address": order.address,
                "reason": candidate.reason}


class WorkOrderCreatedSerializer(WorkOrderDetailSerializer):
    """The order just created, and the open orders it may repeat: a telephony or self-service front end can offer
    to urge one of them (``transitions/urge/``) instead, as the console does."""

    possible_duplicates = PossibleDuplicateSerializer(many=True, read_only=True)

    class Meta(WorkOrderDetailSerializer.Meta):
        fields = [*WorkOrderDetailSerializer.Meta.fields, "possible_duplicates"]
        read_only_fields = fields


class WorkOrderCreateSerializer(PlannedInput, serializers.Serializer):
    """Only ``kind``, ``description`` and ``caller_number`` are required."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    description = serializers.CharField(max_length=TEXT_MAX)
    caller_number = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    customer = PrimaryKeyField(model=Customer, required=False, default=None, allow_null=True)
    account_number = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    call = PrimaryKeyField(model=Call, required=False, default=None, allow_null=True)
    area_type = serializers.ChoiceField(choices=AreaType.choices, required=False)  # absent: the customer's
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    answer = serializers.CharField(max_length=TEXT_MAX, required=False, default="", allow_blank=True,
                                   help_text="Consultation only: answered on the call, closed at once")
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


# --- Transition inputs: one serializer per transition, each calling its typed service (``perform``). ------------
# ``TransitionRequestSerializer`` documents the union of their fields in the schema.


class TransitionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)

    action = None  # the typed service (keyword-only: order, actor, the fields)

    def perform(self, *, order: WorkOrder, actor: User) -> WorkOrder:
        return type(self).action(order=order, actor=actor, **self.validated_data)


class ArriveInput(TransitionInputSerializer):
    """On site; the device's position when the crew's phone gave one (never required)."""

    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, default=None, allow_null=True,
                                      help_text="Where the crew reported its arrival from (WGS 84), with longitude")
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, default=None, allow_null=True)
    accuracy = serializers.FloatField(min_value=0, max_value=1_000_000, required=False, default=None,
                                      allow_null=True, help_text="The position's accuracy radius in metres")

    def validate(self, attrs):
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError({"longitude": "latitude and longitude go together"})
        return attrs

    def perform(self, *, order: WorkOrder, actor: User) -> WorkOrder:
        data = dict(self.validated_data)
        latitude, longitude, accuracy = data.pop("latitude"), data.pop("longitude"), data.pop("accuracy")
        location = None if latitude is None else actions.Location(latitude=latitude, longitude=longitude,
                                                                  accuracy=accuracy)
        return actions.work_order_arrive(order=order, actor=actor, location=location, **data)


class MaterialUseSerializer(serializers.Serializer):
    material = PrimaryKeyField(model=Material, help_text="A material of the admin's list (its id)")
    quantity = serializers.IntegerField(min_value=1, max_value=actions.MATERIAL_QUANTITY_MAX)


class RestoreInput(TransitionInputSerializer):
    """Restored; the fault's cause and the materials used (the admin's lists), both optional."""

    fault_cause = PrimaryKeyField(model=FaultCause, required=False, default=None, allow_null=True,
                                  help_text="The fault's cause (an id of the admin's list)")
    materials = MaterialUseSerializer(many=True, required=False, default=list, max_length=50,
                                      help_text="The materials used and their quantities")

    def perform(self, *, order: WorkOrder, actor: User) -> WorkOrder:
        data = dict(self.validated_data)
        used = [actions.MaterialUse(**use) for use in data.pop("materials")]
        return actions.work_order_restore(order=order, actor=actor, materials=used, **data)


class ArchiveInput(TransitionInputSerializer):
    action = actions.work_order_archive


class EscalateInput(TransitionInputSerializer):
    action = actions.work_order_escalate


class ContactCustomerInput(TransitionInputSerializer):
    action = actions.work_order_contact_customer


class ResolveByOutageInput(TransitionInputSerializer):
    action = actions.work_order_resolve_by_outage


class DispatchInput(TransitionInputSerializer):
    department = PrimaryKeyField(model=Department)
    handler = UsernameField(queryset=User.objects.all(), required=False, default=None, allow_null=True,
                            help_text="Optional: a member of the department")
    action = actions.work_order_dispatch


class ForwardInput(TransitionInputSerializer):
    department = PrimaryKeyField(model=Department, required=False, default=None, allow_null=True)
    action = actions.work_order_forward


class InvestigateInput(TransitionInputSerializer):
    valid = serializers.BooleanField()
    cause = serializers.ChoiceField(choices=FindingCause.choices, required=False, default="", allow_blank=True)
    responsible = UsernameField(queryset=User.objects.all(), required=False, default=None, allow_null=True)
    action = actions.work_order_investigate


class ReplyTextInput(TransitionInputSerializer):
    reply_text = serializers.CharField(max_length=TEXT_MAX)
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class ReplyInput(ReplyTextInput):
    """A complaint's (report's, suggestion's) reply to the customer."""

    def perform(self, *, order: WorkOrder, actor: User) -> WorkOrder:
        data = dict(self.validated_data)
        return actions.work_order_reply(order=order, actor=actor, text=data.pop("reply_text"), **data)


class InformInput(ReplyTextInput):
    action = actions.work_order_inform


class AnswerInput(TransitionInputSerializer):
    answer = serializers.CharField(max_length=TEXT_MAX)
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)
    action = actions.work_order_answer_on_call


class ConsultationReplyInput(TransitionInputSerializer):
    """A consultation's reply: the department's answer to the agent (not said to the customer)."""

    answer = serializers.CharField(max_length=TEXT_MAX)

    def perform(self, *, order: WorkOrder, actor: User) -> WorkOrder:
        data = dict(self.validated_data)
        return actions.work_order_reply(order=order, actor=actor, text=data.pop("answer"), **data)


class ReasonInput(TransitionInputSerializer):
    reason = serializers.CharField(max_length=NOTE_MAX)


class CancelInput(ReasonInput):
    action = actions.work_order_cancel


class ReassignInput(DispatchInput):
    action = actions.work_order_reassign


class AddNoteInput(TransitionInputSerializer):
    note = serializers.CharField(max_length=NOTE_MAX)
    action = actions.work_order_add_note


class LinkOutageInput(TransitionInputSerializer):
    outage = PrimaryKeyField(model=OutageNotice, help_text="A published outage notice")
    action = actions.work_order_link_outage


class MergeInput(TransitionInputSerializer):
    into = PrimaryKeyField(model=WorkOrder, help_text="The id of the order this one repeats (it keeps its number)")
    action = actions.work_order_merge


class UnmergeInput(TransitionInputSerializer):
    action = actions.work_order_unmerge


class ReturnInput(ReasonInput):
    action = actions.work_order_return


class UnlinkOutageInput(ReasonInput):
    action = actions.work_order_unlink_outage


class UrgeInput(TransitionInputSerializer):
    call = PrimaryKeyField(model=Call, required=False, default=None, allow_null=True,
                           help_text="The call in which the customer urged")
    progress_answer = serializers.CharField(
        max_length=TEXT_MAX, required=False, default="", allow_blank=True,
        help_text="What the customer was told about the progress (checked against the forbidden phrases)")
    confirm_phrases = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)
    action = actions.work_order_urge


class CallbackInput(TransitionInputSerializer):
    reached = serializers.BooleanField()
    satisfied = serializers.BooleanField(required=False, default=None, allow_null=True)
    attitude = serializers.ChoiceField(choices=Rating.choices, required=False, default="", allow_blank=True)
    quality = serializers.ChoiceField(choices=Rating.choices, required=False, default="", allow_blank=True)
    suggestions = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True)
    action = actions.work_order_callback


class TransitionRequestSerializer(DispatchInput, InvestigateInput, CallbackInput, ReplyTextInput, AnswerInput,
                                  ReasonInput, UrgeInput):
    """Every field any transition takes; each transition reads its own (see the API docs)."""

    into = serializers.IntegerField(min_value=1, required=False, help_text="merge: the order this one repeats")
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True,
                                      help_text="arrive: where the crew reported its arrival from (WGS 84)")
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True,
                                       help_text="arrive: with latitude")
    accuracy = serializers.FloatField(min_value=0, required=False, allow_null=True,
                                      help_text="arrive: the position's accuracy radius in metres")
    fault_cause = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                           help_text="restore: the fault's cause (an id of the admin's list)")
    materials = MaterialUseSerializer(many=True, required=False, help_text="restore: the materials used")
    outage = serializers.IntegerField(min_value=1, required=False, help_text="link_outage: a published notice")

    department = serializers.IntegerField(min_value=1, required=False)
    valid = serializers.BooleanField(required=False)
    reached = serializers.BooleanField(required=False)
    reply_text = serializers.CharField(max_length=TEXT_MAX, required=False)
    answer = serializers.CharField(max_length=TEXT_MAX, required=False)
    reason = serializers.CharField(max_length=NOTE_MAX, required=False)


# The URL's transition name → its input (the API's router); each input calls its own typed service.
TRANSITION_INPUTS: dict[str, type[TransitionInputSerializer]] = {
    "arrive": ArriveInput, "restore": RestoreInput, "archive": ArchiveInput, "escalate": EscalateInput,
    "contact_customer": ContactCustomerInput, "resolve_by_outage": ResolveByOutageInput, "dispatch": DispatchInput,
    "forward": ForwardInput, "investigate": InvestigateInput, "inform": InformInput,
    "answer_on_call": AnswerInput, "cancel": CancelInput, "return_to_sender": ReturnInput,
    "unlink_outage": UnlinkOutageInput, "urge": UrgeInput, "callback": CallbackInput, "merge": MergeInput,
    "unmerge": UnmergeInput, "link_outage": LinkOutageInput, "reassign": ReassignInput, "add_note": AddNoteInput,
}


def transition_input(order: WorkOrder, name: str, data) -> TransitionInputSerializer:
    """The input serializer of transition ``name`` of this order. A name the order's machine does not have gets the
    bare input: it is never performed (the API asks the machine first, 409)."""
    if name == "reply":
        return (ConsultationReplyInput if order.kind == Kind.CONSULTATION else ReplyInput)(data=data)
    return TRANSITION_INPUTS.get(name, TransitionInputSerializer)(data=data)


# --- Bulk actions ------------------------------------------------------------------------------------------------


class BulkRequestSerializer(serializers.Serializer):
    """The same action on many orders (``services.work_orders_bulk``): each through its own service and permission
    check, in its own transaction; the answer reports each order."""

    orders = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1,
                                   max_length=actions.BULK_MAX)
    action = serializers.ChoiceField(choices=list(actions.BULK_ACTIONS))
    department = PrimaryKeyField(model=Department, required=False, default=None, allow_null=True,
                                 help_text="dispatch, reassign: the department")
    handler = UsernameField(queryset=User.objects.all(), required=False, default=None, allow_null=True)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True,
                                 help_text="add_note: the note (required); any other action: kept in the history")
    reason = serializers.CharField(max_length=NOTE_MAX, required=False, default="", allow_blank=True,
                                   help_text="cancel: the reason (required)")


class BulkOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="order_id")
    number = serializers.CharField()
    done = serializers.BooleanField()
    status = serializers.IntegerField(help_text="The HTTP status this order alone would have got")
    code = serializers.CharField(help_text="Why it was refused (empty when done)")
    detail = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = BulkOutcomeSerializer(many=True)
