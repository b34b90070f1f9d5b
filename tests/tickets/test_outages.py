"""Outage notices 停电信息 through the services (design "Outage notices"; issue 5), on a frozen clock
(Asia/Shanghai): the notice's life cycle, repair calls from its area linked to it instead of dispatched again,
and restoring it resolving the linked repairs with their callbacks sampled.

Every expected time here is written out by hand; the application's deadline functions are never used to
compute an expectation.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contactcenter.errors import Conflict, InvalidInput, NotPermitted
from tests.actions import act, outage_act
from tickets.models import (
    Kind,
    OutageKind,
    OutageNotice,
    OutageState,
    OutageTransition,
    SlaPolicy,
    State,
    WorkOrder,
    WorkOrderTransition,
)
from tickets.selectors import outage_notices
from tickets.services import outage_receive, work_order_create

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
AREA = "中山路"  # the fixture customer lives at 示范市中山路1号
CAUSE = "10kV中山线故障"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)

    def move_to(moment: dt.datetime) -> None:
        time_machine.move_to(moment, tick=False)

    return move_to


# --- helpers


def receive(actor, *, kind=OutageKind.FAULT, area=AREA, starts_at=None, expected_restore_at=None, **extra):
    now = timezone.now()
    starts_at = starts_at if starts_at is not None else now - HOUR
    return outage_receive(kind=kind, area=area, cause=CAUSE, starts_at=starts_at,
                          expected_restore_at=expected_restore_at or starts_at + 4 * HOUR, actor=actor, **extra)


def fire(notice: OutageNotice, name: str, actor, **params) -> OutageNotice:
    """Fire a transition on a freshly loaded notice (as a request would)."""
    return outage_act(notice=OutageNotice.objects.get(pk=notice.pk), name=name, actor=actor, params=params)


def published(people, **extra) -> OutageNotice:
    notice = receive(people.agent, **extra)
    return fire(notice, "publish", people.agent)


def notice_row(notice: OutageNotice) -> dict:
    return OutageNotice.objects.filter(pk=notice.pk).values().get()


def order_row(order: WorkOrder) -> dict:
    return WorkOrder.objects.filter(pk=order.pk).values().get()


def history(notice: OutageNotice) -> list[tuple]:
    return list(OutageTransition.objects.filter(notice=notice).order_by("id").values_list(
        "name", "source", "target", "actor_id", "at"))


def order_history(order: WorkOrder) -> list[str]:
    return list(WorkOrderTransition.objects.filter(order=order).order_by("id").values_list("name", flat=True))


def call(people, customer, kind=Kind.REPAIR, actor=None, **extra) -> WorkOrder:
    return work_order_create(kind=kind, description="家里停电了", caller_number=customer.phone, customer=customer,
                             actor=actor or people.agent, **extra)


def reload(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def set_repair_callback_sample(percent: int) -> None:
    assert SlaPolicy.objects.filter(order_kind="repair", deadline="callback", active=True).update(
        sample_percent=percent) == 1


# --- 1. Life cycle: receive → publish → (update) → restore → close


def test_receive_records_the_notice_and_a_create_row(clock, people, org):
    starts, expected = at(2026, 3, 2, 8, 30), at(2026, 3, 2, 12, 0)
    notice = outage_receive(kind=OutageKind.FAULT, area="  中山路\n解放路  ", cause=f" {CAUSE} ", starts_at=starts,
                            expected_restore_at=expected, actor=people.agent, source_department=org.repair)
    row = notice_row(notice)
    assert row["state"] == OutageState.RECEIVED
    assert (row["kind"], row["area"], row["cause"]) == ("fault", "中山路\n解放路", CAUSE)
    assert (row["starts_at"], row["expected_restore_at"]) == (starts, expected)
    assert (row["received_at"], row["received_by_id"], row["unit_id"]) == (START, people.agent.pk, org.center.pk)
    assert row["source_department_id"] == org.repair.pk
    assert (row["published_at"], row["published_by_id"], row["restored_at"], row["closed_at"]) == (None,) * 4
    assert (row["announced_late"], row["updated_count"]) == (False, 0)
    assert history(notice) == [("create", "", "received", people.agent.pk, START)]


def test_receive_keeps_a_given_received_at(clock, people):
    earlier = at(2026, 3, 2, 8, 40)
    notice = receive(people.agent, received_at=earlier)
    assert notice_row(notice)["received_at"] == earlier
    assert history(notice)[0][4] == START  # the history row is written when it was recorded


def test_publish_stamps_who_and_when(clock, people):
    notice = receive(people.agent)
    clock(START + 20 * MINUTE)
    fire(notice, "publish", people.agent2)
    row = notice_row(notice)
    assert row["state"] == OutageState.PUBLISHED
    assert (row["published_at"], row["published_by_id"]) == (START + 20 * MINUTE, people.agent2.pk)
    assert row["announced_late"] is False  # a fault has no announcement lead time
    assert history(notice)[-1] == ("publish", "received", "published", people.agent2.pk, START + 20 * MINUTE)
    assert OutageTransition.objects.filter(notice=notice).latest("id").data == {"announced_late": False}


@pytest.mark.parametrize(("kind", "ahead", "late"), [
    (OutageKind.PLANNED, dt.timedelta(days=3), True),
    (OutageKind.PLANNED, dt.timedelta(days=7) - MINUTE, True),
    (OutageKind.PLANNED, dt.timedelta(days=7), False),  # exactly the lead time is in time
    (OutageKind.PLANNED, dt.timedelta(days=8), False),
    (OutageKind.TEMPORARY, 23 * HOUR, True),
    (OutageKind.TEMPORARY, 25 * HOUR, False),
    (OutageKind.FAULT, HOUR, False),
    (OutageKind.FAULT, -HOUR, False),  # a fault is published after it started
], ids=lambda v: str(v))
def test_publish_flags_a_late_announcement_by_the_kinds_lead_time(clock, people, kind, ahead, late):
    # Planned: 7 days (State Grid's commitment); temporary: 24 h; fault: none (seeded OutageLeadTime rows).
    notice = receive(people.agent, kind=kind, starts_at=START + ahead)
    fire(notice, "publish", people.agent)
    assert notice_row(notice)["announced_late"] is late
    assert OutageTransition.objects.filter(notice=notice, name="publish").get().data == {"announced_late": late}


def test_update_moves_the_expected_restoration_and_counts(clock, people):
    notice = published(people)
    first_expected = notice_row(notice)["expected_restore_at"]
    clock(START + HOUR)
    moved = at(2026, 3, 2, 15, 0)
    fire(notice, "update", people.agent, expected_restore_at=moved)
    row = notice_row(notice)
    assert first_expected != moved
    assert (row["state"], row["expected_restore_at"], row["updated_count"]) == ("published", moved, 1)
    assert row["cause"] == CAUSE and row["area"] == AREA
    assert history(notice)[-1] == ("update", "published", "published", people.agent.pk, START + HOUR)
    assert OutageTransition.objects.filter(notice=notice).latest("id").data == {
        "expected_restore_at": moved.isoformat()}

    clock(START + 2 * HOUR)
    fire(notice, "update", people.lead, cause="变压器烧损", area="中山路、解放路")
    row = notice_row(notice)
    assert (row["cause"], row["area"], row["updated_count"]) == ("变压器烧损", "中山路、解放路", 2)
    assert row["expected_restore_at"] == moved
    assert [h[0] for h in history(notice)] == ["create", "publish", "update", "update"]


@pytest.mark.parametrize("params", [
    {},
    {"expected_restore_at": START - HOUR},  # the start itself
    {"expected_restore_at": START - 2 * HOUR},  # before the start
    {"area": "，、;\n "},
], ids=["nothing", "at-start", "before-start", "empty-area"])
def test_update_with_bad_input_changes_nothing(clock, people, params):
    notice = published(people)  # started at START − 1 h
    row, rows = notice_row(notice), history(notice)
    with pytest.raises(InvalidInput):
        fire(notice, "update", people.agent, **params)
    assert notice_row(notice) == row
    assert history(notice) == rows


def test_restore_stamps_the_restoration_and_close_closes(clock, people):
    notice = published(people)
    clock(START + 2 * HOUR)
    fire(notice, "restore", people.agent)
    row = notice_row(notice)
    assert (row["state"], row["restored_at"]) == (OutageState.RESTORED, START + 2 * HOUR)
    assert history(notice)[-1] == ("restore", "published", "restored", people.agent.pk, START + 2 * HOUR)
    assert OutageTransition.objects.filter(notice=notice).latest("id").data == {"resolved_orders": 0}

    clock(START + 3 * HOUR)
    fire(notice, "close", people.lead)
    row = notice_row(notice)
    assert (row["state"], row["closed_at"], row["restored_at"]) == (OutageState.CLOSED, START + 3 * HOUR,
                                                                     START + 2 * HOUR)
    assert [h[0] for h in history(notice)] == ["create", "publish", "restore", "close"]


def test_restore_takes_a_reported_restoration_time_between_start_and_now(clock, people):
    notice = published(people)  # started at 08:00
    clock(START + 2 * HOUR)
    for bad in (START + 2 * HOUR + MINUTE, START - HOUR - MINUTE):
        with pytest.raises(InvalidInput):
            fire(notice, "restore", people.agent, restored_at=bad)
        assert notice_row(notice)["state"] == OutageState.PUBLISHED
    fire(notice, "restore", people.agent, restored_at=START + 30 * MINUTE)
    assert notice_row(notice)["restored_at"] == START + 30 * MINUTE


# The path to each state, and the transitions not allowed from it.
NOTICE_PATHS = {
    OutageState.RECEIVED: [],
    OutageState.PUBLISHED: ["publish"],
    OutageState.RESTORED: ["publish", "restore"],
    OutageState.CLOSED: ["publish", "restore", "close"],
}
LEGAL_NOTICE = {("publish", "received"), ("update", "published"), ("restore", "published"), ("close", "restored")}
ILLEGAL_NOTICE = [pytest.param(state, name, id=f"{name}-from-{state}")
                  for state in NOTICE_PATHS for name in ("publish", "update", "restore", "close")
                  if (name, state) not in LEGAL_NOTICE]


def drive_notice(people, state: str) -> OutageNotice:
    notice = receive(people.agent)
    for name in NOTICE_PATHS[state]:
        fire(notice, name, people.agent)
    assert notice_row(notice)["state"] == state
    return notice


@pytest.mark.parametrize(("state", "name"), ILLEGAL_NOTICE)
def test_illegal_notice_transitions_conflict_and_change_nothing(clock, people, state, name):
    notice = drive_notice(people, state)
    row, rows = notice_row(notice), history(notice)
    clock(START + HOUR)
    with pytest.raises(Conflict) as raised:
        fire(notice, name, people.supervisor, expected_restore_at=START + 5 * HOUR)
    assert raised.value.code == "transition_not_allowed"
    assert notice_row(notice) == row
    assert history(notice) == rows


@pytest.mark.parametrize("name", ["fly", "create", "save", "delete", "dispatch"])
def test_unknown_notice_transitions_conflict(clock, people, name):
    notice = drive_notice(people, OutageState.PUBLISHED)
    row = notice_row(notice)
    with pytest.raises(Conflict) as raised:
        fire(notice, name, people.supervisor)
    assert raised.value.code == "unknown_transition"
    assert notice_row(notice) == row


@pytest.mark.parametrize("username", ["repair", "marketing", "manager"])
def test_a_user_who_does_not_take_calls_neither_receives_nor_acts_on_notices(clock, people, username):
    user = getattr(people, username)
    with pytest.raises(NotPermitted):
        receive(user)
    assert not OutageNotice.objects.exists()

    for state, name in [(OutageState.RECEIVED, "publish"), (OutageState.PUBLISHED, "update"),
                        (OutageState.PUBLISHED, "restore"), (OutageState.RESTORED, "close")]:
        notice = drive_notice(people, state)
        row, rows = notice_row(notice), history(notice)
        with pytest.raises(NotPermitted):
            fire(notice, name, user, expected_restore_at=START + 5 * HOUR)
        assert notice_row(notice) == row
        assert history(notice) == rows


@pytest.mark.parametrize("username", ["agent", "agent2", "lead", "supervisor"])
def test_the_front_office_receives_and_publishes(clock, people, username):
    user = getattr(people, username)
    notice = receive(user)
    fire(notice, "publish", user)
    assert notice_row(notice)["published_by_id"] == user.pk


@pytest.mark.parametrize("area", ["", "   ", "\n\n", "，、;；,\n"])
def test_receive_without_an_area_is_invalid(clock, people, area):
    with pytest.raises(InvalidInput) as raised:
        receive(people.agent, area=area)
    assert raised.value.extra == {"field": "area"}
    assert not OutageNotice.objects.exists() and not OutageTransition.objects.exists()


@pytest.mark.parametrize("expected", [START - HOUR, START - HOUR - MINUTE, START - DAY],
                         ids=["at-start", "a-minute-before", "a-day-before"])
def test_receive_with_the_restoration_not_after_the_start_is_invalid(clock, people, expected):
    with pytest.raises(InvalidInput) as raised:
        receive(people.agent, starts_at=START - HOUR, expected_restore_at=expected)
    assert raised.value.extra == {"field": "expected_restore_at"}
    assert not OutageNotice.objects.exists() and not OutageTransition.objects.exists()


# --- 2. Repair calls from the area are linked, not dispatched again


@pytest.mark.parametrize("area", [
    "中山路", "解放路\n中山路", "解放路\r\n中山路", "解放路,中山路", "解放路，中山路", "解放路、中山路",
    "解放路;中山路", "解放路；中山路", "  解放路 ，  中山路  ",
], ids=["one", "newline", "crlf", "comma", "full-comma", "dunhao", "semicolon", "full-semicolon", "spaces"])
def test_a_repair_call_from_the_area_is_linked_and_stays_accepted(clock, people, customer, area):
    notice = published(people, area=area)
    clock(START + 5 * MINUTE)
    order = call(people, customer)
    row = order_row(order)
    assert row["outage_id"] == notice.pk
    assert row["state"] == State.ACCEPTED
    assert (row["dispatched_at"], row["department_id"], row["arrival_due_at"]) == (None, None, None)
    assert order_history(order) == ["create"]


def test_a_linked_repair_is_not_dispatched_and_nothing_changes(clock, people, org, customer):
    published(people)
    order = call(people, customer)
    row, rows = order_row(order), order_history(order)
    for actor in (people.agent, people.lead, people.supervisor):
        with pytest.raises(Conflict) as raised:
            act(order=reload(order), name="dispatch", actor=actor,
                                  params={"department": org.repair.pk, "handler": "repair"})
        assert raised.value.code == "transition_not_allowed"
    assert order_row(order) == row
    assert order_history(order) == rows


def test_a_linked_repair_is_not_dispatched_over_the_api(clock, people, org, customer, api):
    published(people)
    order = call(people, customer)
    row, rows = order_row(order), order_history(order)
    client = api(people.agent)

    detail = client.get(f"/api/v1/work-orders/{order.pk}/")
    assert detail.status_code == 200, detail.content
    assert "dispatch" not in detail.json()["available_transitions"]

    clock(START + 10 * MINUTE)
    response = client.post(f"/api/v1/work-orders/{order.pk}/transitions/dispatch/",
                           {"department": org.repair.pk, "handler": "repair"}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "transition_not_allowed"
    assert order_row(order) == row
    assert order_history(order) == rows


def test_a_repair_created_over_the_api_from_the_area_is_linked(clock, people, customer, api):
    notice = published(people)
    response = api(people.agent).post("/api/v1/work-orders/", {
        "kind": "repair", "description": "停电", "caller_number": customer.phone}, format="json")
    assert response.status_code == 201, response.content
    assert WorkOrder.objects.get(pk=response.json()["id"]).outage_id == notice.pk
    assert "dispatch" not in response.json()["available_transitions"]


def test_a_typed_address_inside_the_area_links_the_call(clock, people):
    notice = published(people)
    elsewhere = CustomerFactory(phone="13900000077", address="示范市人民路8号")
    order = call(people, elsewhere, address="示范市中山路25号3单元")
    assert order_row(order)["outage_id"] == notice.pk


def dispatchable(people, org, order: WorkOrder) -> None:
    """Not linked, and a repair crew can be sent."""
    assert order_row(order)["outage_id"] is None
    done = act(order=reload(order), name="dispatch", actor=people.agent,
                                 params={"department": org.repair.pk, "handler": "repair"})
    assert done.state == State.DISPATCHED


def test_a_call_from_outside_the_area_is_not_linked(clock, people, org):
    published(people, area="中山路\n解放路")
    outside = CustomerFactory(phone="13900000077", address="示范市人民路8号")
    dispatchable(people, org, call(people, outside))


def test_a_call_while_the_notice_is_only_received_is_not_linked(clock, people, org, customer):
    notice = receive(people.agent)  # started an hour ago, not published yet
    order = call(people, customer)
    dispatchable(people, org, order)
    fire(notice, "publish", people.agent)  # publishing later does not link earlier calls
    assert order_row(order)["outage_id"] is None
    assert call(people, customer).outage_id == notice.pk


def test_a_call_before_a_published_planned_outage_starts_is_not_linked(clock, people, org, customer):
    starts = at(2026, 3, 10, 8, 0)
    notice = published(people, kind=OutageKind.PLANNED, starts_at=starts, expected_restore_at=starts + 8 * HOUR)
    dispatchable(people, org, call(people, customer))
    clock(starts - MINUTE)
    dispatchable(people, org, call(people, customer))
    clock(starts)
    assert call(people, customer).outage_id == notice.pk


def test_a_call_after_the_notice_is_restored_is_not_linked(clock, people, org, customer):
    notice = published(people)
    clock(START + HOUR)
    fire(notice, "restore", people.agent)
    clock(START + HOUR + MINUTE)
    dispatchable(people, org, call(people, customer))
    fire(notice, "close", people.agent)
    dispatchable(people, org, call(people, customer))


@pytest.mark.parametrize("kind", [Kind.CONSULTATION, Kind.COMPLAINT, Kind.REPORT, Kind.SUGGESTION])
def test_calls_other_than_repairs_are_never_linked(clock, people, customer, kind):
    published(people)
    order = call(people, customer, kind=kind)
    assert order_row(order)["outage_id"] is None


def test_the_notice_counts_its_linked_orders(clock, people, customer):
    notice = published(people, area="中山路、解放路")
    other = published(people, area="人民路")
    neighbour = CustomerFactory(phone="13900000078", address="示范市解放路3号")
    outside = CustomerFactory(phone="13900000077", address="示范市建设路8号")
    linked = [call(people, customer), call(people, neighbour), call(people, customer, actor=people.agent2)]
    call(people, outside)
    call(people, customer, kind=Kind.CONSULTATION)
    call(people, customer, kind=Kind.COMPLAINT)

    assert sorted(WorkOrder.objects.filter(outage=notice).values_list("pk", flat=True)) == sorted(
        o.pk for o in linked)
    counts = dict(outage_notices().values_list("pk", "linked_count"))
    assert counts == {notice.pk: 3, other.pk: 0}


# --- 3. Restoring the notice resolves every linked accepted repair


@pytest.mark.parametrize("percent", [100, 0])
def test_restore_resolves_every_linked_repair_and_samples_their_callbacks(clock, people, org, customer, percent):
    set_repair_callback_sample(percent)
    notice = published(people, area="中山路\n解放路")
    neighbour = CustomerFactory(phone="13900000078", address="示范市解放路3号")
    outside = CustomerFactory(phone="13900000077", address="示范市建设路8号")
    linked = []
    for minute, (who, owner) in enumerate([(customer, people.agent), (neighbour, people.agent2),
                                           (customer, people.lead)]):
        clock(START + (minute + 1) * MINUTE)
        linked.append(call(people, who, actor=owner))
    urged = linked[0]
    act(order=reload(urged), name="urge", actor=people.agent)  # still accepted
    cancelled = call(people, customer)
    act(order=reload(cancelled), name="cancel", actor=people.lead,
                          params={"reason": "重复工单"})
    unlinked = call(people, outside)
    consultation = call(people, customer, kind=Kind.CONSULTATION)
    untouched = {o.pk: (order_row(o), order_history(o)) for o in (cancelled, unlinked, consultation)}

    restored = at(2026, 3, 2, 11, 30)
    clock(restored)
    fire(notice, "restore", people.supervisor)

    for order, owner in zip(linked, (people.agent, people.agent2, people.lead), strict=True):
        row = order_row(order)
        assert row["state"] == State.RESTORED
        assert row["restored_at"] == row["resolved_at"] == restored
        assert row["owner_id"] == owner.pk  # 首问负责人 unchanged
        assert (row["dispatched_at"], row["department_id"]) == (None, None)
        assert row["outage_id"] == notice.pk
        [resolved] = WorkOrderTransition.objects.filter(order=order, name="resolve_by_outage")
        assert (resolved.source, resolved.target, resolved.actor, resolved.at) == (
            "accepted", "restored", people.supervisor, restored)
        assert order_history(order)[-1] == "resolve_by_outage"
        if percent == 100:
            assert row["callback_required"] is True
            assert row["callback_due_at"] == restored + DAY  # repair callback: 1 calendar day
            assert row["next_due_at"] is not None and row["next_due_at"] <= restored + DAY
        else:
            assert (row["callback_required"], row["callback_due_at"]) == (False, None)
    assert order_row(urged)["urge_count"] == 1
    for order in (cancelled, unlinked, consultation):
        assert (order_row(order), order_history(order)) == untouched[order.pk]
    assert order_row(cancelled)["state"] == State.CANCELLED
    assert OutageTransition.objects.filter(notice=notice).latest("id").data == {"resolved_orders": 3}


def test_a_resolved_repair_without_a_callback_can_be_archived(clock, people, customer):
    set_repair_callback_sample(0)
    notice = published(people)
    order = call(people, customer)
    clock(START + HOUR)
    fire(notice, "restore", people.agent)
    archived = act(order=reload(order), name="archive", actor=people.agent)
    assert archived.state == State.ARCHIVED


def test_a_resolved_repair_with_a_callback_is_called_back(clock, people, customer):
    set_repair_callback_sample(100)
    notice = published(people)
    order = call(people, customer)
    clock(START + HOUR)
    fire(notice, "restore", people.agent)
    with pytest.raises(Conflict):
        act(order=reload(order), name="archive", actor=people.agent)
    clock(START + 2 * HOUR)
    done = act(order=reload(order), name="callback", actor=people.agent2,
                                 params={"reached": True, "satisfied": True, "attitude": "good", "quality": "good"})
    assert (done.state, order_row(order)["called_back_at"]) == (State.CALLED_BACK, START + 2 * HOUR)
