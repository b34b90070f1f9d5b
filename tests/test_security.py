"""Security hardening (issue 8): login throttling, production settings, security headers and the
Content-Security-Policy.

* Login throttling (django-axes): five wrong passwords for one username from one address lock that pair out on
  the login page, the admin's login and POST /api/v1/auth/token/ — the right password is refused too (a page,
  or JSON 429 for the API), until the cool-off has passed; another user behind the same address is not locked
  out, and a successful login clears the count.
* ``manage.py check --deploy`` passes without a warning in a production environment, run as the operator would
  (a subprocess with only the production variables); DEBUG off without a long SECRET_KEY refuses to start.
* Every answer carries the security headers and a strict Content-Security-Policy; in Chromium every page loads
  without a single violation (the Swagger UI included).
"""

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from contactcenter.middleware import client_ip
from tests.actions import outage_act
from tests.browser import test_handover_browser as handover
from tests.factories import PASSWORD, UserFactory

# The handover test's fixtures: one headless Chromium, plain-HTTP cookies.
browser, plain_cookies = handover.browser, handover.plain_cookies

LIMIT = 5
COOLOFF = dt.timedelta(minutes=15)
OFFICE = "203.0.113.10"  # the call center's NAT address (a documentation address: no traffic is sent anywhere)
HOME = "198.51.100.7"


# --- Login throttling ------------------------------------------------------------------------------------------


