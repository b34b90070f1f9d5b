"""An outage notice's area (design "Outage notices"): a list of communities, streets or feeders of 2 characters or
more (a one-character area such as "市" swallowed every repair call of the city); a notice matching more than a
configurable share of the unit's customers asks for confirmation before it goes out; a repair linked to a notice
says so on the agent's screen, and the agent can unlink it (recorded)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.actions import outage_act
from tests.factories import PASSWORD, CustomerFactory
from tickets.models import OutageNotice, OutageState, OutageTransition, State, WorkOrder, WorkOrderTransition
from tickets.services import outage_receive, work_order_create

OUTAGES = "/api/v1/outages/"
ORDERS = "/api/v1/work-orders/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def city_customers(org):
    """Ten customers of the city company: one on 中山路, the others spread over the city."""
    streets = ["中山路1号", *[f"解放街{n}号" for n in range(1, 5)], *[f"滨江路{n}号" for n in range(1, 6)]]
    return [CustomerFactory(address=f"示范市{street}", unit=org.city) for street in streets]


def notice_body(area: str) -> dict:
    now = timezone.now()
    return {"kind": "fault", "area": area, "cause": "10kV中山线故障", "starts_at": (now - dt.timedelta(minutes=5))
            .isoformat(), "expected_restore_at": (now + dt.timedelta(hours=3)).isoformat()}


def receive(people, area: str) -> OutageNotice:
    now = timezone.now()
    return outage_receive(kind="fault", area=area, cause="10kV中山线故障", starts_at=now - dt.timedelta(minutes=5),
                          expected_restore_at=now + dt.timedelta(hours=3), actor=people.agent)


# --- terms of two characters or more ----------------------------------------------------------------------------


@pytest.mark.parametrize(("area", "short"), [
    ("市", ["市"]),
    ("中山路\n市", ["市"]),
    ("中山路、1", ["1"]),
    ("A, 滨江路", ["A"]),
])
def test_a_one_character_term_is_refused(api, people, area, short):
    response = api(people.agent).post(OUTAGES, notice_body(area), format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["terms"]) == ("area_term_too_short", short)
    assert not OutageNotice.objects.exists()


def test_an_update_to_a_one_character_area_is_refused(api, people):
    notice = receive(people, "中山路")
    outage_act(notice=notice, name="publish", actor=people.agent)
    response = api(people.agent).post(f"{OUTAGES}{notice.pk}/transitions/update/", {"area": "市"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "area_term_too_short"
    assert OutageNotice.objects.get(pk=notice.pk).area == "中山路"


def test_the_receive_page_says_why(people):
    client = Client()
    client.login(username="agent", password=PASSWORD)
    now = timezone.localtime()
    response = client.post("/outages/new/", {
        "kind": "fault", "area": "市", "cause": "故障", "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "expected_restore_at": (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400
    assert "至少两个字" in response.content.decode() or "at least two characters" in response.content.decode()
    assert not OutageNotice.objects.exists()


# --- a wide area asks for confirmation -------------------------------------------------------------------------


def test_a_notice_matching_most_customers_needs_confirmation_to_go_out(api, people, city_customers):
    notice = receive(people, "示范市")  # three characters, but every address of the city has them
    url = f"{OUTAGES}{notice.pk}/transitions/publish/"
    refused = api(people.agent).post(url, {}, format="json")
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert (body["code"], body["matched"], body["customers"]) == ("wide_area_needs_confirmation", 10, 10)
    assert OutageNotice.objects.get(pk=notice.pk).state == OutageState.RECEIVED

    published = api(people.agent).post(url, {"confirm_wide_area": True}, format="json")
    assert published.status_code == 200, published.content
    row = OutageTransition.objects.get(notice=notice, name="publish")
    assert (row.actor, row.data["wide_area_confirmed"], row.data["matched"]) == (people.agent, True, 10)


def test_a_notice_of_a_few_streets_goes_out_without_asking(api, people, city_customers):
    notice = receive(people, "中山路\n解放街1号")  # 2 of 10 = 20 %: not more than the 20 % limit
    response = api(people.agent).post(f"{OUTAGES}{notice.pk}/transitions/publish/", {}, format="json")
    assert response.status_code == 200, response.content
    assert "wide_area_confirmed" not in OutageTransition.objects.get(notice=notice, name="publish").data


def test_the_share_is_configurable(api, people, city_customers, settings):
    settings.OUTAGE_WIDE_AREA_PERCENT = 60
    notice = receive(people, "解放街\n滨江路1号")  # 5 of 10
    assert api(people.agent).post(f"{OUTAGES}{notice.pk}/transitions/publish/", {}, format="json").status_code == 200


def test_widening_a_published_area_asks_too(api, people, city_customers):
    notice = receive(people, "中山路")
    outage_act(notice=notice, name="publish", actor=people.agent)
    url = f"{OUTAGES}{notice.pk}/transitions/update/"
    assert api(people.agent).post(url, {"area": "示范市"}, format="json").json()["code"] == (
        "wide_area_needs_confirmation")
    assert OutageNotice.objects.get(pk=notice.pk).area == "中山路"
    assert api(people.agent).post(url, {"area": "示范市", "confirm_wide_area": True},
                                  format="json").status_code == 200


def test_the_notice_page_shows_the_confirmation_box_when_needed(people, city_customers):
    notice = receive(people, "示范市")
    client = Client()
    client.login(username="agent", password=PASSWORD)
    assert 'name="confirm_wide_area"' not in client.get(f"/outages/{notice.pk}/").content.decode()
    refused = client.post(f"/outages/{notice.pk}/transitions/publish/", {})
    assert refused.status_code == 400
    assert 'name="confirm_wide_area"' in refused.content.decode()
    assert client.post(f"/outages/{notice.pk}/transitions/publish/", {"confirm_wide_area": "on"}).status_code == 302
    assert OutageNotice.objects.get(pk=notice.pk).state == OutageState.PUBLISHED


# --- the linked repair: shown, and unlinked by the agent ---------------------------------------------------------


@pytest.fixture
def linked(people, customer):
    """A published fault on 中山路 and a repair call from 示范市中山路1号, linked to it."""
    notice = receive(people, "中山路")
    outage_act(notice=notice, name="publish", actor=people.agent)
    order = work_order_create(kind="repair", description="家里没电", caller_number=customer.phone, customer=customer,
                              actor=people.agent)
    assert order.outage_id == notice.pk
    return notice, order


def test_the_console_and_the_order_page_say_the_repair_is_linked(people, customer):
    notice = receive(people, "中山路")
    outage_act(notice=notice, name="publish", actor=people.agent)
    client = Client()
    client.login(username="agent", password=PASSWORD)
    created = client.post("/console/", {"caller_number": customer.phone, "classification": "repair",
                                        "description": "家里没电"}, follow=True)
    html = created.content.decode()
    assert 'id="linked-outage"' in html and "10kV中山线故障" in html
    order = WorkOrder.objects.get()
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="linked-outage"' in page and 'id="transition-unlink_outage"' in page


def test_the_agent_unlinks_a_repair_that_is_about_something_else(api, people, org, linked):
    notice, order = linked
    url = f"{ORDERS}{order.pk}/transitions/"
    assert "dispatch" not in api(people.agent).get(f"{ORDERS}{order.pk}/").json()["available_transitions"]
    response = api(people.agent).post(f"{url}unlink_outage/", {"reason": "客户家中电表箱烧毁，与停电无关"},
                                      format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == State.ACCEPTED and "dispatch" in body["available_transitions"]
    entry = WorkOrderTransition.objects.get(order=order, name="unlink_outage")
    assert (entry.actor, entry.data) == (people.agent,
                                         {"outage": notice.pk, "reason": "客户家中电表箱烧毁，与停电无关"})
    assert WorkOrder.objects.get(pk=order.pk).outage_id is None

    assert api(people.agent).post(f"{url}dispatch/", {"department": org.repair.pk}, format="json").status_code == 200
    outage_act(notice=OutageNotice.objects.get(pk=notice.pk), name="restore", actor=people.agent)
    assert WorkOrder.objects.get(pk=order.pk).state == State.DISPATCHED  # not resolved with the outage


@pytest.mark.parametrize(("who", "body", "status"), [
    ("agent", {}, 400),  # a reason
    ("agent", {"reason": "  "}, 400),
    ("manager", {"reason": "无关"}, 403),
    ("repair", {"reason": "无关"}, 404),  # a crew does not see an order not dispatched to it
])
def test_unlinking_needs_a_reason_and_the_front_office(api, people, linked, who, body, status):
    _, order = linked
    response = api(getattr(people, who)).post(f"{ORDERS}{order.pk}/transitions/unlink_outage/", body, format="json")
    assert response.status_code == status, response.content
    assert WorkOrder.objects.get(pk=order.pk).outage_id is not None


def test_a_repair_not_linked_has_nothing_to_unlink(api, people, customer):
    order = work_order_create(kind="repair", description="家里没电", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    response = api(people.agent).post(f"{ORDERS}{order.pk}/transitions/unlink_outage/", {"reason": "x"},
                                      format="json")
    assert response.status_code == 409
