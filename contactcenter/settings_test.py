"""The settings of the test run (pytest-django's ``DJANGO_SETTINGS_MODULE``): the project's settings for a process
that is not production, said here rather than guessed from what is imported.

- a throwaway key: the production settings refuse a short or guessable one, and a test run needs none of its own;
- plain HTTP: the test client and the live server speak it, so no redirect to HTTPS;
- each test process its own cache unless ``CACHE_URL`` names a shared one (the Redis tests set it);
- the demo password, which the demo tests log in with;
- on SQLite, the test database in a file (each xdist worker its own), not Django's shared-cache memory database:
  the live service's threads read the outbox while a test writes, and shared-cache memory databases lock whole
  tables and fail at once ("database table is locked") where a file in WAL mode lets readers read and a writer
  wait (the ``timeout`` of the project's settings).
"""

import os
import secrets
import tempfile

os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
os.environ.setdefault("DEMO_PASSWORD", "demo12345")

from .settings import *  # noqa: E402, F403
from .settings import CACHE_URL  # noqa: E402

SECURE_SSL_REDIRECT = False
SMS_BACKEND = "tickets.sms.backends.locmem.SmsBackend"  # tests read tickets.sms.outbox
if not CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "contactcenter"},
              "fragments": CACHES["fragments"]}  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test_file = os.path.join(tempfile.gettempdir(), f"contactcenter-test-{os.getpid()}.sqlite3")  # one per process
    DATABASES["default"]["TEST"] = {"NAME": _test_file}  # noqa: F405
