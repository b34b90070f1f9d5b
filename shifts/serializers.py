"""Shapes of the shifts API. No rules here: the services decide, the selectors read."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.drf import AwareDateTimeField, ModelSerializer
from tickets.models import Unit, User

from . import selectors, services
from .models import (
    Handover,
    HandoverItem,
    HandoverItemKind,
    HandoverTransition,
    Shift,
    ShiftMember,
    ShiftTemplate,
)

TEXT_MAX = 2000
NOTES_MAX = 4000


class ShiftTemplateSerializer(ModelSerializer):
    crosses_midnight = serializers.BooleanField(read_only=True)

    class Meta:
        model = ShiftTemplate
        fields = ["id", "code", "name", "pattern", "start", "end", "crosses_midnight", "checkin_lead_minutes",
                  "handover_grace_minutes", "active"]
        read_only_fields = fields


class ShiftMemberSerializer(ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = ShiftMember
        fields = ["username", "name", "checked_in_at", "checked_out_at"]
        read_only_fields = fields

    def get_name(self, member: ShiftMember) -> str:
        return member.user.get_full_name() or member.user.username


class ShiftSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    template = serializers.CharField(source="template.code", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    lead = serializers.CharField(source="lead.username", read_only=True)
    checkin_due_at = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = ["id", "unit", "unit_name", "template", "template_name", "date", "starts_at", "ends_at",
                  "checkin_due_at", "lead", "members"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_checkin_due_at(self, shift: Shift):
        """On post by this time (start − the template's check-in lead minutes)."""
        return serializers.DateTimeField().to_representation(selectors.checkin_due_at(shift))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_members(self, shift: Shift) -> list[str]:
        return [m.user.username for m in shift.memberships.all()]


class ShiftDetailSerializer(ShiftSerializer):
    members = ShiftMemberSerializer(source="memberships", many=True, read_only=True)
    handover = serializers.SerializerMethodField()

    class Meta(ShiftSerializer.Meta):
        fields = [*ShiftSerializer.Meta.fields, "handover"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_handover(self, shift: Shift) -> int | None:
        """The id of this shift's outgoing handover, once opened."""
        handover = Handover.objects.filter(outgoing=shift).values_list("pk", flat=True).first()
        return handover


class ShiftCreateSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    template = serializers.SlugRelatedField(slug_field="code", queryset=ShiftTemplate.objects.filter(active=True),
                                            help_text="A template code, e.g. early")
    date = serializers.DateField(help_text="The date the shift starts on")
    lead = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
    members = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True)),
        required=False, default=list, max_length=50, help_text="Usernames; the lead is always a member")

    def validate_date(self, value: dt.date) -> dt.date:
        # As the roster page: year 1 or 9999 would put the shift's start or end outside what a datetime holds (500).
        if not dt.date(2000, 1, 1) <= value <= dt.date(2099, 12, 31):
            raise serializers.ValidationError(_("Choose a date between 2000 and 2099."))
        return value


# --- Handovers -----------------------------------------------------------------------------------------


class HandoverItemSerializer(ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True, default=None)
    order_kind = serializers.CharField(source="order.kind", read_only=True, default=None)
    order_state = serializers.CharField(source="order.state", read_only=True, default=None)
    owner = serializers.CharField(source="order.owner.username", read_only=True, default=None,
                                  help_text="The order's first-question owner")

    class Meta:
        model = HandoverItem
        fields = ["id", "kind", "order", "order_number", "order_kind", "order_state", "owner", "text", "due_at",
                  "flagged", "flag_note", "reviewed"]
        read_only_fields = fields


class HandoverItemCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(HandoverItemKind.REPLY.value, HandoverItemKind.REPLY.label),
                                            (HandoverItemKind.NOTE.value, HandoverItemKind.NOTE.label)])
    text = serializers.CharField(max_length=TEXT_MAX)
    due_at = AwareDateTimeField(required=False, default=None, allow_null=True)


class ChecklistSerializer(ModelSerializer):
    class Meta:
        model = Handover
        fields = ["cleaning_done", "equipment_ok", "items_counted", "notes"]
        read_only_fields = fields


