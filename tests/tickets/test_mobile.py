"""The crew's phone (issue 21, 1): ``/m/`` lists my department's open orders by the nearest deadline, the order page
offers the department's steps with their fields, restoring records the fault's cause and the materials (the page and
the API), an arrival may carry the device's position; a handler on a phone opening ``/`` is sent to ``/m/``; the
manifest, the service worker and the offline page make it installable."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests.actions import act
from tickets.models import FaultCause, Material, State, WorkOrder, WorkOrderTransition
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
         "Mobile Safari/537.36")
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def _repair(people, org, *, address="示范市中山路1号", area_type=None, phone="13900000001", dispatch=True):
    kwargs = {"area_type": area_type} if area_type else {}
    order = work_order_create(kind="repair", description="家里停电", caller_number=phone, address=address,
                              actor=people.agent, **kwargs)
    if dispatch:
        order = act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    return WorkOrder.objects.get(pk=order.pk)


@pytest.fixture
def lists(db):
    cause, _ = FaultCause.objects.get_or_create(name="电缆故障", defaults={"order": 10})
    fuse, _ = Material.objects.get_or_create(name="熔断器", defaults={"unit": "只", "order": 10})
    joint, _ = Material.objects.get_or_create(name="电缆接头", defaults={"unit": "套", "order": 20})
    return cause, fuse, joint


def _login(client, user):
    client.force_login(user)
    return client


# --- who may open it ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("repair", 200), ("marketing", 200), ("agent", 403), ("lead", 403),
                                             ("supervisor", 403), ("manager", 403)])
def test_the_crew_page_is_for_department_handlers(client, people, who, status):
    assert _login(client, getattr(people, who)).get("/m/").status_code == status


def test_the_anonymous_are_sent_to_the_login_page(client):
    response = client.get("/m/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/m/")


def test_the_list_is_my_departments_open_orders_nearest_deadline_first(client, people, org):
    rural = _repair(people, org, area_type="rural", phone="13900000002")  # 90 minutes
    urban = _repair(people, org, area_type="urban", phone="13900000003")  # 45 minutes: first
    other = work_order_create(kind="repair", description="别的班", caller_number="13900000004", actor=people.agent)
    act(order=other, name="dispatch", actor=people.agent, params={"department": org.repair2.pk})
    body = _login(client, people.repair).get("/m/").content.decode()
    assert body.index(urban.number) < body.index(rural.number)
    assert other.number not in body
    assert "data-countdown" in body and 'rel="manifest"' in body


def test_the_list_reads_the_same_number_of_queries_for_one_order_or_many(client, people, org):
    _login(client, people.repair)
    _repair(people, org)
    client.get("/m/")  # warm-up: the user's permissions are cached
    with CaptureQueriesContext(connection) as few:
        assert client.get("/m/").status_code == 200
    for n in range(12):
        _repair(people, org, phone=f"1390000{n + 10:04d}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/m/").status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_order_page_reads_the_same_number_of_queries_however_long_its_history(client, people, org, lists):
    order = _repair(people, org)
    _login(client, people.repair)
    client.get(f"/m/orders/{order.pk}/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/m/orders/{order.pk}/").status_code == 200
    for _ in range(8):
        act(order=WorkOrder.objects.get(pk=order.pk), name="urge", actor=people.agent, params={})
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/m/orders/{order.pk}/").status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_another_departments_order_is_refused(client, people, org):
    order = _repair(people, org)
    assert _login(client, people.marketing).get(f"/m/orders/{order.pk}/").status_code == 403
    assert client.get("/m/orders/999999/").status_code == 404


# --- the order on one screen ----------------------------------------------------------------------------------------


def test_the_order_page_shows_what_where_who_and_the_deadline(client, people, org, lists):
    order = _repair(people, org, address="示范市中山路1号")
    body = _login(client, people.repair).get(f"/m/orders/{order.pk}/").content.decode()
    assert "家里停电" in body and order.number in body
    assert 'href="geo:0,0?q=%E7%A4%BA%E8%8C%83%E5%B8%82%E4%B8%AD%E5%B1%B1%E8%B7%AF1%E5%8F%B7"' in body
    assert "https://uri.amap.com/search?keyword=%E7%A4%BA%E8%8C%83%E5%B8%82" in body
    assert 'href="tel:13900000001"' in body  # a department calls its customers (tickets.phones)
    assert "data-countdown" in body
    assert 'id="crew-arrive-form"' in body and 'id="crew-return_to_sender-form"' in body
    assert 'id="crew-restore-form"' not in body  # not yet: the crew is not on site


def test_who_does_not_see_the_number_whole_gets_no_tel_link(client, people, org, lists, monkeypatch):
    order = _repair(people, org)
    monkeypatch.setattr("tickets.views.mobile.sees_whole_phones", lambda user: False)
    monkeypatch.setattr("tickets.views.mobile.phone_for", lambda user, phone: "139****0001")
    body = _login(client, people.repair).get(f"/m/orders/{order.pk}/").content.decode()
    assert "tel:" not in body and "139****0001" in body


def test_arrive_then_restore_with_cause_and_materials_on_the_phone(client, people, org, lists):
    cause, fuse, joint = lists
    order = _repair(people, org)
    _login(client, people.repair)
    response = client.post(f"/m/orders/{order.pk}/arrive/",
                           {"latitude": "31.2304", "longitude": "121.4737", "accuracy": "12.5"})
    assert response.status_code == 302 and response["Location"] == f"/m/orders/{order.pk}/"
    assert WorkOrder.objects.get(pk=order.pk).state == State.ARRIVED
    arrived = WorkOrderTransition.objects.get(order=order, name="arrive")
    assert arrived.data == {"location": {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 12.5}}

    page = client.get(f"/m/orders/{order.pk}/").content.decode()
    assert 'id="crew-restore-form"' in page and "电缆故障" in page and "熔断器（只）" in page

    # Without a cause the crew's form is refused (400), nothing changes.
    refused = client.post(f"/m/orders/{order.pk}/restore/", {f"material_{fuse.pk}": "2"})
    assert refused.status_code == 400
    assert WorkOrder.objects.get(pk=order.pk).state == State.ARRIVED

    done = client.post(f"/m/orders/{order.pk}/restore/", {"fault_cause": cause.pk, f"material_{fuse.pk}": "2",
                                                          f"material_{joint.pk}": "", "note": "更换熔断器"})
    assert done.status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).state == State.RESTORED
    restored = WorkOrderTransition.objects.get(order=order, name="restore")
    assert restored.note == "更换熔断器"
    assert restored.data == {"fault_cause": {"id": cause.pk, "name": "电缆故障"},
                             "materials": [{"id": fuse.pk, "name": "熔断器", "unit": "只", "quantity": 2}]}
    # The full order page shows them in the history.
    full = client.get(f"/orders/{order.pk}/").content.decode()
    assert "电缆故障" in full and "熔断器 × 2只" in full


def test_arriving_without_a_position_is_fine(client, people, org):
    order = _repair(people, org)
    assert _login(client, people.repair).post(f"/m/orders/{order.pk}/arrive/", {}).status_code == 302
    assert WorkOrderTransition.objects.get(order=order, name="arrive").data == {}


def test_a_step_of_another_department_is_refused(client, people, org):
    order = _repair(people, org)
    assert _login(client, people.repair2).post(f"/m/orders/{order.pk}/arrive/", {}).status_code == 403
    assert _login(client, people.repair).post(f"/m/orders/{order.pk}/archive/", {}).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).state == State.DISPATCHED


def test_returning_from_the_phone_goes_back_to_the_list(client, people, org):
    order = _repair(people, org)
    response = _login(client, people.repair).post(f"/m/orders/{order.pk}/return_to_sender/",
                                                  {"reason": "不属于本班辖区"})
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert WorkOrder.objects.get(pk=order.pk).state == State.ACCEPTED


# --- the API's restore: still works bare; takes the cause and the materials --------------------------------------


def test_the_api_restores_with_cause_and_materials(api, people, org, lists):
    cause, fuse, joint = lists
    order = _repair(people, org)
    client = api(people.repair)
    arrived = client.post(f"/api/v1/work-orders/{order.pk}/transitions/arrive/",
                          {"latitude": 31.2, "longitude": 121.4}, format="json")
    assert arrived.status_code == 200, arrived.content
    assert arrived.json()["history"][-1]["data"] == {"location": {"latitude": 31.2, "longitude": 121.4}}
    response = client.post(f"/api/v1/work-orders/{order.pk}/transitions/restore/",
                           {"fault_cause": cause.pk, "materials": [{"material": fuse.pk, "quantity": 1},
                                                                   {"material": joint.pk, "quantity": 3},
                                                                   {"material": fuse.pk, "quantity": 1}]},
                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.RESTORED
    assert response.json()["history"][-1]["data"] == {
        "fault_cause": {"id": cause.pk, "name": "电缆故障"},
        "materials": [{"id": fuse.pk, "name": "熔断器", "unit": "只", "quantity": 2},
                      {"id": joint.pk, "name": "电缆接头", "unit": "套", "quantity": 3}]}


def test_the_api_restore_without_cause_still_works(api, people, org):
    order = _repair(people, org)
    client = api(people.repair)
    assert client.post(f"/api/v1/work-orders/{order.pk}/transitions/arrive/", {}, format="json").status_code == 200
    response = client.post(f"/api/v1/work-orders/{order.pk}/transitions/restore/", {}, format="json")
    assert response.status_code == 200 and response.json()["history"][-1]["data"] == {}


@pytest.mark.parametrize(("body", "field"), [
    ({"fault_cause": 999999}, "fault_cause"),
    ({"materials": [{"material": 999999, "quantity": 1}]}, "materials"),
    ({"materials": [{"quantity": 1}]}, "materials"),
    ({"materials": "熔断器"}, "materials"),
])
def test_the_api_refuses_unknown_causes_and_materials(api, people, org, lists, body, field):
    order = _repair(people, org)
    client = api(people.repair)
    client.post(f"/api/v1/work-orders/{order.pk}/transitions/arrive/", {}, format="json")
    response = client.post(f"/api/v1/work-orders/{order.pk}/transitions/restore/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json())
    assert WorkOrder.objects.get(pk=order.pk).state == State.ARRIVED


def test_an_inactive_cause_or_a_zero_quantity_is_refused(api, people, org, lists):
    cause, fuse, _ = lists
    order = _repair(people, org)
    client = api(people.repair)
    client.post(f"/api/v1/work-orders/{order.pk}/transitions/arrive/", {}, format="json")
    assert client.post(f"/api/v1/work-orders/{order.pk}/transitions/restore/",
                       {"materials": [{"material": fuse.pk, "quantity": 0}]}, format="json").status_code == 400
    FaultCause.objects.filter(pk=cause.pk).update(active=False)
    assert client.post(f"/api/v1/work-orders/{order.pk}/transitions/restore/",
                       {"fault_cause": cause.pk}, format="json").status_code == 400
    assert WorkOrder.objects.get(pk=order.pk).state == State.ARRIVED


def test_half_a_position_is_refused(api, people, org):
    order = _repair(people, org)
    response = api(people.repair).post(f"/api/v1/work-orders/{order.pk}/transitions/arrive/", {"latitude": 31.2},
                                       format="json")
    assert response.status_code == 400
    assert WorkOrder.objects.get(pk=order.pk).state == State.DISPATCHED


# --- a phone opening / ------------------------------------------------------------------------------------------


def test_a_handler_on_a_phone_is_sent_to_the_crew_page(client, people):
    _login(client, people.repair)
    response = client.get("/", HTTP_USER_AGENT=PHONE)
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert client.get("/", HTTP_USER_AGENT=DESKTOP).status_code == 200  # the queue, as before


def test_the_full_site_link_is_remembered_until_the_crew_page_is_opened_again(client, people):
    _login(client, people.repair)
    assert client.get("/?full=1", HTTP_USER_AGENT=PHONE)["Location"] == "/"
    assert client.get("/", HTTP_USER_AGENT=PHONE).status_code == 200
    client.get("/m/", HTTP_USER_AGENT=PHONE)
    assert client.get("/", HTTP_USER_AGENT=PHONE)["Location"] == "/m/"


def test_an_agent_on_a_phone_stays_on_the_full_site(client, people):
    assert _login(client, people.agent).get("/", HTTP_USER_AGENT=PHONE).status_code == 200


# --- installable ------------------------------------------------------------------------------------------------


def test_the_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/m/" and manifest["scope"] == "/m/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:  # the PNGs are in static/icons/, of the size they claim
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL if settings.STATIC_URL.startswith("/")
                                                     else "/" + settings.STATIC_URL))
        assert path, icon
        with Image.open(path) as image:
            assert image.format == "PNG" and "x".join(map(str, image.size)) == icon["sizes"]


def test_the_service_worker_is_served_from_the_crew_pages_folder(client):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert '"offline": "/m/offline/"' in body and 'addEventListener("fetch"' in body


@pytest.mark.parametrize(("language", "text"), [("zh-hans", None), ("en", "You are offline")])
def test_the_offline_page_says_so(client, language, text):
    client.cookies["django_language"] = language
    response = client.get("/m/offline/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="offline"' in body and "<script" not in body
    if text:
        assert text in body


def test_the_seeded_lists(db):
    assert FaultCause.objects.filter(name__in=["电缆故障", "变压器故障", "用户内部故障"]).count() == 3
    assert Material.objects.filter(name__in=["熔断器", "电缆接头"]).count() == 2


def test_deadline_countdown_is_the_queues_nearest(client, people, org):
    order = _repair(people, org, area_type="urban")
    body = _login(client, people.repair).get(f"/m/orders/{order.pk}/").content.decode()
    due = timezone.localtime(WorkOrder.objects.get(pk=order.pk).arrival_due_at)
    assert due.strftime("%m-%d %H:%M") in body
    assert due - timezone.now() < dt.timedelta(minutes=46)
