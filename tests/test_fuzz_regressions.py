"""Regression tests for what the API fuzzer (tests/test_fuzz_api.py) found: each one request written by hand, held
to the OpenAPI schema the app serves (tests/fuzz/conformance.py), so the fix stays without the fuzzer."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contactcenter.tokens import issue_token
from kpi.models import PenaltyRule
from kpi.reports.services import report_generate, report_request
from kpi.services import entry_post_manual
from shifts.models import Shift, ShiftTemplate
from tickets.models import Call, OutageKind
from tickets.services import call_log, outage_receive, work_order_create

from .factories import PASSWORD
from .fuzz.conformance import assert_conforms, served_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(people):
    return served_schema(people.agent)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)[1]}")
    return client


# --- error answers the schema did not document ----------------------------------------------------------------

def test_a_wrong_password_is_a_documented_400(schema, people):
    """Credentials that do not match are a bad request to this exchange (as DRF's own token view and OAuth 2's token
    endpoint answer), not a 403 "forbidden", which says the caller is known and refused."""
    response = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert_conforms(schema, response, method="post", path="/api/v1/auth/token/")


def test_field_errors_are_the_documented_400(schema, people):
    """DRF's field errors ({"field": ["message"]}) were documented as {"detail", "code"} only."""
    response = token_client(people.agent).post("/api/v1/calls/", {"caller_number": "13900000001",
                                                                  "ring_started_at": "1999-01-01T00:00:00+08:00"},
                                               format="json")

    assert response.status_code == 400
    assert "ring_started_at" in response.json()
    assert_conforms(schema, response, method="post", path="/api/v1/calls/")


def test_a_malformed_body_is_the_documented_400(schema, people):
    response = token_client(people.agent).generic("POST", "/api/v1/work-orders/", b"{not json",
                                                  content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert_conforms(schema, response, method="post", path="/api/v1/work-orders/")


def test_the_anonymous_gets_a_documented_401(schema, db):
    response = APIClient().get("/api/v1/customers/")

    assert response.status_code == 401
    assert_conforms(schema, response, method="get", path="/api/v1/customers/")


def test_an_unknown_id_is_a_documented_404(schema, people):
    response = token_client(people.agent).get("/api/v1/calls/987654/")

    assert response.status_code == 404
    assert_conforms(schema, response, method="get", path="/api/v1/calls/{id}/")


def test_a_page_past_the_end_is_a_documented_404(schema, people):
    response = token_client(people.agent).get("/api/v1/customers/?page=99")

    assert response.status_code == 404
    assert_conforms(schema, response, method="get", path="/api/v1/customers/")


def test_an_invalid_filter_is_a_documented_400(schema, people):
    response = token_client(people.agent).get("/api/v1/departments/?unit=not-a-number")

    assert response.status_code == 400
    assert_conforms(schema, response, method="get", path="/api/v1/departments/")


def test_a_role_refused_is_a_documented_403(schema, people):
    response = token_client(people.agent).get("/api/v1/kpi/audit/")

    assert response.status_code == 403
    assert_conforms(schema, response, method="get", path="/api/v1/kpi/audit/")


# --- 500s: times and dates outside what Python's datetime holds once converted -----------------------------------

TIME_FILTERS = [
    ("/api/v1/calls/", "ring_after"), ("/api/v1/calls/", "ring_before"),
    ("/api/v1/work-orders/", "accepted_after"), ("/api/v1/work-orders/", "accepted_before"),
    ("/api/v1/outages/", "starts_after"), ("/api/v1/outages/", "starts_before"),
]


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00"])
@pytest.mark.parametrize(("path", "name"), TIME_FILTERS)
def test_a_time_filter_outside_2000_2100_is_a_400(schema, people, path, name, moment):
    """Past year 9999 in UTC (or before year 1 read in Asia/Shanghai): the database adapter's conversion
    overflowed (500)."""
    response = token_client(people.supervisor).get(path, {name: moment})

    assert response.status_code == 400, response.content[:300]
    assert name in response.json()
    assert_conforms(schema, response, method="get", path=path)
    assert token_client(people.supervisor).get(path, {name: "2026-03-10T10:30:00+08:00"}).status_code == 200


@pytest.mark.parametrize(("template", "date"), [("middle", "9999-12-31"), ("night", "0001-01-01"),
                                                ("early", "1200-01-10"), ("early", "2100-01-01")])
def test_a_shift_outside_2000_2099_is_a_400(schema, people, org, template, date):
    """A middle shift on 9999-12-31 ends in year 10000 (500); one in 1200 was stored with Shanghai's local mean
    time (+08:05:43), an offset JSON's date-time cannot carry."""
    response = token_client(people.supervisor).post("/api/v1/shifts/", {
        "unit": org.center.pk, "template": template, "date": date, "lead": "lead"}, format="json")

    assert response.status_code == 400, response.content[:300]
    assert "date" in response.json()
    assert not Shift.objects.exists()
    assert_conforms(schema, response, method="post", path="/api/v1/shifts/")


def test_a_shift_in_range_is_created(schema, people, org):
    response = token_client(people.supervisor).post("/api/v1/shifts/", {
        "unit": org.center.pk, "template": "middle", "date": "2099-12-31", "lead": "lead"}, format="json")

    assert response.status_code == 201, response.content[:300]
    assert response.json()["ends_at"] == "2100-01-01T00:00:00+08:00"
    assert_conforms(schema, response, method="post", path="/api/v1/shifts/")


# --- read-only fields that can be null or blank, documented as never -------------------------------------------

def test_an_unanswered_call_has_no_agent(schema, people, customer):
    ring = timezone.now() - dt.timedelta(minutes=5)
    call = call_log(caller_number=customer.phone, ring_started_at=ring, answered_at=None,
                    ended_at=ring + dt.timedelta(seconds=30), agent=None, logged_by=people.telephony,
                    customer=customer)

    response = token_client(people.agent).get(f"/api/v1/calls/{call.pk}/")

    assert response.status_code == 200
    assert response.json()["agent"] is None
    assert_conforms(schema, response, method="get", path="/api/v1/calls/{id}/")
    listed = token_client(people.agent).get("/api/v1/calls/")
    assert_conforms(schema, listed, method="get", path="/api/v1/calls/")
    assert Call.objects.count() == 1


def test_an_order_not_yet_dispatched_nor_investigated(schema, people, customer):
    """No department (department_name, handler: null), no finding yet (finding_cause: "", responsible: null)."""
    order = work_order_create(kind="complaint", description="态度差", caller_number=customer.phone,
                              customer=customer, actor=people.agent)

    response = token_client(people.agent).get(f"/api/v1/work-orders/{order.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["department_name"], body["handler"], body["finding_cause"], body["finding_responsible"]) == (
        None, None, "", None)
    assert_conforms(schema, response, method="get", path="/api/v1/work-orders/{id}/")
    assert_conforms(schema, token_client(people.agent).get("/api/v1/work-orders/"), method="get",
                    path="/api/v1/work-orders/")


def test_a_ledger_entry_of_an_agent_has_no_department(schema, people):
    entry = entry_post_manual(rule=PenaltyRule.objects.order_by("code").first(), actor=people.lead, reason="test",
                              agent=people.agent)

    response = token_client(people.supervisor).get(f"/api/v1/kpi/entries/{entry.pk}/")

    assert response.status_code == 200
    assert response.json()["department_name"] is None
    assert_conforms(schema, response, method="get", path="/api/v1/kpi/entries/{id}/")


def test_an_outage_notice_history_starts_from_no_state(schema, people):
    """Its first history row (received) has source "", which the state enum did not allow."""
    starts = timezone.now() + dt.timedelta(days=8)
    notice = outage_receive(kind=OutageKind.PLANNED, area="滨江路", cause="检修", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=4), actor=people.agent)

    response = token_client(people.agent).get(f"/api/v1/outages/{notice.pk}/")

    assert response.status_code == 200
    assert response.json()["history"][0]["source"] == ""
    assert_conforms(schema, response, method="get", path="/api/v1/outages/{id}/")