@pytest.fixture
def throttling(settings):
    """django-axes on (tests/conftest.py turns it off for the rest of the suite), with the production defaults."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOLOFF


class Door:
    """One way to log in: the page, the admin's page or the API's token endpoint."""

    def __init__(self, name: str, url: str, *, api: bool = False, staff: bool = False) -> None:
        self.name, self.url, self.api, self.staff = name, url, api, staff

    def __repr__(self) -> str:
        return self.name

    def client(self, address: str = OFFICE):
        # The API's message is asserted in English (its msgid); the pages in their default language, Chinese.
        return APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en") if self.api else Client(REMOTE_ADDR=address)

    def user(self, username: str):
        return UserFactory(username=username, is_staff=self.staff, role="agent")

    def attempt(self, client, username: str, password: str):
        if self.api:
            return client.post(self.url, {"username": username, "password": password}, format="json")
        return client.post(self.url, {"username": username, "password": password})

    def succeeded(self, response, client, user) -> bool:
        if self.api:
            if response.status_code != 200:
                return False
            token = response.json()["token"]
            return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/work-orders/").status_code == 200
        return response.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)


DOORS = [
    Door("login page", "/accounts/login/"),
    Door("admin login", "/admin/login/?next=/admin/", staff=True),
    Door("API token", "/api/v1/auth/token/", api=True),
]


def assert_locked_out(door: Door, response) -> None:
    assert response.status_code == 429, response.content[:300]
    assert response["Retry-After"] == str(int(COOLOFF.total_seconds()))
    if door.api:
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["code"] == "locked_out"
        detail = body["detail"]  # in the request's language (Chinese by default)
        assert ("Too many failed logins" in detail and "15 minutes" in detail) or ("登录失败次数过多" in detail
                                                                                and "15 分钟" in detail)
    else:
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert 'id="locked-out"' in html
        assert '<html lang="zh-hans">' in html  # Chinese by default (the message is a lazy translation)
        assert "15" in html


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=repr)
def test_five_wrong_passwords_lock_the_username_out_from_that_address(throttling, door):
    user = door.user("agent")
    client = door.client()

    for attempt in range(1, LIMIT):
        response = door.attempt(client, "agent", "wrong password")
        assert response.status_code in (200, 400, 401, 403), (attempt, response.status_code)  # an ordinary refusal
    assert_locked_out(door, door.attempt(client, "agent", "wrong password"))

    right = door.attempt(client, "agent", PASSWORD)

    assert_locked_out(door, right)
    assert not door.succeeded(right, client, user)
    assert "_auth_user_id" not in client.session
    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=repr)
def test_the_lockout_is_per_username_and_address(throttling, door):
    """One office NAT: the agent who mistyped is locked out, the colleague beside them is not; nor is the same
    username from another address (the count is for the pair)."""
    agent = door.user("agent")
    colleague = door.user("agent2")
    office = door.client(OFFICE)
    for _ in range(LIMIT):
        door.attempt(office, "agent", "wrong password")
    assert_locked_out(door, door.attempt(office, "agent", PASSWORD))

    beside = door.client(OFFICE)
    assert door.succeeded(door.attempt(beside, "agent2", PASSWORD), beside, colleague)

    elsewhere = door.client(HOME)
    response = door.attempt(elsewhere, "agent", PASSWORD)
    assert door.succeeded(response, elsewhere, agent)


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=repr)
def test_after_the_cool_off_the_right_password_works_again(throttling, door):
    user = door.user("agent")
    client = door.client()
    locked_at = timezone.now()
    with time_machine.travel(locked_at, tick=False):
        for _ in range(LIMIT):
            door.attempt(client, "agent", "wrong password")
    with time_machine.travel(locked_at + COOLOFF - dt.timedelta(minutes=1), tick=False):
        assert_locked_out(door, door.attempt(client, "agent", PASSWORD))  # 14 minutes: still locked (and restarted)
    with time_machine.travel(locked_at + 2 * COOLOFF, tick=False):
        response = door.attempt(client, "agent", PASSWORD)
        assert door.succeeded(response, client, user), response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=repr)
def test_a_successful_login_clears_the_count(throttling, door):
    user = door.user("agent")
    client = door.client()
    for _ in range(LIMIT - 1):
        door.attempt(client, "agent", "wrong password")
    assert AccessAttempt.objects.filter(username="agent").exists()

    assert door.succeeded(door.attempt(client, "agent", PASSWORD), client, user)

    assert not AccessAttempt.objects.filter(username="agent").exists()
    client = door.client()
    for _ in range(LIMIT - 1):  # four more mistakes: still not five in a row
        assert door.attempt(client, "agent", "wrong password").status_code != 429
    assert door.succeeded(door.attempt(client, "agent", PASSWORD), client, user)


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_client_address_is_the_one_the_proxy_appended(throttling, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    door = DOORS[2]
    user = door.user("agent")
    proxy = "10.0.0.2"
    spoofing = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{HOME}, {OFFICE}")
    for _ in range(LIMIT):
        door.attempt(spoofing, "agent", "wrong password")
    # The first entry was the client's own claim: the office is locked out, the home address is not.
    assert_locked_out(door, door.attempt(APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OFFICE), "agent",
                                         PASSWORD))
    home = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=HOME)
    assert door.succeeded(door.attempt(home, "agent", PASSWORD), home, user)


def test_client_ip_without_a_proxy_is_the_connection_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR=HOME)
    assert client_ip(request) == OFFICE
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.1.1.1, {HOME}, "
                                                                                            "10.0.0.1")) == HOME
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=HOME)) == "10.0.0.2"


# --- Production settings -------------------------------------------------------------------------------------


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """What an operator sets, and nothing else from this process's environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tickets.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://tickets.example.com",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=django_settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


SHOW_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name, None) for name in "
    "['DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
    "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_PROXY_SSL_HEADER', 'DEMO_PASSWORD', "
    "'AXES_ENABLED', 'AXES_FAILURE_LIMIT', 'DATA_UPLOAD_MAX_MEMORY_SIZE']}, default=str))"
)