class HandoverHistorySerializer(ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = HandoverTransition
        fields = ["name", "source", "target", "actor", "at", "note"]
        read_only_fields = fields


class HandoverSerializer(ModelSerializer):
    unit = serializers.IntegerField(source="outgoing.unit_id", read_only=True)
    outgoing_lead = serializers.CharField(source="outgoing.lead.username", read_only=True)
    incoming_lead = serializers.CharField(source="incoming.lead.username", read_only=True, default=None)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, default=None)
    accepted_by = serializers.CharField(source="accepted_by.username", read_only=True, default=None)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                       help_text="The incoming shift's start + handover grace")
    late_minutes = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Handover
        fields = ["id", "state", "unit", "outgoing", "outgoing_lead", "incoming", "incoming_lead", "created_at",
                  "submitted_at", "submitted_by", "refused_at", "refusal_reason", "refused_for_cleaning",
                  "refusal_count", "accepted_at", "accepted_by", "due_at", "late_minutes", "available_transitions"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_late_minutes(self, handover: Handover) -> int | None:
        """Minutes after due_at it was accepted (or, still open, is now); null when on time."""
        late = selectors.lateness(handover)
        return int(late.total_seconds() // 60) if late is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, handover: Handover) -> list[str]:
        request = self.context.get("request")
        return selectors.available_transitions(handover, request.user) if request else []


class HandoverDetailSerializer(HandoverSerializer):
    items = HandoverItemSerializer(many=True, read_only=True)
    checklist = serializers.SerializerMethodField()
    history = HandoverHistorySerializer(many=True, read_only=True)

    class Meta(HandoverSerializer.Meta):
        fields = [*HandoverSerializer.Meta.fields, "checklist", "items", "history"]
        read_only_fields = fields

    @extend_schema_field(ChecklistSerializer)
    def get_checklist(self, handover: Handover) -> dict:
        return ChecklistSerializer(handover).data


# --- Transition inputs ---------------------------------------------------------------------------------


class SubmitInput(serializers.Serializer):
    cleaning_done = serializers.BooleanField()
    equipment_ok = serializers.BooleanField()
    items_counted = serializers.BooleanField()
    notes = serializers.CharField(max_length=NOTES_MAX, required=False, default="", allow_blank=True)

    def perform(self, *, handover: Handover, actor: User) -> Handover:
        return services.handover_submit(handover=handover, actor=actor, **self.validated_data)


class RefuseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)
    for_cleaning = serializers.BooleanField(required=False, default=False,
                                            help_text="Refused because the cleaning was not done")

    def perform(self, *, handover: Handover, actor: User) -> Handover:
        return services.handover_refuse(handover=handover, actor=actor, **self.validated_data)


class FlagSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    note = serializers.CharField(max_length=TEXT_MAX, required=False, default="", allow_blank=True)


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {
    "type": "object", "required": ["item"],
    "properties": {"item": {"type": "integer", "minimum": 1}, "note": {"type": "string", "maxLength": TEXT_MAX}},
}]})
class FlagField(serializers.Field):
    """A carried item flagged "could have been handled in the shift": its id, or ``{"item": id, "note": …}``."""

    default_error_messages = {"invalid": 'Give an item id or an object {{"item": id, "note": text}}.'}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, dict):
            flag = FlagSerializer(data=data)
            if not flag.is_valid():
                raise serializers.ValidationError(flag.errors)
            return dict(flag.validated_data)
        return {"item": FlagSerializer().fields["item"].run_validation(data), "note": ""}

    def to_representation(self, value):
        return value


class AcceptInput(serializers.Serializer):
    flagged = serializers.ListField(child=FlagField(), required=False, default=list, max_length=500,
                                    help_text="Carried work-order items that could have been handled in the shift")

    def perform(self, *, handover: Handover, actor: User) -> Handover:
        return services.handover_accept(handover=handover, actor=actor, **self.validated_data)


class HandoverTransitionRequestSerializer(SubmitInput, RefuseInput, AcceptInput):
    """Every field any handover transition takes: submit (checklist, notes), refuse (reason, for_cleaning),
    accept (flagged)."""

    cleaning_done = serializers.BooleanField(required=False)
    equipment_ok = serializers.BooleanField(required=False)
    items_counted = serializers.BooleanField(required=False)
    reason = serializers.CharField(max_length=TEXT_MAX, required=False)


# The URL's transition name → its input (the router's one table); each calls its typed service.
TRANSITION_INPUTS = {"submit": SubmitInput, "refuse": RefuseInput, "accept": AcceptInput}
