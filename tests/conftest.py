import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache, caches
from rest_framework.test import APIClient

from contactcenter.cache import forget
from tickets.models import DepartmentKind, UnitKind

from .asgi_server import live_service  # noqa: F401  (a fixture: the live service under uvicorn)
from .factories import CustomerFactory, DepartmentFactory, UnitFactory, UserFactory

# Reference data that data migrations seed: (module, seed function, a model whose emptiness says it is gone).
REFERENCE_DATA = [
    ("tickets.migrations.0002_default_sla_policies", "seed", "tickets.SlaPolicy"),
    ("tickets.migrations.0004_seed_calendar_backfill_next_due", "seed_calendar", "tickets.CalendarYear"),
    ("tickets.migrations.0019_provisional_calendar", "settled", "tickets.CalendarYear"),
    ("tickets.migrations.0008_outage_lead_times", "seed", "tickets.OutageLeadTime"),
    ("tickets.migrations.0010_seed_phrases", "seed", "tickets.ForbiddenPhrase"),
    ("tickets.migrations.0018_phrase_context_severity", "switch_on", "tickets.ForbiddenPhrase"),
    ("kpi.migrations.0002_rules_schedule_protection", "seed_rules", "kpi.PenaltyRule"),
    ("kpi.migrations.0002_rules_schedule_protection", "schedule_sweep", "django_celery_beat.PeriodicTask"),
    ("tickets.migrations.0019_provisional_calendar", "schedule", "django_celery_beat.PeriodicTask"),
    # Both report schedules (monthly, dispatch); only they use a crontab, so its emptiness says they are gone.
    ("kpi.migrations.0004_report_schedules", "schedule_reports", "django_celery_beat.CrontabSchedule"),
    ("shifts.migrations.0002_templates_and_schedule", "seed", "shifts.ShiftTemplate"),
    ("tickets.migrations.0023_surges", "seed", "tickets.SurgeRule"),
    ("contactcenter.migrations.0002_forget_keys_daily", "schedule", "django_celery_beat.PeriodicTask"),
    ("contactcenter.migrations.0003_webhooks", "schedule", "django_celery_beat.PeriodicTask"),
    ("contactcenter.migrations.0004_notifications", "schedule", "django_celery_beat.PeriodicTask"),
    ("tickets.migrations.0028_notify_due_soon", "schedule", "django_celery_beat.PeriodicTask"),
    ("tickets.migrations.0027_sms", "defaults", "tickets.SmsTemplate"),
    ("tickets.migrations.0030_fault_causes_materials", "seed", "tickets.FaultCause"),  # and tickets.Material
]


@pytest.fixture(autouse=True)
def _reference_data(django_db_blocker, request):
    """The flush after a transactional test empties every table, the migrations' seeded reference data
    included (SLA policies, the holiday calendar, penalty rules, …): put back what is missing — before any test
    that runs outside a rolled-back transaction (``django_db(transaction=True)``, a live server or live service)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and bool(marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    if transactional or {"transactional_db", "live_server", "live_service"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            empty = {model for _, _, model in REFERENCE_DATA if not django_apps.get_model(model).objects.exists()}
            for module, function, model in REFERENCE_DATA:  # in migration order, each seed of an emptied table
                if model in empty:
                    getattr(importlib.import_module(module), function)(django_apps, None)
    yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache outlives a test's rolled-back transaction (and SQLite hands out the same ids again): every test
    starts with an empty one (cached users, reference data, dashboard months, sessions), and with no page fragment
    drawn before (the menu)."""
    cache.clear()
    caches["fragments"].clear()
    forget()  # and what this process keeps in front of it
    yield


@pytest.fixture(autouse=True)
def _login_throttling_off(settings):
    """django-axes counts failed logins in the database and needs the request in ``authenticate()`` (the test
    ``Client.login()`` passes none): off by default; tests/test_security.py turns it on."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The named people are built for every test; PBKDF2 makes that the slowest part of the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    """A small center: city company → service center, a repair crew, marketing, a supervision office."""
    city = UnitFactory(code="city", name="示范市供电公司", kind=UnitKind.CITY)
    center = UnitFactory(code="center", name="95598客户服务中心", kind=UnitKind.SERVICE_CENTER, parent=city)
    return SimpleNamespace(
        city=city,
        center=center,
        repair=DepartmentFactory(code="repair-1", name="抢修一班", kind=DepartmentKind.REPAIR_CREW, unit=city),
        repair2=DepartmentFactory(code="repair-2", name="抢修二班", kind=DepartmentKind.REPAIR_CREW, unit=city),
        marketing=DepartmentFactory(code="marketing", name="营销部", kind=DepartmentKind.MARKETING, unit=city),
        supervision=DepartmentFactory(code="supervision", name="监察室", kind=DepartmentKind.SUPERVISION, unit=city),
    )


@pytest.fixture
def people(org):
    """The named users of each role."""
    return SimpleNamespace(
        agent=UserFactory(username="agent", unit=org.center, seat="8001", role="agent"),
        agent2=UserFactory(username="agent2", unit=org.center, seat="8002", role="agent"),
        lead=UserFactory(username="lead", unit=org.center, role="shift_lead"),
        supervisor=UserFactory(username="supervisor", unit=org.center, role="supervisor"),
        manager=UserFactory(username="manager", unit=org.city, role="manager"),
        repair=UserFactory(username="repair", unit=org.city, department=org.repair, role="department_handler"),
        repair2=UserFactory(username="repair2", unit=org.city, department=org.repair2, role="department_handler"),
        marketing=UserFactory(username="marketing", unit=org.city, department=org.marketing,
                              role="department_handler"),
        supervision=UserFactory(username="supervision", unit=org.city, department=org.supervision,
                                role="department_handler"),
        telephony=UserFactory(username="telephony", unit=org.center, role="telephony"),
    )


@pytest.fixture
def customer(db):
    return CustomerFactory(phone="13900000001", account_number="ACC-1", name="张三", address="示范市中山路1号")


@pytest.fixture
def api():
    """``api(user)`` → an APIClient authenticated as that user (or anonymous with None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