def shown_settings(env: dict[str, str]) -> dict:
    result = manage(env, "shell", "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_without_a_warning_in_production(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_notices_a_weakened_setting(tmp_path):
    """The check above is real: switching the secure cookie off in production is reported."""
    result = manage(production_env(tmp_path, SESSION_COOKIE_SECURE="0"), "check", "--deploy", "--fail-level",
                    "WARNING")

    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_production_defaults_are_secure_and_come_from_the_environment(tmp_path):
    shown = shown_settings(production_env(tmp_path))
    assert shown == {
        "DEBUG": False, "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None, "DEMO_PASSWORD": None, "AXES_ENABLED": True, "AXES_FAILURE_LIMIT": 5,
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 1_048_576,
    }

    behind_proxy = shown_settings(production_env(
        tmp_path, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="3600",
        LOGIN_FAILURE_LIMIT="8", DATA_UPLOAD_MAX_MEMORY_SIZE="2097152",
    ))
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind_proxy["SECURE_SSL_REDIRECT"] is False
    assert behind_proxy["SECURE_HSTS_SECONDS"] == 3600
    assert behind_proxy["AXES_FAILURE_LIMIT"] == 8
    assert behind_proxy["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 2_097_152


def test_local_debug_runs_on_plain_http(tmp_path):
    """``make run``: DEBUG=1, no SECRET_KEY, http://127.0.0.1:8000 — no HTTPS redirect, no Secure-only cookie."""
    shown = shown_settings(production_env(tmp_path, DEBUG="1", SECRET_KEY=None, ALLOWED_HOSTS=None,
                                          CSRF_TRUSTED_ORIGINS=None, SESSION_COOKIE_SECURE="1"))
    assert shown["DEBUG"] is True
    assert (shown["SECURE_SSL_REDIRECT"], shown["SESSION_COOKIE_SECURE"], shown["CSRF_COOKIE_SECURE"]) == (
        False, False, False)
    assert shown["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize("secret_key", [
    pytest.param(None, id="missing"),
    pytest.param("x", id="short"),
    pytest.param("a" * 60, id="not-random"),
    pytest.param("django-insecure-" + secrets.token_urlsafe(50), id="django-insecure"),
])
def test_debug_off_refuses_to_start_without_a_proper_secret_key(tmp_path, secret_key):
    result = manage(production_env(tmp_path, SECRET_KEY=secret_key), "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_invalid_security_settings_stop_the_start(tmp_path):
    result = manage(production_env(tmp_path, SECURE_SSL_REDIRECT="maybe"), "check")

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='maybe' is not a boolean" in result.stderr


# --- Security headers --------------------------------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_hardened(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_pages_api_answers_and_the_docs_carry_the_security_headers(people):
    anonymous = Client()
    assert_hardened(anonymous.get("/accounts/login/"))
    assert_hardened(anonymous.get("/public/outages/"))

    agent = Client()
    agent.force_login(people.agent)
    console = agent.get("/console/")
    assert console.status_code == 200
    assert_hardened(console)
    docs = agent.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert_hardened(docs)
    assert b"<script>" not in docs.content and b"<style>" not in docs.content
    docs_script = agent.get("/api/v1/docs/?script=")
    assert_hardened(docs_script)
    assert b"/api/v1/schema/" in docs_script.content

    api = APIClient()
    api.force_authenticate(people.agent)
    listed = api.get("/api/v1/customers/")
    assert listed.status_code == 200
    assert_hardened(listed)
    refused = APIClient().get("/api/v1/customers/")
    assert refused.status_code in (401, 403)
    assert_hardened(refused)


@pytest.mark.django_db
def test_redoc_alone_may_inject_styles(people):
    agent = Client()
    agent.force_login(people.agent)
    response = agent.get("/api/v1/redoc/")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in csp["style-src"]
    assert b"fonts.googleapis.com" not in response.content


@pytest.mark.django_db
def test_https_is_enforced_with_hsts(settings):
    settings.SECURE_SSL_REDIRECT = True  # production's default (off in the test run: its client speaks HTTP)
    plain = Client().get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/"

    secure = Client().get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


# --- The Content-Security-Policy in a real browser -------------------------------------------------------------

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') +
                              ' at ' + event.sourceFile + ':' + event.lineNumber);
});
"""


@pytest.fixture
def csp_pages(people, customer, settings):
    """One of everything a page shows: an order, a published outage, the duty shift's handover, a ledger entry."""
    import importlib

    from django.apps import apps as django_apps

    from kpi.models import PenaltyRule
    from kpi.services import entry_post_manual
    from shifts import services as shift_services
    from shifts.models import ShiftTemplate
    from tickets.services import outage_receive, work_order_create

    if not ShiftTemplate.objects.exists():
        importlib.import_module("shifts.migrations.0002_templates_and_schedule").seed(django_apps, None)
    order = work_order_create(kind="complaint", description="抄表员态度恶劣", caller_number=customer.phone,
                              customer=customer, actor=people.agent)
    starts = timezone.now() - dt.timedelta(minutes=30)
    notice = outage_receive(kind="fault", area="中山路", cause="10kV中山线故障", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=3), actor=people.lead)
    outage_act(notice=notice, name="publish", actor=people.lead)
    template = ShiftTemplate.objects.get(code="duty24")
    now = timezone.localtime()
    day = now.date() if now.time() >= template.start else now.date() - dt.timedelta(days=1)
    shift = shift_services.shift_create(unit=people.lead.unit, template=template, date=day, lead=people.lead,
                                        members=[people.agent], actor=people.supervisor)
    handover = shift_services.handover_open(shift=shift, actor=people.lead)
    entry_post_manual(rule=PenaltyRule.objects.filter(manual=True).first(), agent=people.agent, reason="内网违规",
                      actor=people.supervisor)
    UserFactory(username="root", is_staff=True, is_superuser=True)
    return [
        "/", "/console/", f"/console/?phone={customer.phone}", "/queue/", f"/orders/{order.pk}/", "/callbacks/",
        "/outages/", "/outages/new/", f"/outages/{notice.pk}/", f"/outages/caller/?phone={customer.phone}",
        "/public/outages/", "/shifts/", "/shifts/mine/", "/shifts/handovers/", f"/shifts/handovers/{handover.pk}/",
        "/kpi/ledger/", "/api/v1/docs/", "/api/v1/redoc/",
    ]


