"""contactcenter.rows: ``insert`` must write what ``save(force_insert=True)`` writes, ``newest`` return what the ORM
returns, ``insert_numbered`` write the row and the number ``assign_number`` gives — on SQLite and on PostgreSQL
(both CI runs). The module uses public APIs only (``tests/contactcenter/test_public_apis.py``)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F, signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contactcenter.rows import insert, insert_numbered, newest
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


def _new_order(people, customer, **extra) -> WorkOrder:
    order = RepairOrder(kind="repair", description="停电", customer=customer, caller_number="13900000001",
                        owner=people.agent, accepted_at=timezone.now(), **extra)
    order.number = order.number_prefix()
    return order


def test_insert_numbered_writes_the_row_and_the_number_in_one_statement_on_postgresql(people, customer):
    seen = []

    def post(sender, instance, created, **kwargs):
        seen.append((sender, created, instance.pk, instance.number))

    insert_numbered(_new_order(people, customer), "number", digits=7)  # the statement is built on first use
    signals.post_save.connect(post, sender=WorkOrder)
    try:
        with CaptureQueriesContext(connection) as captured:
            ours = insert_numbered(_new_order(people, customer, title="抢修"), "number", digits=7)
    finally:
        signals.post_save.disconnect(post, sender=WorkOrder)
    assert len(captured) == (1 if connection.vendor == "postgresql" else 2)  # elsewhere: INSERT, then UPDATE
    assert ours.number == ours.assign_number() and ours.number.endswith(f"{ours.pk:07d}")
    assert not ours._state.adding and ours._state.db == "default"
    if connection.vendor == "postgresql":
        assert seen == [(WorkOrder, True, ours.pk, ours.number)]  # post_save sees the complete row
    theirs = _new_order(people, customer, title="抢修")
    theirs.save(force_insert=True)
    read_ours, read_theirs = WorkOrder.objects.get(pk=ours.pk), WorkOrder.objects.get(pk=theirs.pk)
    assert read_ours.number == ours.number
    ignore = {"id": 0, "number": "", "accepted_at": None, "created_at": None, "updated_at": None}
    assert _columns(read_ours) | ignore == _columns(read_theirs) | ignore
    assert WorkOrder.objects.filter(pk__gt=ours.pk).count() == 1  # the id drawn is the sequence's next


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the number is built in SQL on PostgreSQL only")
def test_insert_numbered_keeps_every_digit_of_a_long_id(people, customer):
    """Python's f"{pk:07d}" pads to 7 digits and never cuts: neither does the statement (lpad alone would)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('tickets_workorder', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last, called = cursor.fetchone()
        try:
            cursor.execute("SELECT setval(%s, 123456788)", [sequence])
            order = insert_numbered(_new_order(people, customer), "number", digits=7)
        finally:  # a sequence is not rolled back with the test's transaction
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last, called])
    assert order.pk == 123456789 and order.number == order.assign_number()
    assert WorkOrder.objects.get(pk=order.pk).number.endswith("123456789")


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


def test_insert_new_writes_what_bulk_create_writes_and_skips_what_a_unique_key_holds():
    from contactcenter.models import DomainEvent
    from contactcenter.rows import insert_new

    now = timezone.now()
    payload = {"id": 1, "number": "GZ1", "nested": {"中文": [1, 2.5, None, True]}}
    DomainEvent.objects.bulk_create([DomainEvent(kind="order.created", key="theirs", payload=payload,
                                                 occurred_at=now)], ignore_conflicts=True)
    insert_new([DomainEvent(kind="order.created", key="ours", payload=payload, occurred_at=now),
                DomainEvent(kind="order.urged", key="ours-2", payload={}, occurred_at=now)])
    insert_new([DomainEvent(kind="order.created", key="ours", payload={"other": 1}, occurred_at=now),  # skipped
                DomainEvent(kind="order.urged", key="ours-3", payload={}, occurred_at=now)])
    rows = {row["key"]: row for row in DomainEvent.objects.values()}
    assert sorted(rows) == ["ours", "ours-2", "ours-3", "theirs"]
    ours, theirs = rows["ours"], rows["theirs"]
    assert (ours["kind"], ours["payload"], ours["occurred_at"]) == (theirs["kind"], theirs["payload"],
                                                                   theirs["occurred_at"])
    assert ours["id"] < rows["ours-3"]["id"]
    insert_new([])  # nothing: no statement


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are sent together on PostgreSQL only")
def test_a_batch_sends_its_rows_in_one_round_trip_and_before_any_read(people, customer):
    from django.db import transaction

    from contactcenter.models import DomainEvent
    from contactcenter.rows import batch, insert_new, insert_rows

    order = insert_numbered(RepairOrder(kind="repair", description="停电", customer=customer, owner=people.agent,
                                        caller_number=customer.phone, accepted_at=timezone.now(), number="GZ"),
                            "number")
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with batch():
            insert_rows([WorkOrderTransition(order=order, name="create", source="", target="accepted",
                                             actor=people.agent, at=now)])
            insert_new([DomainEvent(kind="order.created", key="batched", payload={}, occurred_at=now)])
            assert not captured.captured_queries[1:]  # BEGIN only: nothing sent yet
            # A read meanwhile sees them: the batch goes first.
            assert DomainEvent.objects.filter(key="batched").exists()
            insert_new([DomainEvent(kind="order.urged", key="batched-2", payload={}, occurred_at=now)])
        assert DomainEvent.objects.filter(key="batched-2").exists()
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum("INSERT INTO" in sql for sql in sqls) == 2, sqls  # two round trips: before the read, at the end
    assert order.history.filter(name="create").count() == 1

    with pytest.raises(ZeroDivisionError), transaction.atomic(), batch():  # an error: nothing is sent
        insert_new([DomainEvent(kind="order.created", key="dropped", payload={}, occurred_at=now)])
        1 / 0  # noqa: B018
    assert not DomainEvent.objects.filter(key="dropped").exists()


def test_insert_rows_writes_every_row_and_a_broken_constraint_raises():
    from django.db import IntegrityError, transaction

    from contactcenter.models import DomainEvent
    from contactcenter.rows import batch, insert_rows

    now = timezone.now()
    with batch():
        insert_rows([DomainEvent(kind="order.created", key="a", payload={}, occurred_at=now),
                     DomainEvent(kind="order.created", key="b", payload={}, occurred_at=now)])
    assert sorted(DomainEvent.objects.values_list("key", flat=True)) == ["a", "b"]
    with pytest.raises(IntegrityError), transaction.atomic(), batch():
        insert_rows([DomainEvent(kind="order.created", key="a", payload={}, occurred_at=now)])
