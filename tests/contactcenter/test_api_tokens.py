"""API tokens end (issue 19, 6): a token from ``POST /api/v1/auth/token/`` expires after ``API_TOKEN_HOURS``; a new
password, a deactivation, ``logout-all`` end every token of the user, ``logout`` the one sent; a service account's
long-lived token is issued and rotated by an admin (the users' admin action, ``manage.py issue_service_token``).
Tokens handed out before (DRF's plain-text table) keep working after the upgrade, stored as digests."""

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from contactcenter.tokens import issue_token
from tests.factories import PASSWORD

ORDERS = "/api/v1/work-orders/"
TOKEN = "/api/v1/auth/token/"
pytestmark = pytest.mark.django_db


def token_of(username: str) -> dict:
    response = APIClient().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_expires_after_the_configured_hours(people, settings, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC), tick=False)
    issued = token_of("agent")
    client = with_token(issued["token"])

    assert dt.datetime.fromisoformat(issued["expiry"]) == timezone.now() + dt.timedelta(hours=settings.API_TOKEN_HOURS)
    assert client.get(ORDERS).status_code == 200  # and now in the cache
    time_machine.move_to(timezone.now() + dt.timedelta(hours=settings.API_TOKEN_HOURS, seconds=-1), tick=False)
    assert client.get(ORDERS).status_code == 200
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=2), tick=False)
    response = client.get(ORDERS)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_old_token_is_refused_after_a_password_change(people):
    old = with_token(token_of("agent")["token"])
    assert old.get(ORDERS).status_code == 200

    people.agent.set_password("a-brand-new-password-2026")
    people.agent.save()

    assert old.get(ORDERS).status_code == 401
    fresh = APIClient().post(TOKEN, {"username": "agent", "password": "a-brand-new-password-2026"}, format="json")
    assert with_token(fresh.json()["token"]).get(ORDERS).status_code == 200


def test_a_password_changed_on_the_account_page_ends_the_tokens(people):
    old = with_token(token_of("agent")["token"])
    page = Client()
    page.force_login(people.agent)

    response = page.post("/accounts/password_change/", {"old_password": PASSWORD,
                                                       "new_password1": "another-new-password-2026",
                                                       "new_password2": "another-new-password-2026"})

    assert response.status_code == 302, response.content[:500]
    assert old.get(ORDERS).status_code == 401


def test_a_deactivated_users_tokens_end_and_stay_ended(people):
    client = with_token(token_of("agent")["token"])
    people.agent.is_active = False
    people.agent.save()
    people.agent.is_active = True
    people.agent.save()

    assert client.get(ORDERS).status_code == 401


def test_a_login_does_not_end_the_other_tokens(people):
    first = with_token(token_of("agent")["token"])
    second = with_token(token_of("agent")["token"])  # a second device; the login updates last_login

    assert first.get(ORDERS).status_code == 200 and second.get(ORDERS).status_code == 200


def test_logout_ends_the_token_sent_and_logout_all_every_token(people):
    phone, desk = token_of("agent")["token"], token_of("agent")["token"]
    other = token_of("agent2")["token"]

    response = with_token(phone).post("/api/v1/auth/logout/")
    assert response.status_code == 200 and response.json() == {"revoked": 1}
    assert with_token(phone).get(ORDERS).status_code == 401
    assert with_token(desk).get(ORDERS).status_code == 200

    third = token_of("agent")["token"]
    response = with_token(desk).post("/api/v1/auth/logout-all/")
    assert response.json() == {"revoked": 2}
    assert with_token(desk).get(ORDERS).status_code == 401
    assert with_token(third).get(ORDERS).status_code == 401
    assert with_token(other).get(ORDERS).status_code == 200
    assert with_token(desk).post("/api/v1/auth/logout-all/").status_code == 401


def test_a_malformed_token_header_is_a_401_not_a_500(people):
    for header in ("Token", "Token a b", "Token \u00e9\u00e9", "Token " + "x" * 5000):
        response = APIClient(HTTP_AUTHORIZATION=header).get(ORDERS)
        assert response.status_code == 401, (header[:20], response.status_code)


def test_the_service_accounts_token_lasts_and_an_admin_rotates_it(people, time_machine):
    out = io.StringIO()
    call_command("issue_service_token", "telephony", stdout=out)
    first = out.getvalue().strip()
    switch = with_token(first)
    assert switch.get("/api/v1/calls/").status_code == 200
    assert AuthToken.objects.get(user=people.telephony).expiry is None

    time_machine.move_to(timezone.now() + dt.timedelta(days=400), tick=False)
    assert switch.get("/api/v1/calls/").status_code == 200

    admin = Client()
    admin.force_login(type(people.agent).objects.create_superuser("root", password=PASSWORD))
    response = admin.post("/admin/tickets/user/", {"action": "issue_service_token",
                                                   "_selected_action": [people.telephony.pk]})
    assert response.status_code == 200
    html = response.content.decode()
    second = html.split('id="service-token"')[1].split(">")[1].split("<")[0]
    assert len(second) >= 32 and second != first
    assert switch.get("/api/v1/calls/").status_code == 401
    assert with_token(second).get("/api/v1/calls/").status_code == 200


def test_a_persons_token_is_never_long_lived(people):
    with pytest.raises(CommandError, match="no service role"):
        call_command("issue_service_token", "agent")
    admin = Client()
    admin.force_login(type(people.agent).objects.create_superuser("root", password=PASSWORD))
    response = admin.post("/admin/tickets/user/", {"action": "issue_service_token",
                                                   "_selected_action": [people.agent.pk]}, follow=True)
    assert "service-token" not in response.content.decode()
    assert not AuthToken.objects.filter(user=people.agent).exists()


def test_tokens_handed_out_before_the_upgrade_keep_working(people):
    """The data migration (tickets 0025) reads DRF's plain-text table, stores each token as knox does, drops it."""
    move_tokens = importlib.import_module("tickets.migrations.0025_api_tokens_expire").move_tokens

    class Editor:  # what the migration uses of a schema editor (SQLite allows none inside the test's transaction)
        connection = connection

        def execute(self, sql, params=()):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    editor = Editor()
    editor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id bigint)")
    editor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef0123456789abcdef01234567', NULL, %s),"
                   " ('fedcba9876543210fedcba9876543210fedcba98', NULL, %s)", [people.agent.pk, people.telephony.pk])
    move_tokens(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert with_token("0123456789abcdef0123456789abcdef01234567").get(ORDERS).status_code == 200
    assert AuthToken.objects.get(user=people.agent).expiry is not None
    assert AuthToken.objects.get(user=people.telephony).expiry is None
    assert with_token("fedcba9876543210fedcba9876543210fedcba98").get("/api/v1/calls/").status_code == 200


def test_issue_token_makes_a_working_expiring_token(people):
    stored, token = issue_token(people.agent)
    assert stored.expiry is not None and with_token(token).get(ORDERS).status_code == 200
