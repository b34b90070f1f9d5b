"""Hostile or careless input is refused clearly (a 4xx with the reason), never a 500 (issue 8).

* Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE → 413 before anything reads them (JSON under /api/, a page elsewhere);
  too many fields → 400; JSON nested 10,000 levels deep → 400; a huge string → 413 or the field's 400.
* Phone numbers typed with full-width digits, ideographic spaces, dashes, brackets, +86 / 0086 find the same
  customer as the plain number; letters or nothing → 400 on the field.
* Every datetime input of the API refuses naive, out-of-range and impossible times on its field; so do the pages.
* User text with markup comes back escaped on every page that shows it.
"""

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.actions import outage_act
from tests.factories import CustomerFactory
from tickets.models import Call, Customer, OutageNotice, StandardPhrase, WorkOrder

MB = 1_048_576


@pytest.fixture
def agent_api(people):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # the messages asserted below are the English msgids
    client.force_authenticate(people.agent)
    return client


@pytest.fixture
def agent_page(people):
    client = Client()
    client.force_login(people.agent)
    return client


def call_body(**changes) -> dict:
    ring = timezone.now() - dt.timedelta(minutes=5)
    body = {"caller_number": "13800138000", "ring_started_at": ring.isoformat(),
            "answered_at": (ring + dt.timedelta(seconds=8)).isoformat(),
            "ended_at": (ring + dt.timedelta(minutes=2)).isoformat(), "agent": "agent"}
    body.update(changes)
    return body


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


