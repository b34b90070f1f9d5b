"""django-helpdesk as a minimal project, for the side-by-side create benchmark (``bench/suites/helpdesk.py``).

Runs in its own virtualenv (``var/bench-helpdesk/venv``: django-helpdesk and the Django it needs, never imported
by the app) under gunicorn, in the production style of ``bench/suites/api.py``: ``DEBUG`` off, persistent database
connections (``CONN_MAX_AGE`` 60 s, health checks), JSON rendering only, no access log. Everything the suite varies
comes from the environment: ``DATABASE_URL`` (the database ``bench_helpdesk`` on the bench's PostgreSQL),
``SECRET_KEY``, ``ALLOWED_HOSTS``.

The API is DRF's ``/api/tickets/``; its authentication is the project's choice (django-helpdesk's docs:
``DEFAULT_AUTHENTICATION_CLASSES``). DRF's token authentication is used, as ours uses tokens: Basic
authentication would hash the password (PBKDF2, 1,000,000 iterations) on every request.
"""

import os
from urllib.parse import unquote, urlsplit

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

_db = urlsplit(os.environ["DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": unquote(_db.username or ""),
        "PASSWORD": unquote(_db.password or ""),
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or 5432,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-helpdesk's install docs: admin, sites (the domain in e-mail links), humanize; DRF for its API.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.helpdesk_site.urls"
WSGI_APPLICATION = "bench.helpdesk_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

# The API is on by default in django-helpdesk 2.x (HELPDESK_API_ENABLED); HELPDESK_ACTIVATE_API_ENDPOINT is the
# name its docs used before, set too so that an older release would serve it as well.
HELPDESK_API_ENABLED = True
HELPDESK_ACTIVATE_API_ENDPOINT = True
HELPDESK_TEAMS_MODE_ENABLED = False  # no pinax-teams
# The knowledge base stays on (its default): 2.6.1's urls.py needs its views even with it off.

# A new ticket e-mails its submitter: the message is rendered, then dropped (nothing leaves the machine).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/tmp/bench-helpdesk-media")
LOGIN_URL = "/login/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
