"""Settings, all from environment variables (see README "Configuration").

The defaults are the embedded setup — SQLite and Celery's filesystem broker — so ``make run`` needs
no server. ``DATABASE_URL`` selects PostgreSQL and ``CELERY_BROKER_URL`` selects Redis.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

from .env import channel_layers, env_bool, env_int, env_json_object, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Every process with DEBUG off (gunicorn, Celery, manage.py) is production; the test run has its own settings
# module (contactcenter.settings_test).
PRODUCTION = not DEBUG

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY = env_str("SECRET_KEY", None)
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (set it, or DEBUG=1 locally)")
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"
elif PRODUCTION and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} random characters when DEBUG is off "
        "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER
    "rest_framework",
    "knox",  # API tokens (contactcenter.auth)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_celery_beat",
    "simple_history",  # the audit trail of rules, policies, phrases and roles (kpi.audit)
    "contactcenter",  # the cross-app wiring (roles sync, seed_demo) and idempotency keys
    "tickets",
    "shifts",
    "kpi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body (its refusals still get the security headers above).
    "contactcenter.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "contactcenter.middleware.ServiceAccountsHaveNoPagesMiddleware",  # the telephony system: API token only
    # The audit trail records the request's user (DRF's token user too: DRF sets it on the same request).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout answer
]

ROOT_URLCONF = "contactcenter.urls"
WSGI_APPLICATION = "contactcenter.wsgi.application"
# Live updates (contactcenter.live): the pages' WebSockets, served by an ASGI server (uvicorn) next to gunicorn.
ASGI_APPLICATION = "contactcenter.asgi.application"
# The channel layer that wakes every live process when events are committed: Redis in production
# (CHANNEL_LAYER_URL=redis://redis:6379/2); by default each process's own memory (``make run``: the live process
# then reads the outbox once a second for what the other processes wrote).
CHANNEL_LAYER_URL = env_str("CHANNEL_LAYER_URL", "")
CHANNEL_LAYERS = channel_layers(CHANNEL_LAYER_URL)
# Where the pages open their WebSocket: "" for the page's own origin (a proxy routes /ws/ to the live service), else
# the live service's origin, e.g. ws://127.0.0.1:8001 (``make run``).
LIVE_ORIGIN = env_str("LIVE_ORIGIN", "").rstrip("/")
if LIVE_ORIGIN and not re.fullmatch(r"wss?://[A-Za-z0-9.\-\[\]:]+", LIVE_ORIGIN):
    raise ImproperlyConfigured(f"LIVE_ORIGIN must be ws://host[:port] or wss://host[:port], not {LIVE_ORIGIN!r}")

# Covering indexes (INCLUDE columns: the wallboard's counts, read from the index alone) are PostgreSQL's; the embedded
# SQLite default builds the same indexes without the included columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

TEMPLATES = [
    # Forms' widgets, errors and layouts: Django's own Jinja2 versions of its form templates (django/forms/jinja2,
    # the same HTML as its Django-template ones), compiled to Python, so a widget costs a function call instead of
    # walking a template tree per attribute. Only those templates live here: every other name falls through to the
    # Django templates below (the admin's widget templates too, which include Django's Django-template widgets).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "forms",
        "DIRS": [Path(django.__file__).resolve().parent / "forms" / "jinja2"],  # not importing django.forms here
        "APP_DIRS": False,
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Forms are drawn with the project's template settings: the "forms" engine above (Jinja2) for Django's form
# templates, the Django templates for the admin's own widgets (tests/test_forms_renderer.py).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, the worker and beat share one file: take the write lock at BEGIN
    # (no lock-upgrade deadlocks) and wait for it instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database fails the request after this many seconds (503, contactcenter.db_errors) instead
    # of hanging it: libpq waits forever by default. A ?connect_timeout= in DATABASE_URL wins.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5, minimum=1))
    # A statement the app prepares itself (the repeat candidates of every create, tickets.selectors.console) is
    # planned once per connection, not at each execution: its plan does not depend on the values. Only statements
    # prepared with PREPARE are concerned; psycopg2 prepares none of its own.
    options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
# Shared by every web process and the Celery worker: who is signed in and their permissions
# (contactcenter.auth), sessions (cached_db: read from the cache, written through to the database), the dashboard's
# months (kpi.reports.trends). CACHE_URL=redis://host:6379/1 in production (docker-compose sets it); without it
# a directory under VAR_DIR, which the processes of one machine share. Tests: contactcenter.settings_test.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        # A stopped Redis must cost a request milliseconds, not a hang: every use of the cache falls back to the
        # database when it fails (contactcenter.auth, cached_db sessions).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "KEY_PREFIX": "cc",
    }}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "contactcenter"}}
else:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_URL.removeprefix("file://") or str(VAR_DIR / "cache"),
    }}
# Fragments of pages drawn the same for many requests (the menu: tickets.templatetags.layout.site_nav), kept in each
# process's memory: they hold no user data, and a deploy (new code, new translations) starts them afresh.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                       "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 2000}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# How long a request may reuse the signed-in user and their permissions from the cache instead of two queries.
# Every change of a user, token, group or permission through the ORM invalidates them at once (contactcenter.auth);
# the lifetime bounds only changes made behind the ORM's back (raw SQL). 0 turns the cache off.
# API tokens (django-rest-knox): POST /api/v1/auth/token/ issues one that lives API_TOKEN_HOURS (a shift and its
# overtime); a service account's long-lived token is issued by an admin (``manage.py issue_service_token``, or the
# users' admin action). Each is stored as a SHA-512 digest; a password change or a deactivation ends them all.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12, minimum=1, maximum=24 * 366)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # as DRF's own tokens: clients send `Authorization: Token <token>`
    "AUTO_REFRESH": False,  # a fixed lifetime, known when the token is issued
}
# Click-to-dial through Asterisk (AMI Originate): ami://user:secret@pbx:5038?context=from-internal&caller_id=95598.
# Empty: callbacks are dialled by hand (the telephony events link is manage.py asterisk_bridge either way).
ASTERISK_AMI_URL = env_str("ASTERISK_AMI_URL", "")
# Text messages to customers (tickets.sms): which backend sends them — console (default), filebased (SMS_FILE_PATH),
# locmem (tests) or aliyun (Alibaba Cloud SMS: its access key, endpoint and the approved signature SMS_SIGN_NAME).
SMS_BACKEND = env_str("SMS_BACKEND", "tickets.sms.backends.console.SmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", "")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "95598供电服务")
SMS_HOTLINE = env_str("SMS_HOTLINE", "95598")
SMS_ALIYUN_ACCESS_KEY_ID = env_str("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_ENDPOINT = env_str("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
# An Idempotency-Key is kept this long: the same key and request within it gets the first answer again.
IDEMPOTENCY_HOURS = env_int("IDEMPOTENCY_HOURS", 24, minimum=1, maximum=24 * 31)
AUTH_CACHE_SECONDS = env_int("AUTH_CACHE_SECONDS", 300, minimum=0, maximum=86400)
# The same for the units' tree and the SLA policies that every new order reads (tickets.reference).
REFERENCE_CACHE_SECONDS = env_int("REFERENCE_CACHE_SECONDS", 300, minimum=0, maximum=86400)
# A user's saved filters as the queue and the search page list them (tickets.selectors.saved): dropped when the user
# saves or deletes one; the lifetime bounds changes in the admin or raw SQL. 0 turns the cache off.
SAVED_FILTERS_CACHE_SECONDS = env_int("SAVED_FILTERS_CACHE_SECONDS", 300, minimum=0, maximum=86400)
# Notifications (contactcenter.notifications): an order is told "due soon" this long before a deadline not met
# (each person may choose another time in their preferences, up to NOTIFY_DUE_MAX_MINUTES).
NOTIFY_DUE_MINUTES = env_int("NOTIFY_DUE_MINUTES", 30, minimum=1, maximum=24 * 60)
NOTIFY_DUE_MAX_MINUTES = 24 * 60
# Read notifications older than this are deleted (daily, beat); unread ones are kept.
NOTIFICATION_KEEP_DAYS = env_int("NOTIFICATION_KEEP_DAYS", 90, minimum=1, maximum=3650)
# Attachments 附件 (issue 21, contactcenter.attachments): photos, PDFs, office files and recordings on work orders,
# outage notices and handovers. A larger file is refused (413) before its body is read; the uploader may delete their
# own within ATTACHMENT_DELETE_MINUTES (a supervisor any time), the row staying as the history of it.
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 20, minimum=1, maximum=1024)
ATTACHMENT_DELETE_MINUTES = env_int("ATTACHMENT_DELETE_MINUTES", 10, minimum=0, maximum=7 * 24 * 60)
# Merging duplicates (issue 18): how long a lead or supervisor may undo a merge.
MERGE_UNDO_MINUTES = env_int("MERGE_UNDO_MINUTES", 30, minimum=0, maximum=7 * 24 * 60)
# How long the generations a request read (contactcenter.cache) serve the same process's next requests: a change
# made in another process counts within this many seconds; 0 = every request asks the cache.
CACHE_GENERATION_SECONDS = env_int("CACHE_GENERATION_SECONDS", 1, minimum=0, maximum=60)

AUTH_USER_MODEL = "tickets.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username + address before the password
    "contactcenter.auth.ModelBackend",  # Django's: the user from the cache (no secret), permissions in one query
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- Language and time ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served as such: attachments and reports are downloaded through views that check access
# Where uploaded files (attachments, issue 21) and generated reports are kept: "filesystem" (MEDIA_ROOT, the default)
# or "s3" — S3-compatible object storage through django-storages (MinIO in docker-compose, or a cloud's), with
# AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL (empty: Amazon S3 itself), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
# AWS_S3_REGION_NAME. Objects stay private: every download goes through the app (no public or presigned URL).
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,  # None: boto3's own chain (an instance role)
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            # MinIO and most S3-compatible servers address a bucket by path, not by a subdomain per bucket.
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,  # a name taken gets a suffix, never another upload's bytes
            "location": env_str("AWS_LOCATION", ""),
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}")

# --- Upload and body limits: oversized bodies are refused, never processed ---------------------------
# contactcenter.middleware.RequestLimitsMiddleware answers 413 from the Content-Length before the body is read,
# and 400 for too many form or query fields; contactcenter.drf.JSONParser refuses JSON nested too deep.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1_048_576, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000, minimum=10)
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32, minimum=2, maximum=500)

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "contactcenter.auth.CachedTokenAuthentication",  # DRF's: the token's user from the cache (no secret)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "contactcenter.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "contactcenter.drf.OrderingFilter",  # only the fields a view lists
    ],
    "DEFAULT_SCHEMA_CLASS": "contactcenter.openapi.AutoSchema",  # + the error answers every endpoint can give
    "DEFAULT_PARSER_CLASSES": [
        "contactcenter.drf.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "contactcenter.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Utility hotline contact center API",
    "DESCRIPTION": "Calls, customers, work orders as state machines, KPI ledger. "
    "Token auth: POST /api/v1/auth/token/ then send `Authorization: Token <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe an internal system: served to a logged-in user (session) or a token
    # holder (the telephony integrator), never to the anonymous (urls.py sends a browser to the login page).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API's bodies are JSON: the schema documents that one (forms are still parsed, as DRF's test client
    # sends them); three content types per body made generated clients fail to import.
    "PARSER_WHITELIST": ["contactcenter.drf.JSONParser"],
    "ENUM_NAME_OVERRIDES": {
        "WorkOrderKindEnum": "tickets.models.workorders.Kind",
        "WorkOrderStateEnum": "tickets.models.workorders.State",
        "RatingEnum": "tickets.models.workorders.Rating",
        "FindingCauseEnum": "tickets.models.workorders.FindingCause",
        "UnitKindEnum": "tickets.models.org.UnitKind",
        "DepartmentKindEnum": "tickets.models.org.DepartmentKind",
        "AreaTypeEnum": "tickets.models.customers.AreaType",
        "CallOutcomeEnum": "tickets.models.customers.CallOutcome",
        "HandoverStateEnum": "shifts.models.HandoverState",
        "OutageKindEnum": "tickets.models.outages.OutageKind",
        "OutageStateEnum": "tickets.models.outages.OutageState",
        "CustomerTextEnum": "tickets.models.phrases.CustomerText",
        "PhraseSeverityEnum": "tickets.models.phrases.Severity",
    },
}

# --- Celery -----------------------------------------------------------------------------------------
# Default broker: kombu's filesystem transport. It needs no server and no extra package, and
# several processes on one machine (web, worker, beat) share it through a directory.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
# Extra transport options, a JSON object. Redis: {"visibility_timeout": 600} is how long until the message of an
# acks_late task whose worker died is delivered again (kombu's default: one hour); the fault tests shorten it.
CELERY_BROKER_TRANSPORT_OPTIONS = env_json_object("CELERY_BROKER_TRANSPORT_OPTIONS")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env_str("CELERY_BROKER_DIR", str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Security: headers, HTTPS (DEBUG off), login throttling ------------------------------------------
# Every response: no MIME sniffing, no framing, the Referer only to this site, its own browsing-context group.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): every script and style comes from our static files. The pages have no
# inline <script>, no on* attribute and no style attribute; the Swagger UI page (SpectacularSwaggerSplitView)
# loads its start-up script from its own URL. Only the ReDoc page relaxes style-src (see contactcenter/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *([LIVE_ORIGIN] if LIVE_ORIGIN else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# HTTPS. Off with DEBUG (``make run`` is plain http://127.0.0.1:8000); on by default otherwise.
# Behind a TLS-terminating proxy, SECURE_PROXY_SSL_HEADER names the header it sets (X-Forwarded-Proto: https);
# it is trusted only when set, since a client could send it itself to a server without such a proxy.
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = not DEBUG and env_bool("CSRF_COOKIE_SECURE", True)
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = not DEBUG and env_bool("SECURE_HSTS_PRELOAD", True)
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER", None)
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For (0: none, the
# connection's address is the client's). Login throttling counts failures per username and client address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)

# Login throttling (django-axes) for the login page, the admin's and POST /api/v1/auth/token/: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused for
# LOGIN_COOLOFF_MINUTES (counted again from each further try); others from the same office NAT are not.
# A successful login clears the count. Locked out: JSON 429 under /api/, a page elsewhere.
AXES_ENABLED = env_bool("LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "contactcenter.middleware.lockout_response"
AXES_CLIENT_IP_CALLABLE = "contactcenter.middleware.client_ip"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_in_one_line": {"()": "contactcenter.logs.ClientErrorsInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["client_errors_in_one_line"]}},  # a 403 is not a fault
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Domain settings --------------------------------------------------------------------------------
# seed_demo's password for the demo users: a known default only for local runs and tests.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo12345" if DEBUG else None)
# How old a call may be when it is logged (design "Calls"): the telephony system may catch up after its link was
# down (hours); an agent types in a call they just took (minutes). Older → 400 call_too_old.
CALL_LOG_MAX_AGE_HOURS = env_int("CALL_LOG_MAX_AGE_HOURS", 48, minimum=1, maximum=24 * 31)
CALL_TYPED_MAX_AGE_MINUTES = env_int("CALL_TYPED_MAX_AGE_MINUTES", 60, minimum=1, maximum=24 * 60)
# An outage notice whose area matches more than this share (%) of the customers its unit serves asks the agent to
# confirm before it is published or its area changed (a too-broad term swallows unrelated repair calls).
OUTAGE_WIDE_AREA_PERCENT = env_int("OUTAGE_WIDE_AREA_PERCENT", 20, minimum=1, maximum=100)
# ... once it matches at least this many customers (a share of a handful of customers says nothing).
OUTAGE_WIDE_AREA_MIN_CUSTOMERS = env_int("OUTAGE_WIDE_AREA_MIN_CUSTOMERS", 5, minimum=1)