def assert_page_error(response, status: int, text: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'id="request-refused"' in html and text in html


# --- Oversized bodies, too many fields, deep JSON ------------------------------------------------------------


@pytest.mark.django_db
def test_an_api_body_over_the_limit_is_refused_with_413_before_anything_reads_it(agent_api):
    body = json.dumps(call_body(note="x" * MB)).encode()
    assert len(body) > MB

    response = agent_api.generic("POST", "/api/v1/calls/", body, content_type="application/json")

    refusal = assert_api_error(response, 413, "too_large")
    assert str(MB) in refusal["detail"]
    assert not Call.objects.exists()
    # Before authentication too: an anonymous client cannot make the server read a large body.
    assert_api_error(APIClient().generic("POST", "/api/v1/auth/token/", b" " * (MB + 1),
                                         content_type="application/json"), 413, "too_large")


@pytest.mark.django_db
def test_a_body_at_the_limit_is_read(agent_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    body = json.dumps(call_body(note="")).encode()
    padded = body[:-1] + b" " * (4096 - len(body)) + b"}"
    assert len(padded) == 4096

    assert agent_api.generic("POST", "/api/v1/calls/", padded, content_type="application/json").status_code == 201
    assert_api_error(agent_api.generic("POST", "/api/v1/calls/", padded + b" ", content_type="application/json"),
                     413, "too_large")


@pytest.mark.django_db
def test_a_page_form_over_the_limit_gets_a_413_page(agent_page, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = agent_page.post("/console/", {"caller_number": "13800138000", "classification": "consultation",
                                             "description": "咨询电价" * 5000})

    assert_page_error(response, 413, "10000")
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_a_malformed_content_length_is_a_400(agent_api):
    response = agent_api.generic("POST", "/api/v1/calls/", b"{}", content_type="application/json",
                                 CONTENT_LENGTH="12abc")
    assert_api_error(response, 400, "bad_content_length")
    response = agent_api.generic("POST", "/api/v1/calls/", b"{}", content_type="application/json",
                                 CONTENT_LENGTH="-1")
    assert_api_error(response, 400, "bad_content_length")


@pytest.mark.django_db
def test_too_many_fields_are_a_clear_400(agent_api, agent_page, settings):
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    fields = {f"f{n}": "1" for n in range(limit + 1)}

    form = APIClient().post("/api/v1/auth/token/", urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert str(limit) in assert_api_error(form, 400, "too_many_fields")["detail"]
    assert_api_error(agent_api.get("/api/v1/customers/?" + urlencode(fields)), 400, "too_many_fields")
    assert_page_error(agent_page.post("/console/", fields), 400, str(limit))
    assert_page_error(Client().get("/accounts/login/?" + urlencode(fields)), 400, str(limit))
    multipart = agent_page.post("/console/", {**fields, "caller_number": "13800138000"})  # multipart/form-data
    assert_page_error(multipart, 400, str(limit))

    just_under = {f"f{n}": "1" for n in range(limit - 10)}
    assert agent_api.get("/api/v1/customers/?" + urlencode(just_under)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    pytest.param("[" * 10_000 + "]" * 10_000, id="arrays-10000"),
    pytest.param('{"a":' * 10_000 + "1" + "}" * 10_000, id="objects-10000"),
    pytest.param(json.dumps(call_body(note=json.loads("[" * 40 + "]" * 40))), id="a-field-40-deep"),
])
def test_json_nested_too_deep_is_a_400(agent_api, body):
    response = agent_api.generic("POST", "/api/v1/calls/", body.encode(), content_type="application/json")

    assert_api_error(response, 400, "parse_error")
    assert "nested" in response.json()["detail"]
    anonymous = APIClient(HTTP_ACCEPT_LANGUAGE="en").generic("POST", "/api/v1/auth/token/", body.encode(),
                                                            content_type="application/json")
    assert_api_error(anonymous, 400, "parse_error")


@pytest.mark.django_db
def test_ordinary_nesting_is_accepted(agent_api):
    response = agent_api.post("/api/v1/calls/", call_body(), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["description", "title", "address", "caller_number"])
def test_a_huge_string_field_is_refused_on_its_field(agent_api, field):
    body = {"kind": "consultation", "description": "咨询", "caller_number": "13800138000", field: "长" * 200_000}

    response = agent_api.post("/api/v1/work-orders/", body, format="json")

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_a_huge_string_over_the_body_limit_is_a_413(agent_api):
    body = {"kind": "consultation", "description": "x" * (2 * MB), "caller_number": "13800138000"}
    assert_api_error(agent_api.post("/api/v1/work-orders/", body, format="json"), 413, "too_large")


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["a\x00b", "\ud800", ["a"], {"a": 1}])
def test_strings_that_are_not_text_are_a_400(agent_api, text):
    body = json.dumps({"kind": "consultation", "description": "咨询", "caller_number": "13800138000"})
    body = body[:-1] + ', "title": ' + json.dumps(text) + "}"

    response = agent_api.generic("POST", "/api/v1/work-orders/", body.encode(), content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert not WorkOrder.objects.exists()


# --- Phone numbers ---------------------------------------------------------------------------------------------

SAME_NUMBER = [
    "13800138000",
    "１３８ ００１３ ８０００",  # full-width digits, ASCII spaces
    "１３８\u3000００１３\u3000８０００",  # full-width digits, ideographic spaces
    "138-0013-8000",
    "１３８－００１３－８０００",  # full-width hyphen-minus
    "138‐0013–8000",  # hyphen, en dash
    "+86 138 0013 8000",
    "＋８６ １３８ ００１３ ８０００",
    "0086-138-0013-8000",
    "(+86) 138 0013 8000",
    "（+86）13800138000",
    "\u200b13800138000",  # a zero-width space pasted along
]


@pytest.fixture
def known(db):
    return CustomerFactory(phone="13800138000", name="李四", account_number="ACC-LISI")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", SAME_NUMBER)
def test_a_phone_typed_any_way_finds_the_same_customer(agent_api, known, typed):
    found = agent_api.get("/api/v1/customers/", {"phone": typed})
    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [known.pk]

    call = agent_api.post("/api/v1/calls/", call_body(caller_number=typed), format="json")
    assert call.status_code == 201, call.content
    assert (call.json()["caller_number"], call.json()["customer"]) == ("13800138000", known.pk)

    order = agent_api.post("/api/v1/work-orders/", {"kind": "consultation", "description": "咨询电价",
                                                    "caller_number": typed}, format="json")
    assert order.status_code == 201, order.content
    assert (order.json()["caller_number"], order.json()["customer"]) == ("13800138000", known.pk)
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_the_outage_lookup_finds_the_caller_by_a_typed_phone(agent_api, people, known):
    known.address = "示范市中山路8号"
    known.save()
    from tickets.services import outage_receive

    starts = timezone.now() - dt.timedelta(minutes=10)
    notice = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=2), actor=people.lead)
    outage_act(notice=notice, name="publish", actor=people.lead)

    response = agent_api.get("/api/v1/outages/for-caller/", {"phone": "＋８６ １３８－００１３－８０００"})

    assert response.status_code == 200, response.content
    assert response.json()["customer"]["id"] == known.pk
    assert [row["id"] for row in response.json()["notices"]] == [notice.pk]


@pytest.mark.django_db
def test_landlines_and_foreign_numbers_keep_their_meaning(agent_api):
    for typed, stored in [("+86 10 6512 3456", "01065123456"), ("(010) 6512-3456", "01065123456"),
                          ("+86 (0)10 6512 3456", "01065123456"), ("00852 2123 4567", "+85221234567"),
                          ("９５５９８", "95598")]:
        response = agent_api.post("/api/v1/customers/", {"phone": typed}, format="json")
        assert response.status_code == 201, (typed, response.content)
        assert Customer.objects.get(pk=response.json()["id"]).phone == stored, typed


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["abc", "138abc00138", "138 0013 800O", "", "   ", "\u3000", "--", "+86", "12",
                                   "１３８@００１３"])
