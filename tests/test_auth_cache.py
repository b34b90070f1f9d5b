"""The signed-in user, their token and permissions, and the reference data every new order reads (units, SLA
policies) come from the cache between requests (contactcenter.auth, tickets.reference, contactcenter.cache). A change
through the ORM takes effect on the very next request; a failing cache costs queries, never an error."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from conftest import _redis_url
from contactcenter.auth import ModelBackend
from contactcenter.tokens import issue_token
from tests.actions import outage_act
from tickets.models import SlaPolicy, Unit
from tickets.reference import active_policies, unit_with_ancestors

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/work-orders/"


def _token_client(user) -> tuple[APIClient, str]:
    token = issue_token(user)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, token


def _queries(send) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = send()
    return len(captured), response


def _auth_queries(send) -> int:
    """How many queries of a request read the token, the user or permissions."""
    with CaptureQueriesContext(connection) as captured:
        send()
    return sum(any(t in q["sql"] for t in ("knox_authtoken", "auth_permission", "django_session"))
               or q["sql"].startswith('SELECT "tickets_user"') for q in captured.captured_queries)


def test_a_warm_token_costs_no_query(people):
    client, _ = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200
    assert _auth_queries(lambda: client.get(ORDERS)) == 0


def test_a_warm_session_reads_neither_the_user_nor_the_password(people):
    """A page's session is checked against the hash the cache entry carries (the value every session of the user
    already holds), not against the password column read again on every page."""
    client = Client()
    client.force_login(people.agent)
    assert client.get("/queue/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/queue/").status_code == 200
    assert not [q["sql"] for q in captured.captured_queries
                if '"tickets_user"."password"' in q["sql"] or "django_session" in q["sql"]]


def test_a_session_made_under_a_retired_secret_key_ends(people, settings):
    """The hash the cache carries was made under the old key: it does not vouch for the session under a new one."""
    client = Client()
    client.force_login(people.agent)
    assert client.get("/queue/").status_code == 200
    assert client.get("/queue/").status_code == 200  # the user and the hash from the cache
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "k" * 40
    assert client.get("/queue/").status_code == 302  # to the login page, as Django does with the old key gone


def test_a_user_from_the_cache_who_sets_a_password_gets_the_new_passwords_hash(people):
    ModelBackend().get_user(people.agent.pk)
    user = ModelBackend().get_user(people.agent.pk)  # from the cache, the password not loaded
    old = user.get_session_auth_hash()
    user.set_password("another-password-2026")  # what a password change does before update_session_auth_hash
    assert user.get_session_auth_hash() != old
    people.agent.set_password("another-password-2026")
    people.agent.password = user.password
    assert user.get_session_auth_hash() == people.agent.get_session_auth_hash()


def test_a_permission_taken_from_the_group_is_refused_on_the_next_request(people):
    client, _ = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200  # cached now
    agent = Group.objects.get(name="agent")
    view = Permission.objects.get(codename="view_workorder")
    agent.permissions.remove(view)
    assert client.get(ORDERS).status_code == 403
    agent.permissions.add(view)
    assert client.get(ORDERS).status_code == 200


def test_a_role_taken_from_the_user_is_refused_on_the_next_request(people):
    client, _ = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200
    people.agent.groups.clear()
    assert client.get(ORDERS).status_code == 403


def test_a_direct_permission_given_counts_on_the_next_request(people):
    plain = type(people.agent).objects.create_user("plain", password="x-123456789")
    client, _ = _token_client(plain)
    assert client.get("/api/v1/calls/").status_code == 403
    plain.user_permissions.add(Permission.objects.get(codename="view_call"))
    assert client.get("/api/v1/calls/").status_code == 200


def test_a_deactivated_user_and_a_deleted_token_are_refused_at_once(people):
    client, token = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200
    people.agent.is_active = False
    people.agent.save(update_fields=["is_active"])
    assert client.get(ORDERS).status_code == 401
    people.agent.is_active = True
    people.agent.save(update_fields=["is_active"])
    assert client.get(ORDERS).status_code == 401  # the deactivation ended the token: reactivated, they sign in again

    client, token = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200
    AuthToken.objects.filter(user=people.agent).delete()
    assert client.get(ORDERS).status_code == 401


def test_a_session_ends_when_the_password_changes_or_the_user_is_deactivated(people):
    client = Client()
    client.force_login(people.agent)
    assert client.get("/queue/").status_code == 200
    assert client.get("/queue/").status_code == 200  # the user from the cache
    people.agent.set_password("a-new-password-123")
    people.agent.save()
    assert client.get("/queue/").status_code == 302  # to the login page: the session's hash no longer matches

    client.force_login(people.agent)
    assert client.get("/queue/").status_code == 200
    people.agent.is_active = False
    people.agent.save(update_fields=["is_active"])
    assert client.get("/queue/").status_code == 302


def test_the_cache_off_reads_the_database_every_time(people, settings):
    settings.AUTH_CACHE_SECONDS = 0
    client, _ = _token_client(people.agent)
    client.get(ORDERS)
    # the token with its user, the user's other tokens (knox deletes the expired ones), the permissions
    assert _auth_queries(lambda: client.get(ORDERS)) == 3


def test_a_failing_cache_costs_queries_not_errors(people, monkeypatch, settings):
    settings.CACHE_GENERATION_SECONDS = 0  # else the generations read a moment ago serve (from memory, no failure)
    client, _ = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200

    def down(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for method in ("get_many", "get", "set", "add"):
        monkeypatch.setattr(cache, method, down)
    assert _auth_queries(lambda: client.get(ORDERS)) == 3  # as with the cache off
    response = client.post(ORDERS, {"kind": "repair", "description": "停电", "caller_number": "13900000001"},
                           format="json")
    assert response.status_code == 201, response.content


def test_the_token_is_not_in_the_cache_in_clear(people, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "token-probe"}}
    from django.core.cache import caches
    client, token = _token_client(people.agent)
    client.get(ORDERS)
    keys = list(caches["default"]._cache)
    assert keys and not any(token in key for key in keys)


# --- Reference data: the accepting unit's chain and the SLA policies.


def test_units_and_policies_are_read_once_then_again_after_a_change(org):
    county = Unit.objects.create(code="county", name="县公司", kind="county", parent=org.city)
    n, unit = _queries(lambda: unit_with_ancestors(county.pk))
    assert n == 1 and unit.parent == org.city
    n, again = _queries(lambda: unit_with_ancestors(county.pk))
    assert n == 0 and [u.pk for u in again.ancestry()] == [county.pk, org.city.pk]
    org.city.name = "示范市公司"
    org.city.save()
    n, renamed = _queries(lambda: unit_with_ancestors(county.pk))
    assert n == 1 and renamed.parent.name == "示范市公司"

    n, policies = _queries(lambda: active_policies("complaint"))
    assert n == 1 and policies
    assert _queries(lambda: active_policies("complaint"))[0] == 0
    policy = policies[0]
    SlaPolicy.objects.filter(pk=policy.pk).get().delete()
    n, fewer = _queries(lambda: active_policies("complaint"))
    assert n == 1 and policy.pk not in [p.pk for p in fewer]


def test_reference_data_is_one_object_per_process_and_a_user_a_copy_per_request(org, people):
    """Units and policies are only read: the process hands every caller the same objects (no unpickling each
    time); a change gives new ones. The signed-in user is changed by requests (last login, permission cache):
    each lookup gets its own copy."""
    unit_with_ancestors(org.city.pk)
    first, second = unit_with_ancestors(org.city.pk), unit_with_ancestors(org.city.pk)
    assert first is second
    assert active_policies("complaint") is active_policies("complaint")
    org.city.name = "示范市公司"
    org.city.save()
    renamed = unit_with_ancestors(org.city.pk)
    assert renamed is not first and renamed.name == "示范市公司" and first.name != "示范市公司"

    users = [ModelBackend().get_user(people.agent.pk) for _ in range(3)]
    assert users[1] is not users[2] and users[1].pk == users[2].pk == people.agent.pk


def test_a_changed_sla_policy_sets_the_next_orders_deadline(people):
    client, _ = _token_client(people.agent)
    create = {"kind": "complaint", "description": "投诉", "caller_number": "13900000001"}
    first = client.post(ORDERS, create, format="json").json()
    policy = SlaPolicy.objects.get(order_kind="complaint", deadline="reply", active=True, unit=None, area_type="")
    policy.amount, policy.measure = 2, "hours"
    policy.save()
    second = client.post(ORDERS, create, format="json").json()
    assert first["deadlines"]["reply_due_at"] != second["deadlines"]["reply_due_at"]
    accepted = dt.datetime.fromisoformat(second["accepted_at"])
    assert dt.datetime.fromisoformat(second["deadlines"]["reply_due_at"]) - accepted == dt.timedelta(hours=2)


@pytest.mark.redis
def test_with_redis_as_the_cache(people, settings):
    """The production setting (CACHE_URL=redis://…): users survive the round trip through Redis, a change is seen
    at once, and a stopped Redis (a port nobody listens on) costs queries, not errors."""
    base = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "KEY_PREFIX": "test-auth-cache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    settings.CACHES = {"default": {**base, "LOCATION": _redis_url()}}
    from django.core.cache import caches
    caches["default"].clear()
    client, _ = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200
    assert _auth_queries(lambda: client.get(ORDERS)) == 0
    people.agent.groups.clear()
    assert client.get(ORDERS).status_code == 403

    settings.CACHES = {"default": {**base, "LOCATION": "redis://127.0.0.1:1/0"}}
    people.agent.groups.add(Group.objects.get(name="agent"))
    assert client.get(ORDERS).status_code == 200


def test_a_holiday_added_moves_the_next_consultations_reply_deadline(people):
    from tickets.models.calendar import CalendarDay
    from tickets.reference import calendar_year

    client, _ = _token_client(people.agent)
    create = {"kind": "consultation", "description": "咨询电价", "caller_number": "13900000001"}  # 5 working days
    first = client.post(ORDERS, create, format="json").json()
    due = dt.datetime.fromisoformat(first["deadlines"]["reply_due_at"]).date()
    assert _queries(lambda: calendar_year(due.year))[0] == 0  # cached by the order's creation
    # Make the due day a holiday: the next consultation's reply is due a working day later.
    CalendarDay.objects.update_or_create(date=due, defaults={"is_working_day": False})
    second = client.post(ORDERS, create, format="json").json()
    assert dt.datetime.fromisoformat(second["deadlines"]["reply_due_at"]).date() > due


def test_an_outage_published_links_the_next_repair_call_and_a_restored_one_no_longer(people):
    """Repair calls are matched against the published notices kept in the cache (tickets.reference): publishing,
    updating the area and restoring each count from the next call."""
    from tickets.models import WorkOrder
    from tickets.reference import published_outages
    from tickets.services import outage_receive

    client, _ = _token_client(people.agent)
    repair = {"kind": "repair", "description": "停电", "caller_number": "13900000001", "address": "示范市中山路8号"}

    def linked() -> int | None:
        return WorkOrder.objects.get(pk=client.post(ORDERS, repair, format="json").json()["id"]).outage_id

    assert linked() is None
    assert _queries(published_outages)[0] == 0  # cached by that call
    now = dt.datetime.now(dt.UTC)
    notice = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=now - dt.timedelta(hours=1),
                            expected_restore_at=now + dt.timedelta(hours=3), actor=people.agent)
    assert linked() is None  # received, not published yet
    outage_act(notice=notice, name="publish", actor=people.agent)
    assert linked() == notice.pk
    outage_act(notice=notice, name="update", actor=people.agent, params={"area": "解放路"})
    assert linked() is None
    outage_act(notice=notice, name="update", actor=people.agent, params={"area": "中山路"})
    assert linked() == notice.pk
    outage_act(notice=notice, name="restore", actor=people.agent)
    assert linked() is None


@pytest.mark.parametrize("window", [0, 1])
def test_a_change_made_in_another_process_counts_within_the_generation_window(people, settings, window):
    """Another process's change replaces the generation in the shared cache only. This process reads the generations
    at most every CACHE_GENERATION_SECONDS: with 0 the next request sees the change, with 1 within a second."""
    from contactcenter import cache as generations
    from tickets.models import User

    settings.CACHE_GENERATION_SECONDS = window
    client, _ = _token_client(people.agent)
    assert client.get(ORDERS).status_code == 200  # the user and the generations are read and kept
    # What another process does: the role taken away (there: with the signal that replaces the generation).
    User.groups.through.objects.filter(user=people.agent).delete()  # no m2m_changed here
    cache.set(generations._key("auth"), "changed-by-another-process", None)
    if window:
        assert client.get(ORDERS).status_code == 200  # still within the second
        generations._recent["read_at"] -= window  # the second has passed
    assert client.get(ORDERS).status_code == 403
