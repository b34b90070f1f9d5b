"""contactcenter.rows: ``insert`` must write what ``save(force_insert=True)`` writes, ``newest`` return what the ORM
returns — on SQLite and on PostgreSQL (both CI runs)."""

import datetime as dt

import pytest
from django.db.models import F, signals
from django.utils import timezone

from contactcenter.rows import insert, newest
from tickets.models import Customer, RepairOrder, WorkOrder, WorkOrderTransition

pytestmark = pytest.mark.django_db


def _columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_insert_writes_the_row_save_writes(org):
    ours = insert(Customer(phone="13900000001", name="张三", address="示范路1号", unit=org.center))
    theirs = Customer(phone="13900000002", name="张三", address="示范路1号", unit=org.center)
    theirs.save(force_insert=True)
    assert ours.pk and not ours._state.adding and ours._state.db == "default"
    read_ours, read_theirs = Customer.objects.get(pk=ours.pk), Customer.objects.get(pk=theirs.pk)
    assert ours.created_at is not None  # auto_now_add filled in, as save() does
    for values in (_columns(read_ours), _columns(read_theirs)):
        values.pop("id"), values.pop("phone"), values.pop("created_at")
    assert _columns(read_ours) | {"id": 0, "phone": "", "created_at": None} == \
        _columns(read_theirs) | {"id": 0, "phone": "", "created_at": None}
    assert read_ours.created_at == ours.created_at  # what the instance holds is what was written


def test_insert_sends_the_signals_save_sends_under_the_concrete_model(people, customer):
    seen = []

    def pre(sender, instance, raw, using, update_fields, **kwargs):
        seen.append(("pre", sender, instance._state.adding))

    def post(sender, instance, created, raw, using, update_fields, **kwargs):
        seen.append(("post", sender, created, instance._state.adding))

    signals.pre_save.connect(pre)
    signals.post_save.connect(post)
    try:
        order = RepairOrder(kind="repair", description="停电", customer=customer, caller_number="13900000001",
                            owner=people.agent, accepted_at=timezone.now())
        insert(order)
    finally:
        signals.pre_save.disconnect(pre)
        signals.post_save.disconnect(post)
    assert seen == [("pre", WorkOrder, True), ("post", WorkOrder, True, False)]  # a proxy's sender: as save()
    assert isinstance(WorkOrder.objects.get(pk=order.pk), RepairOrder)


def test_insert_with_the_pk_given(people, customer):
    order = WorkOrder(kind="repair", description="停电", customer=customer, caller_number="13900000001",
                      owner=people.agent, accepted_at=timezone.now())
    order.pk = 987654
    insert(order)
    history = insert(WorkOrderTransition(order=order, name="create", source="", target="accepted",
                                         actor=people.agent, at=timezone.now(), data={"a": [1, "二"]}))
    assert WorkOrder.objects.get(pk=987654).description == "停电"
    assert WorkOrderTransition.objects.get(pk=history.pk).data == {"a": [1, "二"]}  # JSON adapted as save() does


def test_insert_refuses_expressions_and_unsaved_relations(people, customer):
    with pytest.raises(TypeError):
        insert(Customer(phone=F("name")))
    with pytest.raises(ValueError):  # as save(): a related object that was never saved
        insert(WorkOrder(kind="repair", description="x", customer=Customer(phone="1"), caller_number="1",
                         owner=people.agent, accepted_at=timezone.now()))
    assert not Customer.objects.filter(phone="1").exists()


def test_newest_returns_what_the_orm_returns(org):
    for name in ("一", "二", "三"):
        Customer.objects.create(phone="13900000009", name=name, unit=org.center)
    Customer.objects.create(phone="13900000008", name="别人")
    ours = newest(Customer, phone="13900000009")
    theirs = Customer.objects.filter(phone="13900000009").order_by("-pk").first()
    assert _columns(ours) == _columns(theirs) and ours.name == "三"
    assert isinstance(ours.created_at, dt.datetime) and timezone.is_aware(ours.created_at)  # SQLite's converters
    assert not ours._state.adding and ours._state.db == "default"
    assert newest(Customer, phone="13900000007") is None
    assert newest(Customer, phone="13900000009", name="一").name == "一"
    with pytest.raises(ValueError):
        newest(Customer, phone=None)