# pytest's live server speaks WSGI only: a page's WebSocket to the live service is answered 404 there, and the
# page polls instead (tests/browser/test_live_browser.py runs the live service). Chromium logs that as a network
# error; a CSP refusal of the socket would say "Content Security Policy" and still count.
NO_LIVE_SERVICE = re.compile(r"^WebSocket connection to 'ws://[^']+/ws/[a-z]+/[^']*' failed: Error during WebSocket "
                             r"handshake: Unexpected response code: 404$")


def browse(browser, base_url: str, username: str):
    """A fresh browser context that records every CSP violation (the ``securitypolicyviolation`` event, and
    Chromium's console message about it) and every script error, logged in through the login form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(handover.TIMEOUT_MS)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: page.problems.append(f"console {message.type}: {message.text}")
            if "Content Security Policy" in message.text
            or (message.type == "error" and not NO_LIVE_SERVICE.search(message.text)) else None)
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def visit(page, url: str) -> list[str]:
    """Open ``url``, let its scripts run, and return what went wrong (violations, script errors)."""
    page.problems.clear()
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    if "/api/v1/docs/" in url:
        page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI rendered the schema
        page.wait_for_selector(".opblock-tag")
    elif "/api/v1/redoc/" in url:
        page.wait_for_selector("redoc .api-content, .api-content")
    page.wait_for_timeout(600)  # polls (the console's incoming calls), deferred scripts
    found = [*page.evaluate("window.__cspViolations"), *page.problems]
    # ReDoc's "powered by" logo is hard-coded to its CDN: refused (no request to a third party), and ReDoc
    # hides the image when it does not load. Anything else on that page counts.
    return [problem for problem in found if REDOC_LOGO not in problem]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_loads_under_the_content_security_policy_without_a_violation(live_server, browser, plain_cookies,
                                                                                csp_pages):
    base = live_server.url
    lead = browse(browser, base, "lead")

    # The recorder works: an inline script injected into the page is refused and recorded.
    lead.goto(f"{base}/")
    lead.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
                  " document.body.appendChild(s); }")
    lead.wait_for_timeout(200)
    assert lead.evaluate("window.ran") is None
    assert any("script-src" in violation for violation in lead.evaluate("window.__cspViolations"))

    problems = {url: visit(lead, base + url) for url in csp_pages}
    # The pages' scripts ran: the console polls for calls, the phrase check and the countdowns are wired up.
    lead.goto(f"{base}/console/")
    lead.wait_for_selector("#console")
    admin = browse(browser, base, "root")
    problems.update({url: visit(admin, base + url) for url in ("/admin/", "/admin/tickets/workorder/",
                                                              "/admin/axes/accessattempt/")})

    assert {url: found for url, found in problems.items() if found} == {}
