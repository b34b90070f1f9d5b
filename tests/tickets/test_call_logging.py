"""Who may log a call, and when (design "Calls"; the ring rule charges the call's agent, seed 000 考核 4): only the
telephony system logs a call at any seat; an agent logs only the calls at their own seat; times are never in the
future and no older than the telephony link may lag (48 h by default) or, typed in by an agent, one hour."""

import datetime as dt

import pytest
from django.utils import timezone

from tickets.models import Call

CALLS = "/api/v1/calls/"


def body(*, ago: dt.timedelta = dt.timedelta(minutes=5), agent: str | None = None, ring: int = 4, **extra) -> dict:
    start = timezone.now() - ago
    data = {"caller_number": "13900000001", "ring_started_at": start.isoformat(),
            "answered_at": (start + dt.timedelta(seconds=ring)).isoformat(),
            "ended_at": (start + dt.timedelta(seconds=ring + 120)).isoformat(), **extra}
    if agent is not None:
        data["agent"] = agent
    return data


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.mark.parametrize("other", ["agent2", "supervisor", "manager", "lead"])
def test_an_agent_cannot_log_a_call_at_another_seat(api, people, other):
    response = api(people.agent).post(CALLS, body(agent=other, ring=40), format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "not_your_seat"
    assert not Call.objects.exists()


def test_an_agent_logs_a_call_at_their_own_seat(api, people):
    named = api(people.agent).post(CALLS, body(agent="agent"), format="json")
    unnamed = api(people.agent).post(CALLS, body(), format="json")
    assert (named.status_code, unnamed.status_code) == (201, 201)
    assert named.json()["agent"] == unnamed.json()["agent"] == "agent"  # a typed-in call rang at the typist's seat


def test_the_telephony_system_logs_calls_at_any_seat(api, people):
    for name in ("agent", "agent2", "lead", "supervisor"):
        response = api(people.telephony).post(CALLS, body(agent=name), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["agent"] == name
    queued = api(people.telephony).post(CALLS, body(), format="json")  # the IVR: no seat rang
    assert queued.status_code == 201 and queued.json()["agent"] is None


@pytest.mark.parametrize("who", ["manager", "repair", "telephony"])
def test_the_telephony_system_names_only_someone_who_takes_calls(api, people, who):
    response = api(people.telephony).post(CALLS, body(agent=who, ring=40), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "not_an_agent"
    assert not Call.objects.exists()


@pytest.mark.parametrize("who", ["manager", "repair"])
def test_who_takes_no_calls_logs_none(api, people, who):
    assert api(getattr(people, who)).post(CALLS, body(), format="json").status_code == 403
    assert not Call.objects.exists()


@pytest.mark.parametrize("field", ["ring_started_at", "answered_at", "ended_at"])
@pytest.mark.parametrize("who", ["agent", "telephony"])
def test_no_time_in_the_future(api, people, field, who):
    data = body(ago=dt.timedelta(seconds=0))
    data[field] = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    if field == "ring_started_at":
        data["answered_at"] = data["ended_at"] = None
    response = api(getattr(people, who)).post(CALLS, data, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Call.objects.exists()


@pytest.mark.parametrize(("who", "ago", "status"), [
    ("agent", dt.timedelta(minutes=59), 201),
    ("agent", dt.timedelta(minutes=61), 400),
    ("agent", dt.timedelta(days=90), 400),  # months back: a closed month
    ("telephony", dt.timedelta(hours=47), 201),
    ("telephony", dt.timedelta(hours=49), 400),
    ("telephony", dt.timedelta(days=90), 400),
])
def test_how_old_a_logged_call_may_be(api, people, who, ago, status):
    response = api(getattr(people, who)).post(CALLS, body(ago=ago), format="json")
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["code"] == "call_too_old"
        assert not Call.objects.exists()


def test_the_telephony_lag_is_configurable(api, people, settings):
    settings.CALL_LOG_MAX_AGE_HOURS = 72
    assert api(people.telephony).post(CALLS, body(ago=dt.timedelta(hours=60)), format="json").status_code == 201


def test_a_call_months_back_at_a_supervisors_seat_charges_nobody(api, people):
    """The attack of the issue: an agent logs a long-ringing call at a supervisor's seat months ago."""
    from kpi.sweeps import sweep_deadlines

    response = api(people.agent).post(CALLS, body(agent="supervisor", ago=dt.timedelta(days=60), ring=50),
                                      format="json")
    assert response.status_code in (400, 403)
    sweep_deadlines()
    from kpi.models import LedgerEntry

    assert not LedgerEntry.objects.exists()


# --- the service account ---------------------------------------------------------------------------------------


def test_the_telephony_account_gets_its_token_but_cannot_sign_in_to_the_pages(client, people, settings):
    from tests.factories import PASSWORD

    token = client.post("/api/v1/auth/token/", {"username": "telephony", "password": PASSWORD},
                        content_type="application/json")
    assert token.status_code == 200 and token.json()["token"]
    page = client.post("/accounts/login/", {"username": "telephony", "password": PASSWORD})
    assert page.status_code == 200  # the form again, with the reason
    assert "service account" in page.content.decode() or "服务账号" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/console/").status_code == 302  # still signed out
    assert client.post("/accounts/login/", {"username": "agent", "password": PASSWORD}).status_code == 302