def test_a_phone_with_letters_or_nothing_is_a_400_on_its_field(agent_api, known, typed):
    call = agent_api.post("/api/v1/calls/", call_body(caller_number=typed), format="json")
    assert call.status_code == 400, call.content
    assert "caller_number" in json.dumps(call.json())

    order = agent_api.post("/api/v1/work-orders/", {"kind": "consultation", "description": "咨询电价",
                                                    "caller_number": typed}, format="json")
    assert order.status_code == 400, order.content
    assert "caller_number" in json.dumps(order.json())

    customer = agent_api.post("/api/v1/customers/", {"phone": typed}, format="json")
    assert customer.status_code == 400, customer.content
    body = customer.json()
    assert body.get("field") == "phone" or "phone" in body, body

    assert (Call.objects.count(), WorkOrder.objects.count(), Customer.objects.count()) == (0, 0, 1)


@pytest.mark.django_db
def test_the_console_form_takes_a_full_width_phone(agent_page, known):
    response = agent_page.post("/console/", {"caller_number": "＋８６ １３８\u3000００１３\u3000８０００",
                                             "classification": "consultation", "description": "咨询电价",
                                             "answer": "已答复"})
    assert response.status_code in (200, 302), response.content[:500]
    order = WorkOrder.objects.get()
    assert (order.caller_number, order.customer_id) == ("13800138000", known.pk)

    refused = agent_page.post("/console/", {"caller_number": "138abc", "classification": "consultation",
                                            "description": "咨询电价"})
    assert refused.status_code == 400
    assert WorkOrder.objects.count() == 1


# --- Datetimes -------------------------------------------------------------------------------------------------

BAD_TIMES = [
    pytest.param("2026-11-01T10:00:00", id="naive"),
    pytest.param("9999-12-31T23:59:59Z", id="year-9999"),
    pytest.param("0001-01-01T00:00:00Z", id="year-1"),
    pytest.param("2026-02-30T10:00:00+08:00", id="february-30"),
    pytest.param("1999-12-31T23:59:59+08:00", id="before-2000"),
    pytest.param("2026-11-01T25:00:00+08:00", id="hour-25"),
    pytest.param("2026-11-01T10:00:00+25:00", id="offset-25h"),
    pytest.param("", id="empty"),
    pytest.param(1_700_000_000, id="a-number"),
]


@pytest.fixture
def outage(people):
    from tickets.services import outage_receive

    starts = timezone.now() - dt.timedelta(hours=1)
    notice = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=3), actor=people.lead)
    return outage_act(notice=notice, name="publish", actor=people.lead)


@pytest.fixture
def handover(people):
    import importlib

    from django.apps import apps as django_apps

    from shifts import services as shift_services
    from shifts.models import ShiftTemplate

    if not ShiftTemplate.objects.exists():
        importlib.import_module("shifts.migrations.0002_templates_and_schedule").seed(django_apps, None)
    template = ShiftTemplate.objects.get(code="duty24")
    now = timezone.localtime()
    day = now.date() if now.time() >= template.start else now.date() - dt.timedelta(days=1)
    shift = shift_services.shift_create(unit=people.lead.unit, template=template, date=day, lead=people.lead,
                                        members=[people.agent], actor=people.supervisor)
    return shift_services.handover_open(shift=shift, actor=people.lead)


