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