def test_a_shift_template_gives_wall_clock_times(schema, people):
    """A time of day without offset ("08:00:00") was documented as JSON Schema's time, which requires one."""
    template = ShiftTemplate.objects.get(code="early")

    response = token_client(people.agent).get(f"/api/v1/shift-templates/{template.pk}/")

    assert response.status_code == 200
    assert response.json()["start"] == "08:00:00"
    assert_conforms(schema, response, method="get", path="/api/v1/shift-templates/{id}/")


# --- the report download: a file when done, a documented 409 before ----------------------------------------------

def test_the_report_download_is_the_documented_file_or_409(schema, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    done = report_request(actor=people.supervisor, period="2026-02", fmt="csv")
    report_generate(run_id=done.pk)
    queued = report_request(actor=people.supervisor, period="2026-02", fmt="xlsx")
    client = token_client(people.supervisor)

    file = client.get(f"/api/v1/reports/monthly/{done.pk}/download/", HTTP_ACCEPT="text/html")
    not_yet = client.get(f"/api/v1/reports/monthly/{queued.pk}/download/")

    assert file.status_code == 200
    assert file["Content-Type"].startswith("text/csv")
    assert_conforms(schema, file, method="get", path="/api/v1/reports/monthly/{id}/download/")
    assert not_yet.status_code == 409
    assert_conforms(schema, not_yet, method="get", path="/api/v1/reports/monthly/{id}/download/")


# --- the schema's texts ------------------------------------------------------------------------------------------

def test_operations_do_not_describe_our_mixin(schema):
    """Every viewset without a docstring of its own was described by MethodsFirst's (about answering 405)."""
    descriptions = [operation.get("description", "") for path in schema.raw_schema["paths"].values()
                    for operation in path.values()]

    assert not [text for text in descriptions if "405" in text and "does not exist" in text]


def test_the_token_endpoint_works_with_the_documented_request(schema, people):
    response = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert_conforms(schema, response, method="post", path="/api/v1/auth/token/")