def datetime_inputs(people, outage, handover):
    """Every datetime the API takes: (user, URL, a valid body, the field)."""
    from kpi.models import PenaltyRule

    now = timezone.now()
    rule = PenaltyRule.objects.filter(manual=True).first()
    outage_body = {"kind": "planned", "area": "北山村", "cause": "检修",
                   "starts_at": (now + dt.timedelta(days=3)).isoformat(),
                   "expected_restore_at": (now + dt.timedelta(days=3, hours=4)).isoformat(),
                   "received_at": now.isoformat()}
    return [
        (people.agent, "/api/v1/calls/", call_body(), "ring_started_at"),
        (people.agent, "/api/v1/calls/", call_body(), "answered_at"),
        (people.agent, "/api/v1/calls/", call_body(), "ended_at"),
        (people.lead, "/api/v1/outages/", outage_body, "starts_at"),
        (people.lead, "/api/v1/outages/", outage_body, "expected_restore_at"),
        (people.lead, "/api/v1/outages/", outage_body, "received_at"),
        (people.lead, f"/api/v1/outages/{outage.pk}/transitions/update/",
         {"expected_restore_at": (now + dt.timedelta(hours=5)).isoformat()}, "expected_restore_at"),
        (people.lead, f"/api/v1/outages/{outage.pk}/transitions/restore/", {"restored_at": now.isoformat()},
         "restored_at"),
        (people.lead, f"/api/v1/handovers/{handover.pk}/items/",
         {"kind": "reply", "text": "答复上级", "due_at": (now + dt.timedelta(hours=2)).isoformat()}, "due_at"),
        (people.supervisor, "/api/v1/kpi/entries/",
         {"rule": rule.code, "agent": "agent", "reason": "内网违规", "occurred_at": now.isoformat()}, "occurred_at"),
    ]


@pytest.mark.django_db
def test_each_datetime_input_takes_a_proper_time(people, outage, handover):
    """The valid bodies below are accepted: the refusals in the next test come from the one bad field."""
    for user, url, body, _field in datetime_inputs(people, outage, handover):
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(url, body, format="json")
        assert response.status_code in (200, 201), (url, response.content)
        OutageNotice.objects.filter(pk=outage.pk).update(state="published", restored_at=None)


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_TIMES)
def test_every_datetime_input_refuses_a_naive_impossible_or_out_of_range_time(people, outage, handover, value):
    for user, url, body, field in datetime_inputs(people, outage, handover):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)

        response = client.post(url, {**body, field: value}, format="json")

        assert response.status_code == 400, (url, field, response.content)
        errors = response.json()
        assert field in errors and errors[field], (url, field, errors)
        if value == "2026-11-01T10:00:00":
            assert errors[field][0].startswith("Give the time with its UTC offset"), errors


