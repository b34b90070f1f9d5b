"""Bad input gets a 4xx JSON answer, never a 500, and writes nothing (design "Interfaces": errors)."""

import json

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tickets.models import Call, Customer, WorkOrder

from ..factories import UserFactory

ORDERS = "/api/v1/work-orders/"
CALLS = "/api/v1/calls/"
VALID_ORDER = {"kind": "complaint", "description": "抄表员态度恶劣", "caller_number": "13700000001"}
VALID_CALL = {"caller_number": "13700000001", "ring_started_at": "2026-05-11T09:00:00+08:00",
              "answered_at": "2026-05-11T09:00:08+08:00", "ended_at": "2026-05-11T09:03:00+08:00",
              "agent": "agent"}
NASTY = [None, "", " ", "x" * 5000, -1, 0, 2**63, 1.5, [], {}, True, "\u0000", "<script>alert(1)</script>"]


@pytest.fixture
def client(people):
    """The agent's client; a 500 comes back as a response instead of raising in the test."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(people.agent)
    return client


def counts():
    return WorkOrder.objects.count(), Customer.objects.count(), Call.objects.count()


def assert_json_error(response, *, status=None):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = response.json()
    assert isinstance(body, dict) and body, body
    return body


# --- Creating a work order ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("change", [
    pytest.param({"kind": "outage"}, id="unknown-kind"),
    pytest.param({"kind": "Complaint"}, id="kind-wrong-case"),
    pytest.param({"kind": 123}, id="kind-number"),
    pytest.param({"kind": None}, id="kind-null"),
    pytest.param({"area_type": "city"}, id="area-type-unknown"),
    pytest.param({"customer": "abc"}, id="customer-text"),
    pytest.param({"customer": 99999}, id="customer-unknown"),
    pytest.param({"customer": 2**63}, id="customer-too-big"),
    pytest.param({"call": -1}, id="call-negative"),
    pytest.param({"call": 99999}, id="call-unknown"),
    pytest.param({"caller_number": "abc"}, id="phone-letters"),
    pytest.param({"caller_number": "12"}, id="phone-too-short"),
    pytest.param({"caller_number": "1" * 33}, id="phone-too-long"),
    pytest.param({"caller_number": "+86 139 0000 0001 转 123"}, id="phone-with-extension-text"),
    pytest.param({"caller_number": ""}, id="phone-empty"),
    pytest.param({"description": ""}, id="description-empty"),
    pytest.param({"description": "   "}, id="description-blank"),
    pytest.param({"description": "x" * 4001}, id="description-4001"),
    pytest.param({"description": "x" * 100_000}, id="description-100k"),
    pytest.param({"description": ["a", "b"]}, id="description-list"),
    pytest.param({"description": {"a": 1}}, id="description-object"),
    pytest.param({"description": "a\u0000b"}, id="description-nul"),
    pytest.param({"title": "t" * 201}, id="title-201"),
    pytest.param({"address": "a" * 301}, id="address-301"),
    pytest.param({"account_number": "NO-SUCH-ACCOUNT"}, id="account-unknown"),
    pytest.param({"answer": "已答复"}, id="answer-on-a-complaint"),
])
def test_a_bad_field_is_refused_and_creates_nothing(client, customer, change):
    before = counts()

    body = assert_json_error(client.post(ORDERS, {**VALID_ORDER, **change}, format="json"), status=400)

    assert "detail" in body or set(body) & set(change), body
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["kind", "description", "caller_number"])
def test_each_required_field_is_required(client, customer, missing):
    before = counts()
    body = {k: v for k, v in VALID_ORDER.items() if k != missing}

    errors = assert_json_error(client.post(ORDERS, body, format="json"), status=400)

    assert missing in errors
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [
    pytest.param('{"kind": ', id="truncated"),
    pytest.param("{'kind': 'complaint'}", id="single-quotes"),
    pytest.param("", id="empty"),
    pytest.param("null", id="null"),
    pytest.param("[1, 2]", id="list"),
    pytest.param('[{"kind": "complaint"}]', id="list-of-objects"),
    pytest.param('"complaint"', id="string"),
    pytest.param("42", id="number"),
    pytest.param('{"kind": "complaint", "description": NaN, "caller_number": "13700000001"}', id="nan"),
    pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
])
def test_a_body_that_is_not_a_json_object_is_refused(client, customer, raw):
    before = counts()

    response = client.post(ORDERS, raw, content_type="application/json")

    assert_json_error(response, status=400)
    assert counts() == before


@pytest.mark.django_db
def test_form_encoded_and_unknown_content_types_are_handled(client, customer):
    before = counts()

    response = client.post(ORDERS, "kind=complaint", content_type="text/plain")

    assert_json_error(response, status=415)
    assert counts() == before


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_refused_not_processed(client, customer):
    before = counts()
    body = json.dumps({**VALID_ORDER, "padding": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = client.post(ORDERS, body, content_type="application/json")

    assert 400 <= response.status_code < 500, response.status_code
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["kind", "description", "caller_number", "title", "customer", "account_number",
                                   "call", "area_type", "address", "answer"])
def test_no_nasty_value_in_any_create_field_causes_a_server_error(client, customer, field):
    for value in NASTY:
        before = counts()
        response = client.post(ORDERS, {**VALID_ORDER, "kind": "consultation", field: value}, format="json")
        assert response.status_code < 500, (field, value if not isinstance(value, str) else value[:20],
                                            response.content[:200])
        assert response["Content-Type"].startswith("application/json"), (field, value)
        if response.status_code == 201:
            WorkOrder.objects.filter(pk=response.json()["id"]).delete()
        else:
            assert counts() == before, (field, value)


# --- Logging a call -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["caller_number", "ring_started_at", "answered_at", "ended_at", "agent", "seat",
                                   "outcome", "note", "customer"])
def test_no_nasty_value_in_any_call_field_causes_a_server_error(client, customer, field):
    values = [*NASTY, "2026-13-01T00:00:00", "yesterday", "2026-05-11T09:00:00+25:00", "9999-12-31T23:59:59Z",
              "nobody"]
    for value in values:
        before = counts()
        response = client.post(CALLS, {**VALID_CALL, field: value}, format="json")
        assert response.status_code < 500, (field, value if not isinstance(value, str) else value[:20],
                                            response.content[:200])
        assert response["Content-Type"].startswith("application/json"), (field, value)
        if response.status_code >= 400:
            assert counts() == before, (field, value)


@pytest.mark.django_db
@pytest.mark.parametrize("change", [
    pytest.param({"caller_number": "abc"}, id="phone-letters"),
    pytest.param({"ring_started_at": "yesterday"}, id="ring-not-a-time"),
    pytest.param({"ring_started_at": None}, id="ring-null"),
    pytest.param({"answered_at": "2026-05-11T08:59:59+08:00"}, id="answered-before-ring"),
    pytest.param({"ended_at": "2026-05-11T09:00:05+08:00"}, id="ended-before-answer"),
    pytest.param({"agent": "nobody"}, id="agent-unknown"),
    pytest.param({"outcome": "hung_up"}, id="outcome-unknown"),
    pytest.param({"outcome": "abandoned"}, id="answered-but-abandoned"),
    pytest.param({"customer": 99999}, id="customer-unknown"),
    pytest.param({"seat": "s" * 21}, id="seat-too-long"),
])
def test_a_bad_call_is_refused_and_logs_nothing(client, customer, change):
    before = counts()

    assert_json_error(client.post(CALLS, {**VALID_CALL, **change}, format="json"), status=400)

    assert counts() == before


@pytest.mark.django_db
def test_a_call_body_that_is_not_an_object_is_refused(client):
    for raw in ['{"caller_number": ', "[]", '"x"']:
        assert_json_error(client.post(CALLS, raw, content_type="application/json"), status=400)
    assert Call.objects.count() == 0


# --- Ids in URLs and filter values --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/v1/work-orders/99999999/",
    "/api/v1/work-orders/abc/",
    "/api/v1/work-orders/-1/",
    "/api/v1/work-orders/99999999999999999999999/",
    "/api/v1/customers/99999999/",
    "/api/v1/customers/abc/",
    "/api/v1/calls/99999999/",
    "/api/v1/calls/abc/",
])
def test_an_unknown_or_malformed_id_is_a_json_404(client, url):
    assert_json_error(client.get(url), status=404)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/v1/work-orders/99999999/transitions/dispatch/",
    "/api/v1/work-orders/abc/transitions/dispatch/",
    "/api/v1/work-orders/1.5/transitions/dispatch/",
    "/api/v1/work-orders/1/transitions/../",
    "/api/v1/work-orders/1/transitions/dispatch-now/",
])
def test_a_transition_on_an_unknown_or_malformed_id_is_a_404(client, url):
    response = client.post(url, {"department": 1}, format="json")

    assert response.status_code == 404, response.content[:200]


@pytest.mark.django_db
def test_an_unknown_transition_name_is_refused_with_json(client, customer):
    order = client.post(ORDERS, VALID_ORDER, format="json").json()

    response = client.post(f"{ORDERS}{order['id']}/transitions/fly_away/", {}, format="json")

    body = assert_json_error(response, status=409)
    assert body["code"] == "unknown_transition"
    assert "forward" in body["transitions"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "department=abc", "department=99999", "owner=nobody", "handler=nobody", "accepted_after=yesterday",
    "accepted_before=2026-13-45", "state=flying", "kind=outage", "area_type=city", "customer=abc",
    "customer=nan", "customer=1e400", "phone=%00", "number=%00",
])
def test_a_malformed_work_order_filter_is_a_json_400(client, customer, query):
    assert_json_error(client.get(f"{ORDERS}?{query}"), status=400)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=99", "page=-1"])
def test_a_page_that_does_not_exist_is_a_json_404(client, customer, query):
    assert_json_error(client.get(f"{ORDERS}?{query}"), status=404)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["overdue=maybe", "open=perhaps", "ordering=nonsense", "ordering=-password",
                                   "page_size=-1", "page_size=abc", "page_size=100000", "phone=abc", "phone="])
def test_a_lenient_filter_value_is_ignored_or_refused_never_500(client, customer, query):
    response = client.get(f"{ORDERS}?{query}")

    assert response.status_code < 500, response.content[:200]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/v1/calls/?agent=nobody", "/api/v1/calls/?outcome=hung_up", "/api/v1/calls/?ring_after=yesterday",
    "/api/v1/calls/?customer=abc", "/api/v1/customers/?area_type=city", "/api/v1/customers/?name=%00",
])
def test_a_malformed_call_or_customer_filter_is_a_json_400(client, url):
    assert_json_error(client.get(url), status=400)


# --- Bugs found while writing these tests -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/work-orders/?customer=99999999999999999999999",
                                 "/api/v1/calls/?customer=99999999999999999999999"])
def test_a_customer_filter_beyond_the_id_range_is_not_a_500(client, url):
    response = client.get(url)

    assert response.status_code < 500
    assert response.status_code == 400 or response.json()["count"] == 0


@pytest.mark.django_db
def test_a_naive_ring_time_at_the_start_of_the_calendar_is_refused_not_500(client):
    response = client.post(CALLS, {**VALID_CALL, "ring_started_at": "0001-01-01T00:00:00", "answered_at": None,
                                   "ended_at": None}, format="json")

    assert_json_error(response, status=400)


@pytest.mark.django_db
def test_an_absurd_ring_length_is_refused(client):
    response = client.post(CALLS, {**VALID_CALL, "ring_started_at": "1900-01-01T00:00:00Z",
                                   "answered_at": "2026-05-11T09:00:08+08:00"}, format="json")

    assert response.status_code < 500, response.status_code
    # PositiveIntegerField: "values from 0 to 2147483647 are safe in all databases".
    assert response.status_code == 400 or response.json()["ring_seconds"] <= 2**31 - 1


@pytest.mark.django_db
def test_errors_outside_the_views_are_json_too(client):
    unrouted = client.post("/api/v1/work-orders/1.5/transitions/dispatch/", {}, format="json")
    too_big = client.post(ORDERS, json.dumps({"d": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}),
                          content_type="application/json")

    for response in (unrouted, too_big):
        assert response["Content-Type"].startswith("application/json"), response.content[:100]
        assert "detail" in response.json()


@pytest.mark.django_db
def test_non_ascii_digits_are_normalized_or_refused(client, customer):
    before = Customer.objects.count()

    response = client.post(ORDERS, {**VALID_ORDER, "caller_number": "١٣٩٠٠٠٠٠٠٠١"}, format="json")

    assert response.status_code == 400 or response.json()["customer"] == customer.pk
    assert Customer.objects.count() == before



@pytest.mark.django_db
def test_a_filter_by_owner_knows_users_added_since_the_first_filtered_request(client, people, org):
    """The filter's form is built once per filter set class: its choices are still read per request."""
    assert client.get(f"{ORDERS}?owner=agent").status_code == 200
    assert_json_error(client.get(f"{ORDERS}?owner=newcomer"), status=400)
    newcomer = UserFactory(username="newcomer", unit=org.center, role="agent")
    WorkOrder.objects.filter(pk=client.post(ORDERS, VALID_ORDER, format="json").json()["id"]).update(owner=newcomer)
    listed = client.get(f"{ORDERS}?owner=newcomer")
    assert listed.status_code == 200
    assert [row["owner"] for row in listed.json()["results"]] == ["newcomer"]
