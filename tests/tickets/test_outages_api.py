"""The outage notice API 停电信息 (design "Interfaces"; issue 5): create (201 / 400 / 403), list filters,
retrieve (history, linked repair calls, apology, announcement flag), transitions over
``POST /api/v1/outages/{id}/transitions/{name}/`` (200 / 400 / 403 / 409, like work orders) and the console's
``GET /api/v1/outages/for-caller/``. The clock is frozen in Asia/Shanghai; expected times are written by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.actions import outage_act
from tickets.api import outages as api_outages
from tickets.models import OutageNotice, OutageState, State, WorkOrder
from tickets.services import outage_receive, work_order_create

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
HOUR = dt.timedelta(hours=1)
URL = "/api/v1/outages/"
AREA = "幸福小区\n光明路"
CAUSE = "10kV幸福线故障"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def new_notice(actor, *, kind="fault", area=AREA, starts_at=None, hours=4, publish=False, cause=CAUSE):
    starts_at = starts_at or START - HOUR
    notice = outage_receive(kind=kind, area=area, cause=cause, starts_at=starts_at,
                            expected_restore_at=starts_at + hours * HOUR, actor=actor)
    if publish:
        notice = outage_act(notice=notice, name="publish", actor=actor)
    return notice


def transition_url(notice, name: str) -> str:
    return f"{URL}{notice.pk}/transitions/{name}/"


CREATE = {
    "kind": "fault", "area": "幸福小区、光明路", "cause": CAUSE,
    "starts_at": "2026-03-02T08:30:00+08:00", "expected_restore_at": "2026-03-02T12:30:00+08:00",
}


# --- create


def test_an_agent_records_a_notice(api, people, org):
    response = api(people.agent).post(URL, {**CREATE, "source_department": org.repair.pk,
                                            "received_at": "2026-03-02T08:50:00+08:00"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "received" and body["kind"] == "fault"
    assert body["terms"] == ["幸福小区", "光明路"]
    assert body["received_by"] == "agent" and body["source_department_name"] == "抢修一班"
    assert dt.datetime.fromisoformat(body["received_at"]) == dt.datetime(2026, 3, 2, 8, 50, tzinfo=SHANGHAI)
    assert dt.datetime.fromisoformat(body["starts_at"]) == dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)
    assert body["linked_orders"] == 0 and body["announced_late"] is False
    assert body["available_transitions"] == ["publish"]
    assert [row["name"] for row in body["history"]] == ["create"]
    notice = OutageNotice.objects.get(pk=body["id"])
    assert notice.received_by == people.agent and notice.state == OutageState.RECEIVED


def test_received_at_defaults_to_now(api, people):
    body = api(people.agent).post(URL, CREATE, format="json").json()
    assert dt.datetime.fromisoformat(body["received_at"]) == START


@pytest.mark.parametrize(("change", "field"), [
    ({"starts_at": "2026-03-02T08:30:00"}, "starts_at"),  # naive: refused, never guessed
    ({"expected_restore_at": "2026-03-02 12:30"}, "expected_restore_at"),
    ({"received_at": "2026-03-02T08:50:00"}, "received_at"),
    ({"kind": "blackout"}, "kind"),
    ({"area": ""}, "area"),
    ({"cause": "x" * 301}, "cause"),
    ({"starts_at": "3026-03-02T08:30:00+08:00"}, "starts_at"),
    ({"source_department": 99999}, "source_department"),
])
def test_bad_fields_are_400(api, people, change, field):
    response = api(people.agent).post(URL, {**CREATE, **change}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not OutageNotice.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"expected_restore_at": "2026-03-02T08:30:00+08:00"}, "expected_restore_at"),  # not after the start
    ({"area": " ，、；\n"}, "area"),  # no community, street or feeder named
])
def test_the_services_refusals_are_400(api, people, change, field):
    response = api(people.agent).post(URL, {**CREATE, **change}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not OutageNotice.objects.exists()


@pytest.mark.parametrize("who", ["manager", "repair"])
def test_only_the_front_office_records_notices(api, people, who):
    assert api(getattr(people, who)).post(URL, CREATE, format="json").status_code == 403
    assert api(None).post(URL, CREATE, format="json").status_code in (401, 403)
    assert not OutageNotice.objects.exists()


def test_the_state_cannot_be_written(api, people):
    body = api(people.agent).post(URL, {**CREATE, "state": "published"}, format="json").json()
    assert body["state"] == "received"


# --- list and retrieve


def test_list_filters(api, people, clock):
    received = new_notice(people.agent, area="甲小区")
    active = new_notice(people.agent, area="乙小区", publish=True)
    upcoming = new_notice(people.agent, kind="planned", area="丙小区", starts_at=START + 3 * 24 * HOUR, publish=True)
    restored = new_notice(people.agent, area="丁小区", publish=True)
    outage_act(notice=restored, name="restore", actor=people.agent)
    client = api(people.agent)

    def ids(query: str = "") -> set[int]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {received.pk, active.pk, upcoming.pk, restored.pk}
    assert ids("state=published") == {active.pk, upcoming.pk}
    assert ids("state=received&state=restored") == {received.pk, restored.pk}
    assert ids("kind=planned") == {upcoming.pk}
    assert ids("active=true") == {active.pk}
    assert ids("active=false") == {received.pk, upcoming.pk, restored.pk}
    assert ids("upcoming=true") == {upcoming.pk}
    assert ids("starts_after=2026-03-03T00:00:00%2B08:00") == {upcoming.pk}
    assert ids("starts_before=2026-03-03T00:00:00%2B08:00") == {received.pk, active.pk, restored.pk}
    assert client.get(f"{URL}?state=flying").status_code == 400


def test_who_reads_notices(api, people):
    notice = new_notice(people.agent)
    for who in ("agent", "lead", "supervisor", "manager"):
        assert api(getattr(people, who)).get(f"{URL}{notice.pk}/").status_code == 200, who
    assert api(people.repair).get(URL).status_code == 403
    assert api(None).get(URL).status_code in (401, 403)
    assert api(people.agent).get(f"{URL}99999999/").status_code == 404


def test_retrieve_shows_history_linked_repairs_apology_and_lateness(api, people, customer):
    notice = new_notice(people.agent, area="中山路", publish=True)  # the fixture customer: 示范市中山路1号
    order = work_order_create(kind="repair", description="家里停电", caller_number=customer.phone,
                              customer=customer, actor=people.agent2)
    assert order.outage_id == notice.pk

    body = api(people.agent).get(f"{URL}{notice.pk}/").json()

    assert body["linked_orders"] == 1
    assert body["announced_late"] is False  # a fault has no lead time
    assert [(row["name"], row["source"], row["target"], row["actor"]) for row in body["history"]] == [
        ("create", "", "received", "agent"), ("publish", "received", "published", "agent")]
    assert CAUSE in body["apology"] and "2026-03-02 12:00" in body["apology"]
    assert sorted(body["available_transitions"]) == ["restore", "update"]
    assert body["published_by"] == "agent"
    assert dt.datetime.fromisoformat(body["published_at"]) == START


def test_a_planned_outage_published_less_than_7_days_ahead_is_announced_late(api, people):
    late = new_notice(people.agent, kind="planned", starts_at=START + 3 * 24 * HOUR)
    early = new_notice(people.agent, kind="planned", starts_at=START + 8 * 24 * HOUR)
    client = api(people.agent)

    assert client.post(transition_url(late, "publish")).json()["announced_late"] is True
    assert client.post(transition_url(early, "publish")).json()["announced_late"] is False


# --- transitions


def test_the_whole_life_over_the_api(api, people, customer, clock):
    client = api(people.agent)
    notice = new_notice(people.agent, area="中山路")

    response = client.post(transition_url(notice, "publish"))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "published"

    order = work_order_create(kind="repair", description="停电了", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    assert order.outage_id == notice.pk

    clock.move_to(START + HOUR, tick=False)
    response = client.post(transition_url(notice, "update"),
                           {"expected_restore_at": "2026-03-02T15:00:00+08:00", "cause": "电缆击穿"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "published" and body["cause"] == "电缆击穿" and body["updated_count"] == 1
    assert dt.datetime.fromisoformat(body["expected_restore_at"]) == dt.datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI)

    clock.move_to(START + 2 * HOUR, tick=False)
    response = client.post(transition_url(notice, "restore"), {"restored_at": "2026-03-02T10:45:00+08:00"},
                           format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "restored"
    assert dt.datetime.fromisoformat(body["restored_at"]) == dt.datetime(2026, 3, 2, 10, 45, tzinfo=SHANGHAI)
    assert body["history"][-1]["data"] == {"resolved_orders": 1}
    assert WorkOrder.objects.get(pk=order.pk).state == State.RESTORED

    response = client.post(transition_url(notice, "close"))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "closed" and response.json()["available_transitions"] == []
    assert [row["name"] for row in response.json()["history"]] == ["create", "publish", "update", "restore", "close"]


@pytest.mark.parametrize(("state", "name"), [
    ("received", "update"), ("received", "restore"), ("received", "close"),
    ("published", "publish"), ("published", "close"),
    ("restored", "publish"), ("restored", "update"), ("restored", "restore"),
])
def test_a_step_not_allowed_from_the_state_is_409(api, people, state, name):
    notice = new_notice(people.agent, publish=state != "received")
    if state == "restored":
        notice = outage_act(notice=notice, name="restore", actor=people.agent)

    response = api(people.agent).post(transition_url(notice, name), {"cause": "x"}, format="json")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "transition_not_allowed"
    assert OutageNotice.objects.get(pk=notice.pk).state == state


def test_an_unknown_transition_is_409(api, people):
    notice = new_notice(people.agent)
    response = api(people.agent).post(transition_url(notice, "explode"))
    assert response.status_code == 409
    assert response.json()["code"] == "unknown_transition"


@pytest.mark.parametrize(("name", "data", "field"), [
    ("update", {"expected_restore_at": "2026-03-02T15:00:00"}, "expected_restore_at"),  # naive
    ("update", {"expected_restore_at": "not a time"}, "expected_restore_at"),
    ("update", {"cause": "x" * 301}, "cause"),
    ("restore", {"restored_at": "2026-03-02T08:45:00"}, "restored_at"),  # naive
])
def test_bad_transition_fields_are_400(api, people, name, data, field):
    notice = new_notice(people.agent, publish=True)
    response = api(people.agent).post(transition_url(notice, name), data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert OutageNotice.objects.get(pk=notice.pk).state == OutageState.PUBLISHED


@pytest.mark.parametrize(("name", "data"), [
    ("update", {}),  # nothing to update
    ("update", {"expected_restore_at": "2026-03-02T07:00:00+08:00"}),  # before the start (08:00)
    ("update", {"area": "、，"}),
    ("restore", {"restored_at": "2026-03-02T10:00:00+08:00"}),  # in the future (now 09:00)
    ("restore", {"restored_at": "2026-03-02T07:00:00+08:00"}),  # before the start
])
def test_the_services_refusals_of_a_step_are_400(api, people, name, data):
    notice = new_notice(people.agent, publish=True)
    response = api(people.agent).post(transition_url(notice, name), data, format="json")
    assert response.status_code == 400, response.content
    notice.refresh_from_db()
    assert notice.state == OutageState.PUBLISHED and notice.updated_count == 0


@pytest.mark.parametrize("who", ["manager", "repair"])
def test_roles_without_the_front_office_may_not_fire_steps(api, people, who):
    notice = new_notice(people.agent)
    assert api(getattr(people, who)).post(transition_url(notice, "publish")).status_code == 403
    assert OutageNotice.objects.get(pk=notice.pk).state == OutageState.RECEIVED


def test_a_concurrent_change_is_409(api, people, monkeypatch):
    """Another agent publishes the notice between this request's read and its save."""
    notice = new_notice(people.agent)
    check = api_outages.services.outage_transition_check

    def check_then_someone_else_publishes(**kwargs):
        check(**kwargs)
        outage_act(notice=OutageNotice.objects.get(pk=notice.pk), name="publish", actor=people.agent2)

    monkeypatch.setattr(api_outages.services, "outage_transition_check", check_then_someone_else_publishes)
    response = api(people.agent).post(transition_url(notice, "publish"))

    assert response.status_code == 409, response.content
    notice.refresh_from_db()
    assert notice.published_by == people.agent2
    assert list(notice.history.values_list("name", flat=True)) == ["create", "publish"]


