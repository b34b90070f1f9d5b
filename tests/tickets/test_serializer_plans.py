"""The read-only serializers write an instance through fields built and bound once (tickets.serializers._plan):
the answer must be exactly DRF's own, field for field and in order, for every shape of order."""

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from tickets import selectors
from tickets.models import Callback, WorkOrder
from tickets.serializers import CallSerializer, WorkOrderDetailSerializer, WorkOrderSerializer
from tickets.services import call_log, work_order_create, work_order_transition

pytestmark = pytest.mark.django_db


def _drf(serializer_class, instance, context):
    """What DRF's ModelSerializer writes (the fields cloned and bound for this instance, the phones masked)."""
    serializer = serializer_class(instance, context=context)
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.mark.parametrize("who", ["agent", "manager", "supervisor"])
def test_orders_and_calls_are_written_as_drf_writes_them(people, org, who):
    call = call_log(caller_number="13900000001", ring_started_at=timezone.now(), answered_at=timezone.now(),
                    ended_at=None, agent=people.agent, logged_by=people.agent)
    work_order_create(kind="consultation", description="咨询", caller_number="13900000001",
                              actor=people.agent, answer="已答复")  # closed on the call: many columns None
    complaint = work_order_create(kind="complaint", description="投诉", caller_number="13900000002",
                                  actor=people.agent, call=call, address="示范路1号")
    work_order_transition(order=complaint, name="forward", actor=people.agent,
                          params={"department": org.supervision.pk})
    Callback.objects.create(order=complaint, agent=people.agent2, made_at=timezone.now(), reached=True,
                            satisfied=False, suggestions="再核实")
    user = getattr(people, who)
    request = Request(RequestFactory().get("/"))
    request.user = user
    context = {"request": request}
    for order in selectors.visible_work_orders(user).prefetch_related(*selectors.detail_prefetches()):
        for serializer_class in (WorkOrderSerializer, WorkOrderDetailSerializer):
            ours = serializer_class(order, context=context).data
            theirs = _drf(serializer_class, order, context)
            if who == "manager":  # the mixin masks after either: compare the unmasked writing
                theirs["caller_number"] = ours["caller_number"]
            assert list(ours) == list(theirs)
            assert dict(ours) == dict(theirs)
    assert WorkOrder.objects.count() == 2
    ours = CallSerializer(call, context=context).data
    theirs = _drf(CallSerializer, call, context)
    if who == "manager":
        theirs["caller_number"] = ours["caller_number"]
    assert dict(ours) == dict(theirs) and list(ours) == list(theirs)


BAD_INPUTS = [
    {},
    {"kind": "nope", "description": "", "caller_number": "x" * 40},
    {"kind": "repair", "description": "停电", "caller_number": "13900000001", "area_type": "moon", "customer": 999999,
     "call": "x", "title": None, "answer": 5},
    {"kind": ["repair"], "description": {"a": 1}, "caller_number": 13900000001},
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("data", BAD_INPUTS + [{"kind": "repair", "description": "停电", "caller_number": "139"}])
def test_input_serializers_with_shared_fields_validate_as_drf(data, language):
    """WorkOrderCreateSerializer validates with fields bound once (SharedInputFieldsMixin): the same errors (texts,
    codes, in the request's language) and the same validated data as DRF's fields built for the instance."""
    from django.utils import translation

    from tickets.serializers import SharedInputFieldsMixin, WorkOrderCreateSerializer

    class Fresh(WorkOrderCreateSerializer):  # DRF's own fields property: fields built for each instance
        fields = serializers.Serializer.fields

    assert issubclass(WorkOrderCreateSerializer, SharedInputFieldsMixin)
    with translation.override(language):
        ours, theirs = WorkOrderCreateSerializer(data=data), Fresh(data=data)
        assert ours.is_valid() == theirs.is_valid()
        assert ours.errors == theirs.errors
        assert [(k, [e.code for e in v]) for k, v in ours.errors.items()] == \
            [(k, [e.code for e in v]) for k, v in theirs.errors.items()]
        if not ours.errors:
            assert ours.validated_data == theirs.validated_data
        other = WorkOrderCreateSerializer(data={"kind": "complaint", "description": "投诉", "caller_number": "1"})
        assert other.is_valid() and other.validated_data["kind"] == "complaint"  # nothing carried between instances
    if language == "en" and not data:
        assert "This field is required." in str(ours.errors["kind"][0])
