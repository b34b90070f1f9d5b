"""``contactcenter.drf.PlannedOutput`` and ``PlannedInput``. A work order, its history and callbacks, and a call are
written exactly as DRF's own ``Serializer.to_representation`` writes them — field for field and in order — for every
shape of order (closed on the call, with history and callbacks, not dispatched, null relations) and every role (phones
masked or not); input is validated as DRF validates it, in every language."""

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from tests.actions import act
from tickets import selectors
from tickets.models import Callback, WorkOrder
from tickets.serializers import CallSerializer, WorkOrderDetailSerializer, WorkOrderSerializer
from tickets.serializers.workorders import PossibleDuplicateSerializer
from tickets.services import call_log, work_order_create

pytestmark = pytest.mark.django_db


def _drf(serializer_class, instance, context):
    """What DRF's Serializer writes: every field of a fresh instance, bound to it (its nested ones too)."""
    serializer = serializer_class(instance, context=context)
    data = serializers.Serializer.to_representation(serializer, instance)
    for name, field in serializer.fields.items():  # the nested lists, written by DRF too
        if isinstance(field, serializers.ListSerializer) and data.get(name) is not None:
            data[name] = [serializers.Serializer.to_representation(field.child, item)
                          for item in field.get_attribute(instance)]
    return data


@pytest.mark.parametrize("who", ["agent", "manager", "supervisor"])
def test_orders_and_calls_are_written_as_drf_writes_them(people, org, who):
    call = call_log(caller_number="13900000001", ring_started_at=timezone.now(), answered_at=timezone.now(),
                    ended_at=None, agent=people.agent, logged_by=people.agent)
    work_order_create(kind="consultation", description="咨询", caller_number="13900000001",
                      actor=people.agent, answer="已答复")  # closed on the call: many columns None
    complaint = work_order_create(kind="complaint", description="投诉", caller_number="13900000002",
                                  actor=people.agent, call=call, address="示范路1号")
    act(order=complaint, name="forward", actor=people.agent, params={"department": org.supervision.pk})
    Callback.objects.create(order=complaint, agent=people.agent2, made_at=timezone.now(), reached=True,
                            satisfied=False, suggestions="再核实")
    user = getattr(people, who)
    request = Request(RequestFactory().get("/"))
    request.user = user
    context = {"request": request}
    orders = list(selectors.visible_work_orders(user).prefetch_related(*selectors.detail_prefetches()))
    assert len(orders) == 2 == WorkOrder.objects.count()
    for order in orders:
        for serializer_class in (WorkOrderSerializer, WorkOrderDetailSerializer):
            ours = serializer_class(order, context=context).data
            theirs = _drf(serializer_class, order, context)
            theirs["caller_number"] = ours["caller_number"] if who == "manager" else theirs["caller_number"]
            if who == "manager":  # masking comes after either writing
                assert ours["caller_number"].count("*") == 4
            assert list(ours) == list(theirs)
            assert dict(ours) == dict(theirs)
    ours = CallSerializer(call, context=context).data
    theirs = _drf(CallSerializer, call, context)
    if who == "manager":
        theirs["caller_number"] = ours["caller_number"]
    assert list(ours) == list(theirs) and dict(ours) == dict(theirs)
    candidates = selectors.repeat_candidates(phone="13900000002", address="示范路1号")
    assert candidates
    for candidate in candidates:  # what every create answers with (possible_duplicates)
        ours = PossibleDuplicateSerializer(candidate, context=context).data
        theirs = _drf(PossibleDuplicateSerializer, candidate, context)
        assert list(ours) == list(theirs) and dict(ours) == dict(theirs)


def test_a_list_writes_each_order_with_its_own_methods(people, org):
    """The method fields read the serializer at hand (its request): a list answers each order for its user."""
    order = work_order_create(kind="repair", description="停电", caller_number="13900000003", actor=people.agent)
    request = Request(RequestFactory().get("/"))
    for user, expected in ((people.agent, True), (people.manager, False)):
        request.user = user
        data = WorkOrderSerializer([order], many=True, context={"request": request}).data
        assert ("dispatch" in data[0]["available_transitions"]) is expected


BAD_INPUTS = [
    {},
    {"kind": "nope", "description": "", "caller_number": "x" * 40},
    {"kind": "repair", "description": "停电", "caller_number": "13900000001", "area_type": "moon", "customer": 999999,
     "call": "x", "title": None, "answer": 5},
    {"kind": ["repair"], "description": {"a": 1}, "caller_number": 13900000001, "confirm_phrases": "maybe"},
    {"kind": "repair", "description": "停电", "caller_number": "13900000001", "customer": 2**70, "call": 0},
    {"kind": "consultation", "description": "咨询", "caller_number": "13900000001", "title": "电价",
     "answer": "已答复"},
    {"caller_number": "13900000001", "ring_started_at": "2026-01-01T08:00", "agent": "nobody", "outcome": "x"},
    {"caller_number": "13900000001", "ring_started_at": "2026-01-01T08:00:00+08:00", "seat": "8" * 30},
    {"caller_number": "13900000001", "ring_started_at": "2026-01-01T08:00:00+08:00", "note": "好", "customer": None},
    {"caller_number": " ", "ring_started_at": "2126-01-01T08:00:00+08:00", "account_number": "x" * 40},
    "not an object",
]


def _drf_validation(serializer_class, data):
    """DRF's own: a fresh instance's deep-copied fields."""
    serializer = serializer_class(data=data)
    try:
        return True, serializers.Serializer.to_internal_value(serializer, data)
    except serializers.ValidationError as error:
        return False, error.detail


@pytest.mark.parametrize("data", BAD_INPUTS)
def test_input_is_validated_as_drf_validates_it_in_each_language(people, data):
    """The same values and the same errors (texts, codes) as DRF's own validation, in Chinese and English taking
    turns: a message formatted once in one language must not be answered in the other."""
    from django.utils import translation

    from tickets.serializers import CallCreateSerializer, WorkOrderCreateSerializer

    for language in ("en", "zh-hans", "en", "zh-hans"):
        for serializer_class in (WorkOrderCreateSerializer, CallCreateSerializer):
            with translation.override(language):
                ours = serializer_class(data=data)
                valid = ours.is_valid()
                theirs_valid, theirs = _drf_validation(serializer_class, data)
                assert valid is theirs_valid
                if valid:
                    assert dict(ours.validated_data) == dict(theirs)
                elif isinstance(theirs, dict):
                    assert ours.errors == theirs
                    codes = {name: [getattr(e, "code", None) for e in errs] for name, errs in theirs.items()
                             if isinstance(errs, list)}
                    assert {name: [getattr(e, "code", None) for e in errs] for name, errs in ours.errors.items()
                            if isinstance(errs, list)} == codes

