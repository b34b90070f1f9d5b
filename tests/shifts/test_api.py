"""The shifts API: the roster (list, filters, retrieve, create), check-in / check-out over HTTP, handovers with
their items, transitions (200 / 400 / 403 / 409 as for work orders) and available_transitions; bad input is a
4xx JSON answer, never a 500."""

import pytest
from rest_framework.test import APIClient

from shifts.models import Handover, HandoverItem, HandoverItemKind, HandoverState, Shift, ShiftMember

from .conftest import ALL_DONE, DAY, NEXT_DAY, at

pytestmark = pytest.mark.django_db

SHIFTS = "/api/v1/shifts/"
HANDOVERS = "/api/v1/handovers/"
HUGE = 2**64


def client_for(user) -> APIClient:
    """A 500 comes back as a response instead of raising in the test."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = response.json()
    assert isinstance(body, dict) and body
    return body


def transition(user, handover, name, **data):
    return client_for(user).post(f"{HANDOVERS}{handover.pk}/transitions/{name}/", data, format="json")


@pytest.fixture
def roster(duty):
    return duty.middle_and_night()


@pytest.fixture
def draft(duty, people, roster):
    """The middle shift's draft handover at 23:00 with the orders agent and agent2 took at 17:00."""
    middle, _ = roster
    duty.move_to(at(2026, 3, 2, 17, 0))
    duty.order(people.agent)
    duty.order(people.agent2, kind="repair")
    duty.move_to(at(2026, 3, 2, 23, 0))
    response = client_for(people.lead).post(f"{SHIFTS}{middle.pk}/handover/")
    assert response.status_code == 201, response.content
    return Handover.objects.get(pk=response.json()["id"])


# --- The roster --------------------------------------------------------------------------------------


