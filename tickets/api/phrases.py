"""Service language over the API: the standard phrases 规范用语 by situation, the forbidden phrases 服务禁语,
and the live check the console runs while an agent types. The transitions that carry a text to a customer
refuse a forbidden phrase themselves (400 ``forbidden_phrase``); this check only warns early."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.drf import ERRORS, MethodsFirst, ModelSerializer

from .. import services
from ..models import CustomerText, ForbiddenPhrase, Kind, Severity, StandardPhrase
from ..serializers import TEXT_MAX


class WritesToCustomers(permissions.BasePermission):
    """The front office (agents, leads, supervisors) and department handlers, who reply to customers."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated
                    and (user.has_perm("tickets.take_calls") or user.has_perm("tickets.handle_department")))


class StandardPhraseSerializer(ModelSerializer):
    class Meta:
        model = StandardPhrase
        fields = ["id", "situation", "text", "order", "source"]
        read_only_fields = fields


class ForbiddenPhraseSerializer(ModelSerializer):
    kinds = serializers.ListField(source="kind_list", child=serializers.ChoiceField(choices=Kind.choices),
                                  help_text="Forbidden only in orders of these kinds (empty: every kind)")
    texts = serializers.ListField(source="text_list", child=serializers.ChoiceField(choices=CustomerText.choices),
                                  help_text="Forbidden only in these texts to the customer (empty: every text)")

    class Meta:
        model = ForbiddenPhrase
        fields = ["id", "text", "note", "source", "severity", "kinds", "texts"]
        read_only_fields = fields


class PhraseCheckRequestSerializer(serializers.Serializer):
    # Not trimmed: the offsets of the answer are positions in the text exactly as sent.
    text = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, trim_whitespace=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_blank=True, default="",
                                   help_text="The order's kind: phrases limited to some kinds apply only there")
    context = serializers.ChoiceField(choices=CustomerText.choices, required=False, allow_blank=True, default="",
                                      help_text="Which text to the customer: phrases limited to some texts apply only "
                                                "there")


class PhraseMatchSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the first character, in code points of the text sent")
    end = serializers.IntegerField(help_text="Offset after the last character (exclusive)")
    suggestion = serializers.CharField(help_text="What to say instead, if the supervisors noted it")
    severity = serializers.ChoiceField(choices=Severity.choices,
                                       help_text="block: the text is refused; warn: kept only when confirmed")


class PhraseCheckResponseSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when the text contains no forbidden phrase (none that blocks or "
                                            "warns)")
    matches = PhraseMatchSerializer(many=True)


class StandardPhraseViewSet(MethodsFirst, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active standard phrases 规范用语, by situation and order (``?situation=complaint_accept``)."""

    queryset = StandardPhrase.objects.filter(active=True).order_by("situation", "order", "id")
    serializer_class = StandardPhraseSerializer
    permission_classes = [WritesToCustomers]
    filterset_fields = ["situation"]


class ForbiddenPhraseViewSet(MethodsFirst, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active forbidden phrases 服务禁语, with what to say instead where noted."""

    queryset = ForbiddenPhrase.objects.filter(active=True).order_by("id")
    serializer_class = ForbiddenPhraseSerializer
    permission_classes = [WritesToCustomers]


class PhraseCheckView(APIView):
    """The forbidden phrases in a text, with their positions, for the console's live check."""

    permission_classes = [WritesToCustomers]

    @extend_schema(request=PhraseCheckRequestSerializer,
                   responses={200: PhraseCheckResponseSerializer, 400: ERRORS[400], 403: ERRORS[403]})
    def post(self, request):
        data = PhraseCheckRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matches = services.forbidden_phrases_in(data.validated_data["text"], kind=data.validated_data["kind"] or None,
                                                context=data.validated_data["context"] or None)
        return Response(PhraseCheckResponseSerializer({"ok": not matches, "matches": matches}).data)
