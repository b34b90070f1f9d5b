"""The database unreachable → 503 with Retry-After (contactcenter.db_errors), never a 500: the API's exception
handler answers JSON, the pages' 500 handler a page; any other error stays a 500. The real thing — gunicorn with
PostgreSQL stopped and started under it — is tests/faults/test_postgres_restart.py."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import InterfaceError, OperationalError
from django.test import Client
from rest_framework.test import APIClient

from contactcenter.env import env_json_object
from tickets.api.calls import CallViewSet

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
DOWN = [OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed")]


@pytest.mark.parametrize("error", DOWN, ids=type)
def test_api_answers_503_json_with_retry_after(people, error):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(people.agent)
    with mock.patch.object(CallViewSet, "get_queryset", side_effect=error):
        response = client.get("/api/v1/calls/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert "try again" in body["detail"] or "重试" in body["detail"]  # in the request's language (Chinese by default)


@pytest.mark.parametrize("error", DOWN, ids=type)
def test_page_answers_503_page_with_retry_after(people, error):
    """The session is read on the way in (from the cache, else the database): with the cache cold, that read fails
    first when the database is gone."""
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people.agent)
    cache.clear()
    with mock.patch.object(SessionStore, "_get_session_from_db", side_effect=error):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert b"try again in a few seconds" in response.content


def test_api_outside_a_drf_view_answers_503_json(people):
    """An error outside DRF's views (here: the session read by a page-style view under /api/) takes the pages'
    handler, which still answers JSON under /api/."""
    client = Client(raise_request_exception=False)
    client.force_login(people.agent)
    cache.clear()
    with mock.patch.object(SessionStore, "_get_session_from_db", side_effect=DOWN[0]):
        response = client.get("/api/v1/calls/")  # session authentication reads the session
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


def test_other_errors_stay_500(people):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(people.agent)
    with mock.patch.object(CallViewSet, "get_queryset", side_effect=RuntimeError("a bug")):
        response = client.get("/api/v1/calls/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_transport_options_are_a_json_object(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_TRANSPORT_OPTIONS", raising=False)
    assert env_json_object("CELERY_BROKER_TRANSPORT_OPTIONS") == {}
    monkeypatch.setenv("CELERY_BROKER_TRANSPORT_OPTIONS", '{"visibility_timeout": 5}')
    assert env_json_object("CELERY_BROKER_TRANSPORT_OPTIONS") == {"visibility_timeout": 5}
    for wrong in ("[5]", "visibility_timeout=5", '"x"'):
        monkeypatch.setenv("CELERY_BROKER_TRANSPORT_OPTIONS", wrong)
        with pytest.raises(ImproperlyConfigured, match="CELERY_BROKER_TRANSPORT_OPTIONS"):
            env_json_object("CELERY_BROKER_TRANSPORT_OPTIONS")


def _settings_of(**env: str) -> dict:
    code = ("import json; from django.conf import settings as s; "
            "print(json.dumps([s.DATABASES['default'].get('OPTIONS', {}), s.CELERY_BROKER_TRANSPORT_OPTIONS]))")
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    done = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=REPO, text=True,
                          capture_output=True, timeout=60, check=True,
                          env={**environ, "DJANGO_SETTINGS_MODULE": "contactcenter.settings", "DEBUG": "1", **env})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_settings_connect_timeout_and_transport_options(tmp_path):
    """A PostgreSQL connect gives up after DB_CONNECT_TIMEOUT (5) s unless the URL says otherwise; Redis takes its
    transport options from the environment."""
    pg = "postgres://u:p@127.0.0.1:5432/x"
    generic = "-c plan_cache_mode=force_generic_plan"  # the app's own prepared statement (tickets.selectors.console)
    assert _settings_of(DATABASE_URL=pg)[0] == {"connect_timeout": 5, "options": generic}
    assert _settings_of(DATABASE_URL=pg, DB_CONNECT_TIMEOUT="2")[0] == {"connect_timeout": 2, "options": generic}
    assert _settings_of(DATABASE_URL=f"{pg}?connect_timeout=9", DB_CONNECT_TIMEOUT="2")[0] == {
        "connect_timeout": 9, "options": generic}
    # session settings of the URL are kept, the app's added
    assert _settings_of(DATABASE_URL=f"{pg}?options=-c%20statement_timeout%3D5000")[0]["options"] == \
        f"-c statement_timeout=5000 {generic}"
    options = _settings_of(CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
                           CELERY_BROKER_TRANSPORT_OPTIONS='{"visibility_timeout": 5}')[1]
    assert options == {"visibility_timeout": 5}
    filesystem = _settings_of(VAR_DIR=str(tmp_path), CELERY_BROKER_TRANSPORT_OPTIONS='{"polling_interval": 2}')[1]
    assert filesystem["polling_interval"] == 2 and filesystem["data_folder_in"].startswith(str(tmp_path))