def test_the_list_of_shifts_with_its_filters(duty, people, roster, agent3):
    middle, night = roster
    early = duty.shift("early", DAY, lead=duty.lead2, members=[agent3])
    api = client_for(people.agent)

    def listed(**query) -> list[int]:
        response = api.get(SHIFTS, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert listed() == [early.pk, middle.pk, night.pk]  # by start
    assert listed(template="middle") == [middle.pk]
    assert listed(member="agent") == [middle.pk]
    assert listed(member="agent3") == [early.pk, night.pk]
    assert listed(lead="lead2") == [early.pk, night.pk]
    assert listed(date_after=NEXT_DAY.isoformat()) == [night.pk]
    assert listed(date_before=DAY.isoformat(), date_after=DAY.isoformat()) == [early.pk, middle.pk]
    assert listed(unit=duty.org.center.pk) == [early.pk, middle.pk, night.pk]
    assert listed(unit=duty.org.city.pk) == []
    row = api.get(SHIFTS, {"template": "middle"}).json()["results"][0]
    assert row["starts_at"] == "2026-03-02T16:00:00+08:00"
    assert row["ends_at"] == "2026-03-03T00:00:00+08:00"  # 中班 crosses midnight
    assert row["checkin_due_at"] == "2026-03-02T15:40:00+08:00"
    assert row["lead"] == "lead"
    assert sorted(row["members"]) == ["agent", "agent2", "lead"]


def test_retrieve_shows_the_members_with_their_check_in_and_out(duty, people, roster):
    middle, _ = roster
    duty.move_to(at(2026, 3, 2, 15, 30))
    assert client_for(people.agent).post(f"{SHIFTS}{middle.pk}/check-in/").status_code == 200

    body = client_for(people.manager).get(f"{SHIFTS}{middle.pk}/").json()

    members = {m["username"]: m for m in body["members"]}
    assert set(members) == {"lead", "agent", "agent2"}
    assert members["agent"]["checked_in_at"] == "2026-03-02T15:30:00+08:00"
    assert members["agent"]["checked_out_at"] is None
    assert members["agent2"]["checked_in_at"] is None
    assert body["template"] == "middle" and body["template_name"] == "中班"
    assert body["handover"] is None


def test_the_shift_templates_are_readable(people):
    body = client_for(people.agent).get("/api/v1/shift-templates/").json()
    codes = {row["code"]: row for row in body["results"]}
    assert set(codes) == {"early", "middle", "night", "duty24"}
    assert codes["duty24"]["crosses_midnight"] is True
    assert codes["early"]["checkin_lead_minutes"] == 20
    assert client_for(people.supervisor).post("/api/v1/shift-templates/", {"code": "x"}).status_code == 405


def test_a_lead_rosters_a_shift(duty, people, agent3):
    response = client_for(people.lead).post(SHIFTS, {
        "unit": duty.org.center.pk, "template": "night", "date": "2026-03-03", "lead": "lead2",
        "members": ["agent3"],
    }, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_at"] == "2026-03-03T00:00:00+08:00"
    assert body["ends_at"] == "2026-03-03T08:00:00+08:00"
    assert {m["username"] for m in body["members"]} == {"lead2", "agent3"}
    assert Shift.objects.get(pk=body["id"]).lead == duty.lead2


def test_an_agent_may_not_roster_and_a_second_shift_of_the_same_kind_is_a_conflict(duty, people, roster):
    data = {"unit": duty.org.center.pk, "template": "middle", "date": DAY.isoformat(), "lead": "lead"}

    assert_error(client_for(people.agent).post(SHIFTS, data, format="json"), 403)
    body = assert_error(client_for(people.supervisor).post(SHIFTS, data, format="json"), 409)
    assert body["code"] == "shift_exists"
    assert Shift.objects.count() == 2


@pytest.mark.parametrize("change", [
    pytest.param({"template": "lunch"}, id="unknown-template"),
    pytest.param({"unit": HUGE}, id="huge-unit"),
    pytest.param({"unit": "center"}, id="unit-not-an-id"),
    pytest.param({"lead": "nobody"}, id="unknown-lead"),
    pytest.param({"members": ["agent", "nobody"]}, id="unknown-member"),
    pytest.param({"members": "agent"}, id="members-not-a-list"),
    pytest.param({"date": "2026-02-30"}, id="no-such-date"),
    pytest.param({"date": None}, id="no-date"),
])
def test_bad_roster_input_is_400_and_writes_nothing(duty, people, change):
    data = {"unit": duty.org.center.pk, "template": "early", "date": "2026-03-04", "lead": "lead", **change}

    assert_error(client_for(people.supervisor).post(SHIFTS, data, format="json"), 400)
    assert not Shift.objects.exists()


def test_broken_json_is_400(people):
    response = client_for(people.supervisor).post(SHIFTS, data='{"unit": ', content_type="application/json")
    assert_error(response, 400)


@pytest.mark.parametrize("query", [
    {"unit": HUGE}, {"unit": "x"}, {"member": "nobody"}, {"template": "lunch"}, {"date_after": "2026-13-01"},
])
def test_bad_filters_are_400(people, query):
    assert_error(client_for(people.agent).get(SHIFTS, query), 400)


@pytest.mark.parametrize("url", [
    f"{SHIFTS}{HUGE}/", f"{SHIFTS}abc/", f"{HANDOVERS}{HUGE}/", f"{HANDOVERS}0/",
])
def test_unknown_ids_are_404(people, url):
    assert_error(client_for(people.supervisor).get(url), 404)


# --- Check-in and check-out --------------------------------------------------------------------------


def test_check_in_and_out_over_http(duty, people, roster):
    middle, _ = roster
    url = f"{SHIFTS}{middle.pk}"
    api = client_for(people.agent)

    duty.move_to(at(2026, 3, 2, 15, 35))
    response = api.post(f"{url}/check-in/")
    assert response.status_code == 200, response.content
    mine = next(m for m in response.json()["members"] if m["username"] == "agent")
    assert mine["checked_in_at"] == "2026-03-02T15:35:00+08:00"
    assert assert_error(api.post(f"{url}/check-in/"), 409)["code"] == "already_checked_in"

    duty.move_to(at(2026, 3, 3, 0, 2))
    response = api.post(f"{url}/check-out/")
    assert response.status_code == 200, response.content
    member = ShiftMember.objects.get(shift=middle, user=people.agent)
    assert member.checked_out_at == at(2026, 3, 3, 0, 2)
    assert assert_error(api.post(f"{url}/check-out/"), 409)["code"] == "already_checked_out"


def test_check_in_refusals(duty, people, roster):
    middle, night = roster
    duty.move_to(at(2026, 3, 2, 13, 0))
    assert assert_error(client_for(people.agent).post(f"{SHIFTS}{middle.pk}/check-in/"), 409)["code"] == "too_early"
    duty.move_to(at(2026, 3, 2, 15, 0))
    assert_error(client_for(duty.agent3).post(f"{SHIFTS}{middle.pk}/check-in/"), 403)  # not a member
    assert assert_error(client_for(people.agent2).post(f"{SHIFTS}{middle.pk}/check-out/"), 409)["code"] == (
        "not_checked_in")
    assert_error(client_for(people.repair).post(f"{SHIFTS}{middle.pk}/check-in/"), 403)  # no shifts role
    assert_error(client_for(people.agent).post(f"{SHIFTS}{HUGE}/check-in/"), 404)
    assert_error(client_for(people.agent).get(f"{SHIFTS}{middle.pk}/check-in/"), 405)
    assert not ShiftMember.objects.filter(checked_in_at__isnull=False).exists()


# --- Handovers ---------------------------------------------------------------------------------------


def test_opening_a_handover_lists_the_shifts_open_orders(duty, people, roster, draft):
    middle, night = roster
    again = client_for(people.lead).post(f"{SHIFTS}{middle.pk}/handover/")
    assert again.status_code == 200  # the same draft
    body = again.json()
    assert body["id"] == draft.pk
    assert body["state"] == "draft"
    assert body["outgoing"] == middle.pk and body["incoming"] == night.pk
    assert body["outgoing_lead"] == "lead" and body["incoming_lead"] == "lead2"
    assert body["due_at"] == "2026-03-03T00:05:00+08:00"
    assert body["available_transitions"] == ["submit"]
    orders = [item for item in body["items"] if item["kind"] == "order"]
    assert {item["owner"] for item in orders} == {"agent", "agent2"}
    assert all(item["order_number"] and item["order_state"] == "accepted" for item in orders)
    assert [row["name"] for row in body["history"]] == ["create"]
    assert body["checklist"] == {"cleaning_done": None, "equipment_ok": None, "items_counted": None, "notes": ""}


def test_only_the_lead_or_a_supervisor_opens_a_handover(duty, people, roster):
    middle, _ = roster
    assert_error(client_for(people.agent).post(f"{SHIFTS}{middle.pk}/handover/"), 403)
    assert_error(client_for(duty.lead2).post(f"{SHIFTS}{middle.pk}/handover/"), 403)
    assert not Handover.objects.exists()
    assert client_for(people.supervisor).post(f"{SHIFTS}{middle.pk}/handover/").status_code == 201


def test_list_and_filters_of_handovers(duty, people, roster, draft):
    api = client_for(people.supervisor)
    assert [row["id"] for row in api.get(HANDOVERS).json()["results"]] == [draft.pk]
    assert api.get(HANDOVERS, {"state": "submitted"}).json()["results"] == []
    assert len(api.get(HANDOVERS, {"state": "draft", "unit": duty.org.center.pk}).json()["results"]) == 1
    assert api.get(HANDOVERS, {"date_after": NEXT_DAY.isoformat()}).json()["results"] == []
    assert len(api.get(HANDOVERS, {"date_before": DAY.isoformat()}).json()["results"]) == 1
    assert_error(api.get(HANDOVERS, {"state": "bogus"}), 400)
    assert_error(client_for(people.agent).get(HANDOVERS), 403)  # agents do not see handovers


def test_submit_refuse_resubmit_accept_over_http(duty, people, lead2, draft):
    order_items = list(HandoverItem.objects.filter(handover=draft, kind=HandoverItemKind.ORDER).order_by("id"))

    duty.move_to(at(2026, 3, 2, 23, 50))
    response = transition(people.lead, draft, "submit", cleaning_done=False, equipment_ok=True, items_counted=True,
                          notes="卫生未做")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "submitted"
    assert body["checklist"]["cleaning_done"] is False
    assert body["submitted_by"] == "lead"
    assert body["available_transitions"] == []  # the outgoing lead waits
    assert client_for(lead2).get(f"{HANDOVERS}{draft.pk}/").json()["available_transitions"] == ["accept", "refuse"]

    response = transition(lead2, draft, "refuse", reason="卫生未做", for_cleaning=True)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "refused"
    assert response.json()["refused_for_cleaning"] is True
    assert response.json()["refusal_count"] == 1

    duty.move_to(at(2026, 3, 2, 23, 58))
    assert transition(people.lead, draft, "submit", **ALL_DONE).status_code == 200

    duty.move_to(at(2026, 3, 3, 0, 9))
    unexplained = transition(lead2, draft, "accept", flagged=[order_items[0].pk])  # a flag needs its reason
    assert unexplained.status_code == 400 and unexplained.json()["code"] == "flag_reason_required"
    response = transition(lead2, draft, "accept", flagged=[{"item": order_items[0].pk, "note": "客户已同意"},
                                                           {"item": order_items[1].pk, "note": "本班可办结"}])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted"
    assert body["accepted_by"] == "lead2"
    assert body["late_minutes"] == 4  # due 00:05
    flags = {item["id"]: (item["flagged"], item["flag_note"], item["reviewed"]) for item in body["items"]}
    assert flags[order_items[0].pk] == (True, "客户已同意", True)
    assert flags[order_items[1].pk] == (True, "本班可办结", True)
    assert [row["name"] for row in body["history"]] == ["create", "submit", "refuse", "submit", "accept"]
    assert body["available_transitions"] == []
    assert Handover.objects.get(pk=draft.pk).state == HandoverState.ACCEPTED


def test_transition_permissions_are_403(duty, people, lead2, draft):
    assert_error(transition(people.agent, draft, "submit", **ALL_DONE), 403)  # no handover role
    body = assert_error(transition(lead2, draft, "submit", **ALL_DONE), 403)  # not the outgoing lead
    assert body["code"] == "permission_denied"
    assert transition(people.lead, draft, "submit", **ALL_DONE).status_code == 200
    assert_error(transition(people.lead, draft, "accept"), 403)  # the outgoing lead cannot accept
    assert_error(transition(people.manager, draft, "refuse", reason="x"), 403)
    assert Handover.objects.get(pk=draft.pk).state == HandoverState.SUBMITTED


def test_transitions_not_allowed_from_the_state_are_409(people, lead2, draft):
    assert assert_error(transition(lead2, draft, "accept"), 409)["code"] == "transition_not_allowed"
    assert assert_error(transition(people.lead, draft, "publish"), 409)["code"] == "unknown_transition"
    assert transition(people.lead, draft, "submit", **ALL_DONE).status_code == 200
    body = assert_error(transition(people.lead, draft, "submit", **ALL_DONE), 409)
    assert body["code"] == "transition_not_allowed" and body["state"] == "submitted"
    assert transition(lead2, draft, "accept").status_code == 200
    assert_error(transition(lead2, draft, "refuse", reason="晚了"), 409)


@pytest.mark.parametrize(("name", "data"), [
    pytest.param("submit", {}, id="submit-no-checklist"),
    pytest.param("submit", {**ALL_DONE, "cleaning_done": None}, id="submit-null"),
    pytest.param("submit", {**ALL_DONE, "cleaning_done": "maybe"}, id="submit-not-bool"),
    pytest.param("submit", {**ALL_DONE, "notes": "x" * 5000}, id="submit-notes-too-long"),
])
def test_bad_submit_input_is_400(people, draft, name, data):
    assert_error(transition(people.lead, draft, name, **data), 400)
    assert Handover.objects.get(pk=draft.pk).state == HandoverState.DRAFT


@pytest.mark.parametrize(("name", "data"), [
    pytest.param("refuse", {}, id="refuse-no-reason"),
    pytest.param("refuse", {"reason": "   "}, id="refuse-blank-reason"),
    pytest.param("accept", {"flagged": [HUGE]}, id="accept-huge-id"),
    pytest.param("accept", {"flagged": [999999]}, id="accept-unknown-item"),
    pytest.param("accept", {"flagged": ["abc"]}, id="accept-not-an-id"),
    pytest.param("accept", {"flagged": [True]}, id="accept-bool"),
    pytest.param("accept", {"flagged": [{"note": "x"}]}, id="accept-object-without-item"),
    pytest.param("accept", {"flagged": 5}, id="accept-not-a-list"),
])
def test_bad_review_input_is_400(people, lead2, draft, name, data):
    assert transition(people.lead, draft, "submit", **ALL_DONE).status_code == 200
    assert_error(transition(lead2, draft, name, **data), 400)
    assert Handover.objects.get(pk=draft.pk).state == HandoverState.SUBMITTED


def test_a_note_or_reply_cannot_be_flagged(people, lead2, draft):
    note = HandoverItem.objects.create(handover=draft, kind=HandoverItemKind.NOTE, text="钥匙在抽屉")
    assert transition(people.lead, draft, "submit", **ALL_DONE).status_code == 200
    assert_error(transition(lead2, draft, "accept", flagged=[note.pk]), 400)


def test_transition_bad_bodies_are_400_or_404(people, draft):
    url = f"{HANDOVERS}{draft.pk}/transitions/submit/"
    assert_error(client_for(people.lead).post(url, data="{", content_type="application/json"), 400)
    assert_error(client_for(people.lead).post(f"{HANDOVERS}{HUGE}/transitions/submit/", ALL_DONE, format="json"),
                 404)
    assert Handover.objects.get(pk=draft.pk).state == HandoverState.DRAFT


# --- Pending items -----------------------------------------------------------------------------------


def test_the_outgoing_lead_adds_a_reply_owed_and_a_note(people, draft):
    url = f"{HANDOVERS}{draft.pk}/items/"
    response = client_for(people.lead).post(url, {"kind": "reply", "text": "向省公司答复停电原因",
                                                  "due_at": "2026-03-03T10:00:00+08:00"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["due_at"] == "2026-03-03T10:00:00+08:00"
    assert response.json()["kind"] == "reply"
    response = client_for(people.lead).post(url, {"kind": "note", "text": "备用钥匙在值班室抽屉"}, format="json")
    assert response.status_code == 201, response.content
    kinds = [i["kind"] for i in client_for(people.lead).get(f"{HANDOVERS}{draft.pk}/").json()["items"]]
    assert sorted(kinds) == ["note", "order", "order", "reply"]


@pytest.mark.parametrize("data", [
    pytest.param({"kind": "order", "text": "x"}, id="kind-order"),
    pytest.param({"kind": "reply", "text": ""}, id="empty-text"),
    pytest.param({"kind": "reply", "text": "   "}, id="blank-text"),
    pytest.param({"kind": "reply", "text": "x", "due_at": "2026-03-03T10:00:00"}, id="naive-due-at"),
    pytest.param({"kind": "reply", "text": "x", "due_at": "1900-01-01T00:00:00+08:00"}, id="due-at-1900"),
    pytest.param({"kind": "reply", "text": "x", "due_at": "tomorrow"}, id="due-at-garbage"),
    pytest.param({"text": "x"}, id="no-kind"),
])
def test_bad_items_are_400(people, draft, data):
    before = HandoverItem.objects.count()
    assert_error(client_for(people.lead).post(f"{HANDOVERS}{draft.pk}/items/", data, format="json"), 400)
    assert HandoverItem.objects.count() == before


def test_items_are_added_only_by_the_outgoing_lead_before_signing(people, lead2, draft):
    url = f"{HANDOVERS}{draft.pk}/items/"
    item = {"kind": "note", "text": "x"}
    assert_error(client_for(lead2).post(url, item, format="json"), 403)
    assert_error(client_for(people.agent).post(url, item, format="json"), 403)
    assert transition(people.lead, draft, "submit", **ALL_DONE).status_code == 200
    assert assert_error(client_for(people.lead).post(url, item, format="json"), 409)["code"] == "handover_signed"


def test_the_schema_documents_the_shift_endpoints(client, people):
    client.force_login(people.lead)  # the schema is served to logged-in users and token holders only
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ["/api/v1/shifts/", "/api/v1/shifts/{id}/", "/api/v1/shifts/{id}/check-in/",
                 "/api/v1/shifts/{id}/check-out/", "/api/v1/shifts/{id}/handover/", "/api/v1/shift-templates/",
                 "/api/v1/handovers/", "/api/v1/handovers/{id}/", "/api/v1/handovers/{id}/items/",
                 "/api/v1/handovers/{id}/transitions/{name}/"]:
        assert path in schema["paths"], path
    responses = schema["paths"]["/api/v1/handovers/{id}/transitions/{name}/"]["post"]["responses"]
    assert {"200", "400", "403", "409"} <= set(responses)