# --- the console: for-caller


@pytest.fixture
def neighbours(db):
    inside = CustomerFactory(phone="13700000001", name="李四", address="示范市幸福小区3栋2单元")
    outside = CustomerFactory(phone="13700000002", name="王五", address="示范市人民路5号")
    return inside, outside


def test_for_caller_finds_the_active_notice_for_a_customer_in_the_area(api, people, neighbours):
    inside, outside = neighbours
    notice = new_notice(people.agent, publish=True)
    new_notice(people.agent, cause="未发布的通知")  # received, not published: never told to callers
    new_notice(people.agent, kind="planned", cause="明天的检修", starts_at=START + 24 * HOUR, publish=True)
    client = api(people.agent)

    body = client.get(f"{URL}for-caller/", {"phone": "137-0000-0001"}).json()

    assert body["customer"]["id"] == inside.pk and body["customer"]["name"] == "李四"
    assert body["address"] == "示范市幸福小区3栋2单元"
    assert [n["id"] for n in body["notices"]] == [notice.pk]
    assert body["notices"][0]["cause"] == CAUSE
    assert dt.datetime.fromisoformat(body["notices"][0]["expected_restore_at"]) == START + 3 * HOUR
    assert CAUSE in body["notices"][0]["apology"]

    body = client.get(f"{URL}for-caller/", {"phone": outside.phone}).json()
    assert body["customer"]["id"] == outside.pk and body["notices"] == []

    assert [n["id"] for n in client.get(f"{URL}for-caller/", {"customer": inside.pk}).json()["notices"]] == [notice.pk]
    body = client.get(f"{URL}for-caller/", {"address": "光明路12号"}).json()
    assert body["customer"] is None and [n["id"] for n in body["notices"]] == [notice.pk]

    body = client.get(f"{URL}for-caller/", {"phone": "13800000000"}).json()  # nobody has this phone
    assert body == {"customer": None, "address": "", "notices": []}


