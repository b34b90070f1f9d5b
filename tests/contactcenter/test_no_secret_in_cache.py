"""No secret in any cache (issue 17): after token and session requests of several users, the bytes the cache backend
stored hold neither an API token nor a password hash — with the file backend (the default) and with Redis
(production). What the cache may keep about a user: their id, flags and permissions, under a digest of the token."""

import pathlib
import pickle
import zlib

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from conftest import _redis_url
from contactcenter.tokens import issue_token
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["/", "/console/", "/queue/", "/kpi/ledger/"]
API = ["/api/v1/work-orders/", "/api/v1/calls/", "/api/v1/kpi/entries/", "/api/v1/outages/"]


def _exercise(people) -> list[bytes]:
    """Token and session requests, twice each (the second from the cache); the secrets they used."""
    secrets = []
    for user in (people.agent, people.lead, people.supervisor, people.manager, people.telephony):
        stored, token = issue_token(user)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        for _ in range(2):
            for url in API:
                api.get(url)
        user.refresh_from_db()
        secrets += [token.encode(), stored.digest.encode(), user.password.encode()]
        if user is people.telephony:
            continue
        page = Client()
        assert page.login(username=user.username, password=PASSWORD)
        for _ in range(2):
            for url in PAGES:
                page.get(url)
    return secrets


def _assert_absent(secrets: list[bytes], stored: list[bytes]) -> None:
    assert stored, "nothing was cached: the test proves nothing"
    for secret in secrets:
        assert len(secret) > 20
        assert not any(secret in blob for blob in stored), f"a secret ({secret[:6]!r}…) is in the cache"


def test_the_file_cache_holds_no_token_and_no_password_hash(people, settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    settings.AUTH_CACHE_SECONDS = settings.REFERENCE_CACHE_SECONDS = 300
    secrets = _exercise(people)
    stored = [_file_entry(path) for path in pathlib.Path(tmp_path / "cache").rglob("*.djcache")]
    _assert_absent(secrets, stored)


def _file_entry(path: pathlib.Path) -> bytes:
    """The pickled value a file of Django's file-based cache holds (after its pickled expiry time, compressed)."""
    with path.open("rb") as handle:
        pickle.load(handle)  # the expiry time
        return zlib.decompress(handle.read())


@pytest.mark.redis
def test_redis_holds_no_token_and_no_password_hash(people, settings):
    url = _redis_url().rsplit("/", 1)[0] + "/14"  # a database of its own
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    settings.AUTH_CACHE_SECONDS = settings.REFERENCE_CACHE_SECONDS = 300
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        secrets = _exercise(people)
        stored = [client.get(key) or b"" for key in client.scan_iter()]
        _assert_absent(secrets, stored)
    finally:
        client.flushdb()
        caches["default"].close()
