"""The outage notice pages 停电信息 in the Django test client: each renders for the front office and is 403 for
the others; the forms go through the services, and a refusal is an error on the form (never a 500); the
caller lookup finds the notice for a caller from the area; the public page shows published notices only,
nothing about customers, escaped, in Chinese, cacheable, without logging in."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client

from tests.actions import outage_act
from tickets.models import OutageNotice, OutageState, State, WorkOrder
from tickets.services import outage_receive, work_order_create

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
HOUR = dt.timedelta(hours=1)
LIST, NEW, CALLER, PUBLIC = "/outages/", "/outages/new/", "/outages/caller/", "/public/outages/"
CAUSE = "10kV幸福线故障"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def page(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def new_notice(actor, *, kind="fault", area="幸福小区", cause=CAUSE, starts_at=None, publish=False):
    starts_at = starts_at or START - HOUR
    notice = outage_receive(kind=kind, area=area, cause=cause, starts_at=starts_at,
                            expected_restore_at=starts_at + 4 * HOUR, actor=actor)
    if publish:
        notice = outage_act(notice=notice, name="publish", actor=actor)
    return notice


def step(client, notice, name, data=None):
    return client.post(f"/outages/{notice.pk}/transitions/{name}/", data or {})


def errors(response) -> str:
    """The text of the form errors on a page."""
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text(response), re.S))


# --- who sees what


@pytest.mark.parametrize("url", [LIST, NEW, CALLER, "detail"])
@pytest.mark.parametrize(("who", "status"), [("agent", 200), ("lead", 200), ("supervisor", 200),
                                             ("manager", 403), ("repair", 403)])
def test_who_may_open_the_pages(people, url, who, status):
    if url == "detail":
        url = f"/outages/{new_notice(people.agent).pk}/"
    assert page(getattr(people, who)).get(url).status_code == status


@pytest.mark.parametrize("url", [LIST, NEW, CALLER, "/outages/1/"])
def test_anonymous_users_are_sent_to_the_login_page(db, url):
    response = page().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unknown_notices_and_steps_are_404(people):
    notice = new_notice(people.agent)
    assert page(people.agent).get("/outages/99999999/").status_code == 404
    assert step(page(people.agent), notice, "explode").status_code == 404


def test_the_nav_link_follows_the_roles(people):
    assert 'href="/outages/">停电信息</a>' in text(page(people.agent).get("/"))
    assert 'href="/outages/"' not in text(page(people.manager).get("/"))


def test_roles_without_the_front_office_may_not_post(people):
    notice = new_notice(people.agent)
    assert step(page(people.manager), notice, "publish").status_code == 403
    assert page(people.repair).post(NEW, {}).status_code == 403
    assert OutageNotice.objects.get(pk=notice.pk).state == OutageState.RECEIVED


# --- the list


def test_the_list_shows_state_kind_area_times_lateness_and_linked_calls(people, customer):
    fault = new_notice(people.agent, area="中山路", publish=True)  # the fixture customer: 示范市中山路1号
    work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                      actor=people.agent)
    planned = new_notice(people.agent, kind="planned", area="光明路", cause="线路检修",
                         starts_at=START + 3 * 24 * HOUR, publish=True)
    received = new_notice(people.agent, area="人民路")

    response = page(people.agent).get(LIST)

    assert response.status_code == 200
    body = text(response)
    row = re.search(rf'<tr id="outage-{fault.pk}">(.*?)</tr>', body, re.S).group(1)
    assert "已发布" in row and "故障停电" in row and "中山路" in row and "2026-03-02 08:00" in row
    assert "2026-03-02 12:00" in row and '<td class="num">1</td>' in row
    planned_row = re.search(rf'<tr id="outage-{planned.pk}">(.*?)</tr>', body, re.S).group(1)
    assert "计划停电" in planned_row and "发布过晚" in planned_row
    assert "未发布" in re.search(rf'<tr id="outage-{received.pk}">(.*?)</tr>', body, re.S).group(1)

    filtered = text(page(people.agent).get(LIST, {"state": "received"}))
    assert f'id="outage-{received.pk}"' in filtered and f'id="outage-{fault.pk}"' not in filtered
    assert page(people.agent).get(LIST, {"state": "flying"}).status_code == 200  # bad filter: an empty list


# --- the create form


FORM = {"kind": "fault", "area": "幸福小区\n光明路", "cause": CAUSE, "starts_at": "2026-03-02T08:30",
        "expected_restore_at": "2026-03-02T12:30"}


def test_an_agent_records_a_notice_with_the_form(people, org):
    response = page(people.agent).post(NEW, {**FORM, "source_department": org.repair.pk})

    notice = OutageNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/outages/{notice.pk}/"
    assert notice.state == OutageState.RECEIVED and notice.received_by == people.agent
    assert notice.starts_at == dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)  # local time
    assert notice.received_at == START and notice.source_department == org.repair
    assert notice.terms == ["幸福小区", "光明路"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"expected_restore_at": "2026-03-02T08:00"}, "expected_restore_at", "预计恢复时间必须晚于停电开始时间"),
    ({"area": "、，"}, "area", "请至少填写一个小区、街道或线路"),
    ({"starts_at": "3026-03-02T08:30"}, "starts_at", "请选择 2000 至 2099 年之间的日期"),
    ({"starts_at": "yesterday"}, "starts_at", ""),
    ({"kind": "blackout"}, "kind", ""),
    ({"cause": ""}, "cause", ""),
])
def test_a_refused_form_shows_its_errors(people, change, field, message):
    response = page(people.agent).post(NEW, {**FORM, **change})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in errors(response)
    assert not OutageNotice.objects.exists()


# --- the detail page and its steps


def test_publish_update_restore_close_through_the_pages(people, customer, clock):
    client = page(people.agent)
    notice = new_notice(people.agent, area="中山路")
    body = text(client.get(f"/outages/{notice.pk}/"))
    assert 'id="publish-form"' in body and 'id="update-form"' not in body

    response = step(client, notice, "publish")
    assert response.status_code == 302
    body = text(client.get(response["Location"]))
    assert "已发布" in body and 'id="update-form"' in body and 'id="restore-form"' in body
    assert "非常抱歉" in body and CAUSE in body  # the apology phrase for callers

    order = work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                              actor=people.agent2)
    assert order.number in text(client.get(f"/outages/{notice.pk}/"))

    clock.move_to(START + HOUR, tick=False)
    assert step(client, notice, "update", {"expected_restore_at": "2026-03-02T15:00"}).status_code == 302
    notice.refresh_from_db()
    assert notice.expected_restore_at == dt.datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI)
    assert notice.updated_count == 1

    assert step(client, notice, "restore", {"restored_at": "2026-03-02T09:50"}).status_code == 302
    notice.refresh_from_db()
    assert notice.state == OutageState.RESTORED
    assert notice.restored_at == dt.datetime(2026, 3, 2, 9, 50, tzinfo=SHANGHAI)
    assert WorkOrder.objects.get(pk=order.pk).state == State.RESTORED

    assert step(client, notice, "close").status_code == 302
    body = text(client.get(f"/outages/{notice.pk}/"))
    assert "已关闭" in body and "form" not in body.split('class="outage-steps"')[1].split("</div>")[0]


@pytest.mark.parametrize(("name", "data", "status", "message"), [
    ("update", {}, 400, "请填写新的预计恢复时间、停电原因或停电范围"),
    ("update", {"expected_restore_at": "2026-03-02T07:00"}, 400, "预计恢复时间必须晚于停电开始时间"),
    ("update", {"expected_restore_at": "soon"}, 400, ""),
    ("restore", {"restored_at": "2026-03-02T10:00"}, 400, "恢复送电时间必须在停电开始之后、当前时间之前"),
])
def test_a_refused_step_is_an_error_on_its_form(people, name, data, status, message):
    notice = new_notice(people.agent, publish=True)

    response = step(page(people.agent), notice, name, data)

    assert response.status_code == status
    body = text(response)
    assert f'id="{name}-form"' in body
    assert errors(response) or 'class="form-errors"' in body
    assert message in body
    notice.refresh_from_db()
    assert notice.state == OutageState.PUBLISHED and notice.updated_count == 0


def test_a_step_no_longer_allowed_is_409_with_a_message(people):
    notice = new_notice(people.agent, publish=True)

    response = step(page(people.agent), notice, "publish")  # a stale page: published meanwhile

    assert response.status_code == 409
    assert "当前状态下不能执行此操作" in text(response)
    assert OutageNotice.objects.get(pk=notice.pk).history.count() == 2


# --- the caller lookup


@pytest.fixture
def neighbours(db):
    inside = CustomerFactory(phone="13700000001", name="李四", address="示范市幸福小区3栋2单元")
    outside = CustomerFactory(phone="13700000002", name="王五", address="示范市人民路5号")
    return inside, outside


def test_the_caller_lookup_shows_the_notice_for_a_caller_from_the_area(people, neighbours):
    inside, outside = neighbours
    notice = new_notice(people.agent, publish=True)
    client = page(people.agent)

    response = client.get(CALLER, {"phone": "137 0000 0001"})

    assert response.status_code == 200
    body = text(response)
    assert "李四" in body and "示范市幸福小区3栋2单元" in body
    assert f'id="caller-notice-{notice.pk}"' in body
    assert CAUSE in body and "2026-03-02 12:00" in body  # cause and expected restoration
    assert "非常抱歉" in body  # the apology phrase

    body = text(client.get(CALLER, {"phone": outside.phone}))
    assert "王五" in body and 'id="no-outage"' in body and "caller-notice-" not in body

    body = text(client.get(CALLER, {"phone": "13800000000"}))
    assert "没有客户档案" in body and "caller-notice-" not in body


def test_the_caller_lookup_refuses_a_bad_phone(people):
    response = page(people.agent).get(CALLER, {"phone": "call me"})
    assert response.status_code == 400
    assert "请输入电话号码" in errors(response)
    assert text(page(people.agent).get(CALLER)).count('id="caller-outages"') == 0


# --- the public page


@pytest.fixture
def public_notices(people, customer, neighbours):
    """Published (active and upcoming), received, restored and closed notices; customers and a linked repair."""
    active = new_notice(people.agent, area="幸福小区\n<script>alert(1)</script>", cause='电缆"&<>故障', publish=True)
    work_order_create(kind="repair", description="停电", caller_number=neighbours[0].phone, customer=neighbours[0],
                      actor=people.agent)
    upcoming = new_notice(people.agent, kind="planned", area="光明路", cause="计划检修",
                          starts_at=START + 3 * 24 * HOUR, publish=True)
    received = new_notice(people.agent, area="未发布小区", cause="未发布原因")
    restored = new_notice(people.agent, area="已恢复小区", cause="已恢复原因", publish=True)
    outage_act(notice=restored, name="restore", actor=people.agent)
    closed = new_notice(people.agent, area="已关闭小区", cause="已关闭原因", publish=True)
    outage_act(notice=closed, name="restore", actor=people.agent)
    outage_act(notice=closed, name="close", actor=people.agent)
    return active, upcoming, received, restored, closed


def test_the_public_page_lists_published_notices_only(public_notices):
    active, upcoming, *_ = public_notices

    response = page().get(PUBLIC)

    assert response.status_code == 200
    body = text(response)
    current = body.split('id="current"')[1].split("</table>")[0]
    planned = body.split('id="upcoming"')[1].split("</table>")[0]
    assert "幸福小区" in current and "2026-03-02 08:00" in current and "2026-03-02 12:00" in current
    assert "故障停电" in current and "光明路" not in current
    assert "光明路" in planned and "计划检修" in planned and "计划停电" in planned and "2026-03-05 09:00" in planned
    for hidden in ("未发布", "已恢复小区", "已恢复原因", "已关闭"):
        assert hidden not in body


def test_the_public_page_shows_no_customer_data_and_no_internal_ids(public_notices, people, customer, neighbours):
    body = text(page().get(PUBLIC))

    for person in (customer, *neighbours):
        assert person.name not in body and person.phone not in body and person.address not in body
        assert person.account_number not in body
    for user in ("agent", "张三", people.agent.username):
        assert f">{user}<" not in body
    for notice in public_notices:
        assert f"/outages/{notice.pk}/" not in body
    assert not re.search(r"1[3-9]\d{9}", body)  # no mobile numbers at all
    for number in WorkOrder.objects.values_list("number", flat=True):
        assert number not in body
    assert "csrfmiddlewaretoken" not in body


def test_the_public_page_escapes_what_it_shows(public_notices):
    body = text(page().get(PUBLIC))
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "电缆&quot;&amp;&lt;&gt;故障" in body


def test_the_public_page_is_plain_chinese_and_cacheable(public_notices):
    response = page().get(PUBLIC)

    body = text(response)
    assert '<html lang="zh-hans">' in body and "停电信息公告" in body
    assert "site-header" not in body and "/accounts/logout/" not in body  # not the staff layout
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies  # no session, no CSRF cookie


def test_the_public_page_is_the_same_for_a_logged_in_agent(public_notices, people):
    response = page(people.agent).get(PUBLIC)
    assert response.status_code == 200
    assert "site-header" not in text(response) and "agent" not in text(response)


def test_the_public_page_in_english_on_request(public_notices):
    body = text(page().get(PUBLIC, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Power outage notices" in body and "Planned maintenance" in body


def test_the_public_page_without_notices(db):
    body = text(page().get(PUBLIC))
    assert "目前没有已知的停电" in body


def test_the_public_page_only_reads(db):
    assert page().post(PUBLIC).status_code == 405


def test_the_demo_has_a_fault_with_a_linked_repair_and_a_late_planned_outage(db, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent

    fault = OutageNotice.objects.get(kind="fault")
    planned = OutageNotice.objects.get(kind="planned")
    assert fault.state == planned.state == OutageState.PUBLISHED
    assert fault.linked_orders.get().customer.account_number == "DEMO0008"
    assert not fault.announced_late and planned.announced_late
    assert planned.starts_at == dt.datetime(2026, 3, 5, 8, 0, tzinfo=SHANGHAI)
    body = text(page().get(PUBLIC))
    assert fault.cause in body and planned.cause in body and "梁淑芬" not in body