def test_for_caller_after_restoration_shows_nothing(api, people, neighbours):
    inside, _ = neighbours
    notice = new_notice(people.agent, publish=True)
    outage_act(notice=notice, name="restore", actor=people.agent)
    assert api(people.agent).get(f"{URL}for-caller/", {"phone": inside.phone}).json()["notices"] == []


def test_the_apology_follows_the_request_language(api, people, neighbours):
    inside, _ = neighbours
    new_notice(people.agent, publish=True)
    client = api(people.agent)
    chinese = client.get(f"{URL}for-caller/", {"phone": inside.phone}).json()["notices"][0]["apology"]
    english = client.get(f"{URL}for-caller/", {"phone": inside.phone},
                         HTTP_ACCEPT_LANGUAGE="en").json()["notices"][0]["apology"]
    assert "歉" in chinese and CAUSE in chinese
    assert english.startswith("We are sorry") and CAUSE in english


@pytest.mark.parametrize("query", [{}, {"phone": "abc"}, {"phone": "13700000001", "address": "幸福小区"},
                                   {"customer": "x"}, {"customer": 99999999}])
def test_for_caller_bad_queries_are_400(api, people, neighbours, query):
    assert api(people.agent).get(f"{URL}for-caller/", query).status_code == 400


@pytest.mark.parametrize("who", ["manager", "repair"])
def test_for_caller_is_for_the_front_office(api, people, neighbours, who):
    assert api(getattr(people, who)).get(f"{URL}for-caller/", {"phone": "13700000001"}).status_code == 403


def test_methods_the_endpoint_lacks_are_405(api, people):
    notice = new_notice(people.agent)
    client = api(people.agent)
    assert client.delete(f"{URL}{notice.pk}/").status_code == 405
    assert client.patch(f"{URL}{notice.pk}/", {"state": "closed"}, format="json").status_code == 405
    assert client.get(transition_url(notice, "publish")).status_code == 405