PAGE_TIMES = [
    pytest.param("9999-12-31T23:59", id="year-9999"),
    pytest.param("0001-01-01T00:00", id="year-1"),
    pytest.param("2026-02-30T10:00", id="february-30"),
    pytest.param("1999-12-31T23:59", id="before-2000"),
    pytest.param("2026-11-01T25:00", id="hour-25"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("value", PAGE_TIMES)
def test_the_page_forms_refuse_an_impossible_or_out_of_range_time(people, outage, handover, value):
    from kpi.models import LedgerEntry, PenaltyRule

    lead = Client()
    lead.force_login(people.lead)
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    rule = PenaltyRule.objects.filter(manual=True).first()
    forms = [
        (lead, "/console/", {"caller_number": "13800138000", "classification": "consultation",
                             "description": "咨询电价", "answer": "已答复", "rang_at": value}, "rang_at"),
        (lead, "/outages/new/", {"kind": "planned", "area": "北山村", "cause": "检修", "starts_at": value,
                                 "expected_restore_at": "2026-12-01T18:00"}, "starts_at"),
        (lead, "/outages/new/", {"kind": "planned", "area": "北山村", "cause": "检修", "starts_at": "2026-12-01T08:00",
                                 "expected_restore_at": value}, "expected_restore_at"),
        (lead, f"/outages/{outage.pk}/transitions/update/", {"step": "update", "expected_restore_at": value},
         "expected_restore_at"),
        (lead, f"/outages/{outage.pk}/transitions/restore/", {"step": "restore", "restored_at": value},
         "restored_at"),
        (lead, f"/shifts/handovers/{handover.pk}/items/", {"kind": "reply", "text": "答复上级", "due_at": value},
         "due_at"),
        (supervisor, "/kpi/ledger/new/", {"rule": rule.pk, "agent": people.agent.pk, "reason": "内网违规",
                                          "occurred_at": value}, "occurred_at"),
    ]
    for client, url, data, field in forms:
        response = client.post(url, data)

        assert response.status_code in (200, 400), (url, field, response.status_code)  # the form again
        html = response.content.decode()
        assert f'name="{field}"' in html and "errorlist" in html, (url, field)
    assert not WorkOrder.objects.exists()
    assert OutageNotice.objects.count() == 1
    assert not LedgerEntry.objects.filter(reason="内网违规").exists()


# --- Markup in user text ---------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = f"恶意{SCRIPT}文本{IMG}结束"
ESCAPED = ["&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"]


def assert_escaped(html: str, where: str, *, whole: bool = True) -> None:
    """No raw markup; the text shown escaped (``whole=False``: a page that truncates it, so only the first part)."""
    assert SCRIPT not in html, where
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html, where
    for escaped in ESCAPED if whole else ESCAPED[:1]:
        assert escaped in html, (where, escaped)


@pytest.fixture
def hostile(people):
    """Markup in a customer's name, an order's description, a call's note, an outage's area, a standard phrase,
    a ledger entry's reason and a handover item."""
    from kpi.models import PenaltyRule
    from kpi.services import entry_post_manual
    from tickets.services import call_log, outage_receive, work_order_create

    customer = CustomerFactory(phone="13800138000", name=HOSTILE, address="示范市中山路8号")
    ring = timezone.now() - dt.timedelta(minutes=3)
    call = call_log(caller_number=customer.phone, ring_started_at=ring, answered_at=ring + dt.timedelta(seconds=5),
                    ended_at=None, agent=people.agent, logged_by=people.telephony, note=HOSTILE)
    order = work_order_create(kind="complaint", description=HOSTILE, title=HOSTILE, caller_number=customer.phone,
                              call=call, actor=people.agent)
    starts = timezone.now() - dt.timedelta(minutes=30)
    notice = outage_receive(kind="fault", area=f"中山路\n{HOSTILE}", cause=HOSTILE, starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=3), actor=people.lead)
    outage_act(notice=notice, name="publish", actor=people.lead)
    for situation in ("greeting", "complaint_accept"):
        StandardPhrase.objects.create(situation=situation, text=HOSTILE, source=HOSTILE)
    entry_post_manual(rule=PenaltyRule.objects.filter(manual=True).first(), agent=people.agent, reason=HOSTILE,
                      actor=people.supervisor)
    return customer, call, order, notice


@pytest.mark.django_db
def test_markup_in_user_text_comes_back_escaped_on_every_page(people, hostile, handover):
    customer, call, order, notice = hostile
    shift_services = __import__("shifts.services", fromlist=["handover_add_item"])
    shift_services.handover_add_item(handover=handover, actor=people.lead, kind="note", text=HOSTILE)
    agent, lead = Client(), Client()
    agent.force_login(people.agent)
    lead.force_login(people.lead)
    pages = [  # (who, page, the whole text shown)
        (agent, "/console/", True),  # the incoming call's card (customer name) and the standard phrases
        (agent, f"/console/?phone={customer.phone}", True),  # the caller's file and the outage on their street
        (agent, f"/console/customer/?phone={customer.phone}", True),  # the file alone (fetched by console.js)
        (agent, "/queue/", True),
        (agent, f"/orders/{order.pk}/", True),
        (lead, "/outages/", False),  # the area truncated to 60 characters
        (lead, f"/outages/{notice.pk}/", True),
        (lead, f"/outages/caller/?phone={customer.phone}", True),
        (lead, "/kpi/ledger/", True),
        (lead, f"/shifts/handovers/{handover.pk}/", False),  # the order's title truncated
    ]
    for client, url, whole in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url, whole=whole)

    public = Client().get("/public/outages/")  # no login: the utility's website links here
    assert public.status_code == 200
    assert_escaped(public.content.decode(), "/public/outages/")

    incoming = agent.get("/console/incoming/?after=0", HTTP_ACCEPT="application/json")  # JSON: set as textContent
    assert incoming.status_code == 200
    assert incoming.json()["calls"][0]["customer"] == HOSTILE
