"""The access-control matrix (issue 8, "Reliability and security", item 3): every URL of the project × every
role × the methods the URL takes, answered as the table below says.

* The URLs are read from ``django.urls.get_resolver()``, not typed in: a URL name without a row in ``MATRIX``
  fails ``test_every_url_has_a_row`` ("unlisted endpoint"), and a row whose URL is gone fails it too, so the
  matrix cannot go stale. (The routers make no ``customers.json`` format-suffix URLs: contactcenter/routers.py;
  should one come back, it is checked like its base URL.) The admin site is the one namespace checked by its own
  tests (at the end): staff only, and the facts (the ledger above all) view-only even for a superuser.
* Each cell is its own test (``test_matrix[POST work-order-transition[arrive] agent]``) and runs in its own
  transaction, rolled back, over objects built once for the module (an order dispatched to the repair crew, one
  dispatched to marketing, a call, a customer, an outage notice, shifts and handovers, ledger entries, a report).
* A cell is one of:
    ok    — the role may: any answer but 401, 403, 404, 405 or a redirect to the login page (200, 201, 202, 400
            for a deliberately empty body, 409 for a state that does not allow it now) — and never a 500;
    deny  — logged in: 403; anonymous: 401 on the API, a redirect to /accounts/login/?next=… on the pages;
    hide  — 404: the object exists but is not among those the role may see (the API's way of saying no).
  A refusal comes before the body is read: a role that may not do a thing gets 403 for an empty body too, so an
  empty body tells "may" (400) from "may not" (403).
* Public without login: the public outage page, login / logout / password reset, the language switch and the
  token endpoint. Everything else needs a login, the API schema and its docs included (decision: they describe
  an internal system; the telephony integrator has a token anyway).

Then the object rules (a department handler sees only its department's orders, agents see only their own ledger
entries, …), phone masking, and the admin. Roles: agent, shift_lead, department_handler (the repair crew),
supervisor, manager (contactcenter/roles.py), plus a superuser "admin", a user in no group yet ("no_role": gets
nothing a role is needed for) and the anonymous visitor.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from contactcenter.attachments.services import attachment_add
from contactcenter.models import Notification
from contactcenter.tokens import issue_token
from kpi.models import LedgerEntry, PenaltyRule, ReportRun, SweepCursor
from kpi.services import entry_post_manual
from shifts import services as shift_services
from shifts.models import ShiftTemplate
from tests.actions import act
from tickets.models import Callback, DepartmentKind, UnitKind, WorkOrder
from tickets.services import call_log, outage_receive, work_order_create

from .factories import PASSWORD, CustomerFactory, DepartmentFactory, UnitFactory, UserFactory

ANONYMOUS, AGENT, LEAD, HANDLER, SUPERVISOR, MANAGER, ADMIN, NO_ROLE, TELEPHONY = (
    "anonymous", "agent", "shift_lead", "department_handler", "supervisor", "manager", "admin", "no_role",
    "telephony")
# no_role: logged in, in no group; telephony: the telephony system's service account (its token; no pages)
ROLES = (ANONYMOUS, AGENT, LEAD, HANDLER, SUPERVISOR, MANAGER, ADMIN, NO_ROLE, TELEPHONY)
OK, DENY, HIDE = "ok", "deny", "hide"

# Who is who, by the permissions of their role (the roles.py files).
FRONT = (AGENT, LEAD, SUPERVISOR)  # take calls: console, outages, customers, creating orders
LEADS = (LEAD, SUPERVISOR)  # roster, handovers, manual ledger entries, cancelling orders
LEDGER = (LEAD, SUPERVISOR, MANAGER)  # read the whole ledger and every handover
REPORTS = (SUPERVISOR, MANAGER)  # monthly assessment, dashboard, audit trail
WRITERS = (AGENT, LEAD, HANDLER, SUPERVISOR)  # write to customers: the service-language lists
LOGGED_IN = (AGENT, LEAD, HANDLER, SUPERVISOR, MANAGER)  # every role (not a user without one)
ANY_LOGIN = (*LOGGED_IN, NO_ROLE)  # any logged-in user, with a role or not yet

API, PAGE, POLL = "api", "page", "poll"  # how a refusal looks to the anonymous: 401 / login redirect / 401
LOGIN_REDIRECT = f"{settings.LOGIN_URL}?next="


def allow(*who, **cells) -> dict[str, str]:
    """The row of one method: the roles named may (``ok``), the superuser too, everybody else is denied;
    ``cells`` set single cells (``department_handler=HIDE``, ``admin=DENY``)."""
    allowed = {role for group in who for role in ((group,) if isinstance(group, str) else group)}
    row = {role: OK if role in allowed or role == ADMIN else DENY for role in ROLES}
    row.update(cells)
    return row


PUBLIC = allow(ROLES)  # on the API (the token endpoint)
PUBLIC_PAGE = allow(ROLES, telephony=DENY)  # a service account has no pages, even in a session made for it


@dataclass(frozen=True)
class Ref:
    """A URL argument or body value taken from the module's objects (its pk, or the value itself)."""

    name: str
    attr: str = "pk"


# One row per URL name (``name[variant]`` when one URL is tried with several arguments, e.g. transitions):
# how it refuses (kind), its URL arguments, and per method the role → ok / deny / hide cells. Bodies are
# minimal: empty unless a valid one is needed to reach the rule (BODIES).
MATRIX: dict[str, dict] = {
    # --- Accounts, language, token: public ---------------------------------------------------------------
    "login": {"kind": PAGE, "GET": PUBLIC_PAGE, "POST": PUBLIC_PAGE},
    "logout": {"kind": PAGE, "POST": PUBLIC_PAGE},
    "password_change": {"kind": PAGE, "GET": allow(ANY_LOGIN), "POST": allow(ANY_LOGIN)},
    "password_change_done": {"kind": PAGE, "GET": allow(ANY_LOGIN)},
    "password_reset": {"kind": PAGE, "GET": PUBLIC_PAGE, "POST": PUBLIC_PAGE},
    "password_reset_done": {"kind": PAGE, "GET": PUBLIC_PAGE},
    "password_reset_confirm": {"kind": PAGE, "kwargs": {"uidb64": "MQ", "token": "set-password"},
                               "GET": PUBLIC_PAGE},
    "password_reset_complete": {"kind": PAGE, "GET": PUBLIC_PAGE},
    "set_language": {"kind": PAGE, "GET": PUBLIC_PAGE, "POST": PUBLIC_PAGE},  # GET changes nothing (Django's view)
    "api-token": {"kind": API, "POST": PUBLIC},
    # Ending one's own tokens: any token holder (a session is not a token: the anonymous and sessions get 401)
    "api-logout": {"kind": API, "POST": allow(ANY_LOGIN, TELEPHONY)},
    "api-logout-all": {"kind": API, "POST": allow(ANY_LOGIN, TELEPHONY)},
    # --- API documentation: any logged-in user (schema: token or session; docs: pages) ------------------
    "schema": {"kind": API, "GET": allow(ANY_LOGIN, TELEPHONY)},  # the integrator reads it with its token
    # The API's own documentation, under /api/: for the integrator too (the service account's other pages: 403).
    "api-docs": {"kind": PAGE, "GET": allow(ANY_LOGIN, TELEPHONY)},
    "api-redoc": {"kind": PAGE, "GET": allow(ANY_LOGIN, TELEPHONY)},
    "api-root": {"kind": API, "GET": allow(ANY_LOGIN, TELEPHONY)},
    # --- Notifications: each person their own (another's is not found) -----------------------------------------
    "notifications": {"kind": PAGE, "GET": allow(ANY_LOGIN)},
    "notifications-unread": {"kind": PAGE, "GET": allow(ANY_LOGIN)},
    "notifications-read": {"kind": PAGE, "POST": allow(ANY_LOGIN)},
    "notification-preferences": {"kind": PAGE, "POST": allow(ANY_LOGIN)},  # an empty form: 400, still "ok"
    "notification-open": {"kind": PAGE, "kwargs": {"pk": Ref("notification")},
                          "GET": allow(AGENT, **{role: HIDE for role in (LEAD, HANDLER, SUPERVISOR, MANAGER, NO_ROLE,
                                                                          ADMIN)})},
    # --- tickets API ------------------------------------------------------------------------------------
    "unit-list": {"kind": API, "GET": allow(LOGGED_IN)},
    "unit-detail": {"kind": API, "kwargs": {"pk": Ref("city")}, "GET": allow(LOGGED_IN)},
    "department-list": {"kind": API, "GET": allow(LOGGED_IN)},
    "department-detail": {"kind": API, "kwargs": {"pk": Ref("repair")}, "GET": allow(LOGGED_IN)},
    "customer-list": {"kind": API, "GET": allow(FRONT, MANAGER), "POST": allow(FRONT)},
    "customer-detail": {"kind": API, "kwargs": {"pk": Ref("customer")},
                        "GET": allow(FRONT, MANAGER), "PATCH": allow(FRONT)},
    # The telephony system logs the calls of every seat and reads them back (token only).
    "call-list": {"kind": API, "GET": allow(FRONT, MANAGER, TELEPHONY), "POST": allow(FRONT, TELEPHONY)},
    "call-detail": {"kind": API, "kwargs": {"pk": Ref("call")}, "GET": allow(FRONT, MANAGER, TELEPHONY)},
    # Call events (ring / answer / end) come from the switch alone: an agent logs calls only whole, at their seat.
    "call-events": {"kind": API, "POST": allow(TELEPHONY)},
    "work-order-list": {"kind": API, "GET": allow(LOGGED_IN), "POST": allow(FRONT)},
    "work-order-detail": {"kind": API, "kwargs": {"pk": Ref("repair_order")}, "GET": allow(LOGGED_IN)},
    # Bulk actions: anyone who sees orders may ask (an empty body: 400); each order is checked as on its own.
    "work-order-bulk": {"kind": API, "POST": allow(LOGGED_IN)},
    # The crew on site: only the department that has the order.
    "work-order-transition[arrive]": {"kind": API, "kwargs": {"pk": Ref("repair_order"), "name": "arrive"},
                                      "POST": allow(HANDLER)},
    # The customer calls again: the front office.
    "work-order-transition[urge]": {"kind": API, "kwargs": {"pk": Ref("repair_order"), "name": "urge"},
                                    "POST": allow(FRONT)},
    # Cancel as duplicate: a lead (or a supervisor).
    "work-order-transition[cancel]": {"kind": API, "kwargs": {"pk": Ref("repair_order"), "name": "cancel"},
                                      "POST": allow(LEADS)},
    "outage-list": {"kind": API, "GET": allow(FRONT, MANAGER), "POST": allow(FRONT)},
    "outage-for-caller": {"kind": API, "GET": allow(FRONT)},
    "outage-detail": {"kind": API, "kwargs": {"pk": Ref("notice")}, "GET": allow(FRONT, MANAGER)},
    "outage-transition[publish]": {"kind": API, "kwargs": {"pk": Ref("notice"), "name": "publish"},
                                   "POST": allow(FRONT)},
    "standard-phrase-list": {"kind": API, "GET": allow(WRITERS)},
    "forbidden-phrase-list": {"kind": API, "GET": allow(WRITERS)},
    "phrase-check": {"kind": API, "POST": allow(WRITERS)},
    # --- shifts API -------------------------------------------------------------------------------------
    "shift-list": {"kind": API, "GET": allow(FRONT, MANAGER), "POST": allow(LEADS)},
    "shift-detail": {"kind": API, "kwargs": {"pk": Ref("shift")}, "GET": allow(FRONT, MANAGER)},
    # Only the shift's own members check in and out (the superuser is not rostered).
    "shift-check-in": {"kind": API, "kwargs": {"pk": Ref("shift")}, "POST": allow(AGENT, LEAD, admin=DENY)},
    "shift-check-out": {"kind": API, "kwargs": {"pk": Ref("shift")}, "POST": allow(AGENT, LEAD, admin=DENY)},
    "shift-handover": {"kind": API, "kwargs": {"pk": Ref("shift")}, "POST": allow(LEADS)},
    "shift-template-list": {"kind": API, "GET": allow(FRONT, MANAGER)},
    "shift-template-detail": {"kind": API, "kwargs": {"pk": Ref("template")}, "GET": allow(FRONT, MANAGER)},
    "handover-list": {"kind": API, "GET": allow(LEDGER)},
    "handover-detail": {"kind": API, "kwargs": {"pk": Ref("handover")}, "GET": allow(LEDGER)},
    # The outgoing lead (or a supervisor) adds items and signs; the incoming lead accepts or refuses.
    "handover-items": {"kind": API, "kwargs": {"pk": Ref("handover")}, "POST": allow(LEADS)},
    "handover-transition[submit]": {"kind": API, "kwargs": {"pk": Ref("handover"), "name": "submit"},
                                    "POST": allow(LEADS)},
    "handover-transition[accept]": {"kind": API, "kwargs": {"pk": Ref("submitted"), "name": "accept"},
                                    "POST": allow(LEADS)},
    # --- kpi API ----------------------------------------------------------------------------------------
    # Everyone reads the ledger: leads, supervisors and managers all of it, anyone else their own entries (the
    # telephony system has none).
    "ledger-entry-list": {"kind": API, "GET": allow(ANY_LOGIN, TELEPHONY), "POST": allow(LEADS)},
    "ledger-entry-totals": {"kind": API, "GET": allow(ANY_LOGIN, TELEPHONY)},
    "ledger-entry-detail": {"kind": API, "kwargs": {"pk": Ref("entry")},  # the agent's own entry
                            "GET": allow(LEDGER, AGENT, department_handler=HIDE, no_role=HIDE, telephony=HIDE)},
    "ledger-entry-reverse": {"kind": API, "kwargs": {"pk": Ref("entry")}, "POST": allow(SUPERVISOR)},
    "penalty-rule-list": {"kind": API, "GET": allow(FRONT, MANAGER)},
    "penalty-rule-detail": {"kind": API, "kwargs": {"code": "intranet_violation"},
                            "GET": allow(FRONT, MANAGER), "PATCH": allow(SUPERVISOR)},
    "kpi-audit": {"kind": API, "GET": allow(REPORTS)},
    "report-run-list": {"kind": API, "GET": allow(REPORTS), "POST": allow(REPORTS)},
    "report-run-detail": {"kind": API, "kwargs": {"pk": Ref("report")}, "GET": allow(REPORTS)},
    "report-run-download": {"kind": API, "kwargs": {"pk": Ref("report")}, "GET": allow(REPORTS)},
    # --- tickets pages ----------------------------------------------------------------------------------
    "tickets:home": {"kind": PAGE, "GET": allow(ANY_LOGIN)},  # each role's start page; the page list without one
    "tickets:console": {"kind": PAGE, "GET": allow(FRONT), "POST": allow(FRONT)},
    "tickets:console-incoming": {"kind": POLL, "GET": allow(FRONT)},
    "tickets:console-customer": {"kind": PAGE, "GET": allow(FRONT)},
    "tickets:console-customer-sms": {"kind": PAGE, "kwargs": {"pk": Ref("customer")}, "POST": allow(FRONT)},
    "tickets:outage-list": {"kind": PAGE, "GET": allow(FRONT)},
    "tickets:outage-new": {"kind": PAGE, "GET": allow(FRONT), "POST": allow(FRONT)},
    "tickets:outage-caller": {"kind": PAGE, "GET": allow(FRONT)},
    "tickets:outage-detail": {"kind": PAGE, "kwargs": {"pk": Ref("notice")}, "GET": allow(FRONT)},
    "tickets:outage-transition[publish]": {"kind": PAGE, "kwargs": {"pk": Ref("notice"), "name": "publish"},
                                           "POST": allow(FRONT)},
    "tickets:public-outages": {"kind": PAGE, "GET": PUBLIC_PAGE},
    "tickets:queue": {"kind": PAGE, "GET": allow(LOGGED_IN)},
    "tickets:order-detail": {"kind": PAGE, "kwargs": {"pk": Ref("repair_order")}, "GET": allow(LOGGED_IN)},
    "tickets:order-transition[arrive]": {"kind": PAGE, "kwargs": {"pk": Ref("repair_order"), "name": "arrive"},
                                         "POST": allow(HANDLER)},
    "tickets:order-transition[urge]": {"kind": PAGE, "kwargs": {"pk": Ref("repair_order"), "name": "urge"},
                                       "POST": allow(FRONT)},
    # The crew's phone (issue 21): a department's own pages; the manifest, the service worker and the offline page are
    # public (the browser fetches the manifest without cookies; a worker's update check must not meet a login page).
    "tickets:mobile": {"kind": PAGE, "GET": allow(HANDLER)},
    "tickets:mobile-order": {"kind": PAGE, "kwargs": {"pk": Ref("repair_order")}, "GET": allow(HANDLER)},
    "tickets:mobile-transition[arrive]": {"kind": PAGE, "kwargs": {"pk": Ref("repair_order"), "name": "arrive"},
                                          "POST": allow(HANDLER)},
    "tickets:mobile-sw": {"kind": PAGE, "GET": PUBLIC_PAGE},
    "tickets:mobile-offline": {"kind": PAGE, "GET": PUBLIC_PAGE},
    "tickets:manifest": {"kind": PAGE, "GET": PUBLIC_PAGE},
    "tickets:callbacks": {"kind": PAGE, "GET": allow(FRONT)},
    # Attachments 附件 (issue 21): seen by whoever sees the object, attached by those who work on it (the empty form:
    # 400, still "ok"); deleted by the uploader within ATTACHMENT_DELETE_MINUTES — agent2 here, no role of the matrix —
    # or a supervisor. The manager reads and attaches nothing; the crew reads no outage notice.
    "work-order-attachments": {"kind": API, "kwargs": {"pk": Ref("repair_order")}, "GET": allow(LOGGED_IN),
                               "POST": allow(AGENT, LEAD, HANDLER, SUPERVISOR)},
    "outage-attachments": {"kind": API, "kwargs": {"pk": Ref("notice")}, "GET": allow(FRONT, MANAGER),
                           "POST": allow(FRONT)},
    "handover-attachments": {"kind": API, "kwargs": {"pk": Ref("handover")}, "GET": allow(LEDGER),
                             "POST": allow(LEADS)},
    "attachment-detail": {"kind": API, "kwargs": {"pk": Ref("attachment")}, "GET": allow(LOGGED_IN),
                          "DELETE": allow(SUPERVISOR)},
    "attachment-download": {"kind": API, "kwargs": {"pk": Ref("attachment")}, "GET": allow(LOGGED_IN)},
    "attachment-upload[work-order]": {"kind": PAGE, "kwargs": {"kind": "work-order", "pk": Ref("repair_order")},
                                      "POST": allow(AGENT, LEAD, HANDLER, SUPERVISOR)},
    "attachment-upload[outage]": {"kind": PAGE, "kwargs": {"kind": "outage", "pk": Ref("notice")},
                                  "POST": allow(FRONT)},
    "attachment-upload[handover]": {"kind": PAGE, "kwargs": {"kind": "handover", "pk": Ref("handover")},
                                    "POST": allow(LEADS)},
    "attachment-delete": {"kind": PAGE, "kwargs": {"pk": Ref("attachment")}, "POST": allow(SUPERVISOR)},
    # Click-to-dial an order whose callback is not due: hidden from those who dial (a due one is dialled:
    # tests/tickets/test_call_events.py), refused to the others.
    "tickets:callback-dial": {"kind": PAGE, "kwargs": {"pk": Ref("repair_order")},
                              "POST": {**allow(), **{role: HIDE for role in (*FRONT, ADMIN)}}},
    "tickets:search": {"kind": PAGE, "GET": allow(LOGGED_IN)},
    # bulk actions: anyone who sees orders may ask; each order is then checked as on its own (tests/tickets/test_bulk)
    "tickets:bulk": {"kind": PAGE, "POST": allow(LOGGED_IN)},
    # saved filters are each user's own: anyone who sees orders saves theirs; deleting another's is a no-op
    "tickets:saved-filter-save": {"kind": PAGE, "POST": allow(LOGGED_IN)},
    "tickets:saved-filter-delete": {"kind": PAGE, "kwargs": {"pk": 1}, "POST": allow(LOGGED_IN)},
    # --- shifts pages -----------------------------------------------------------------------------------
    "shifts:roster": {"kind": PAGE, "GET": allow(FRONT, MANAGER), "POST": allow(LEADS)},
    "shifts:mine": {"kind": PAGE, "GET": allow(FRONT, MANAGER)},
    "shifts:check-in": {"kind": PAGE, "kwargs": {"pk": Ref("shift")}, "POST": allow(AGENT, LEAD, admin=DENY)},
    "shifts:check-out": {"kind": PAGE, "kwargs": {"pk": Ref("shift")}, "POST": allow(AGENT, LEAD, admin=DENY)},
    "shifts:handover-open": {"kind": PAGE, "kwargs": {"pk": Ref("shift")}, "POST": allow(LEADS)},
    "shifts:handover-list": {"kind": PAGE, "GET": allow(LEDGER)},
    "shifts:handover": {"kind": PAGE, "kwargs": {"pk": Ref("handover")}, "GET": allow(LEDGER)},
    "shifts:handover-add-item": {"kind": PAGE, "kwargs": {"pk": Ref("handover")}, "POST": allow(LEADS)},
    "shifts:handover-submit": {"kind": PAGE, "kwargs": {"pk": Ref("handover")}, "POST": allow(LEADS)},
    "shifts:handover-review": {"kind": PAGE, "kwargs": {"pk": Ref("submitted")},
                               "GET": allow(LEDGER), "POST": allow(LEADS)},
    # --- kpi pages --------------------------------------------------------------------------------------
    "kpi:dashboard": {"kind": PAGE, "GET": allow(REPORTS)},  # not shift leads: design "Who uses it"
    "kpi:ledger": {"kind": PAGE, "GET": allow(LEDGER)},
    "kpi:ledger-rows": {"kind": PAGE, "GET": allow(LEDGER)},  # the ledger page's live rows
    # The wallboard 监控大屏: shift leads, supervisors, managers (kpi.view_wallboard); its JSON refresh answers 401.
    "kpi:wallboard": {"kind": PAGE, "GET": allow(LEDGER)},
    "wallboard": {"kind": PAGE, "GET": allow(LEDGER)},  # → kpi:wallboard
    "kpi:wallboard-data": {"kind": POLL, "GET": allow(LEDGER)},
    "kpi:entry-new": {"kind": PAGE, "GET": allow(LEADS), "POST": allow(LEADS)},
    "kpi:entry-reverse": {"kind": PAGE, "kwargs": {"pk": Ref("entry")},
                          "GET": allow(SUPERVISOR), "POST": allow(SUPERVISOR)},
    "kpi:reports": {"kind": PAGE, "GET": allow(REPORTS), "POST": allow(REPORTS)},
    "kpi:audit": {"kind": PAGE, "GET": allow(REPORTS)},
}

# Bodies where an empty one would not reach the rule under test (or would be refused before it on purpose).
BODIES: dict[tuple[str, str], dict] = {
    ("set_language", "POST"): {"language": "en", "next": "/"},
    ("phrase-check", "POST"): {"text": "您好"},
    ("handover-transition[submit]", "POST"): {"cleaning_done": True, "equipment_ok": True, "items_counted": True},
    ("ledger-entry-reverse", "POST"): {"reason": "申诉成立"},
    ("penalty-rule-detail", "PATCH"): {"amount": "30.00"},
    ("call-events", "POST"): {"call_id": "matrix-1", "event": "ring", "at": "2026-01-05T09:00:00+08:00"},
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


# --- The URLs of the project, read from the resolver ---------------------------------------------------


@dataclass(frozen=True)
class Route:
    parts: tuple  # the URLPattern / URLResolver patterns from the root down
    name: str | None  # namespaced: "tickets:console", "admin:tickets_workorder_change"

    @property
    def text(self) -> str:
        return "".join(str(part) for part in self.parts)

    @property
    def suffixed(self) -> bool:
        return "format" in self.text

    def url(self, kwargs: dict, positional: tuple = ()) -> str:
        values = {**kwargs, "format": "json"}
        rest = list(positional)
        path = ""
        for part in self.parts:
            text = str(part)
            if isinstance(part, RoutePattern):
                path += re.sub(r"<(?:(\w+):)?(\w+)>",
                               lambda m: ".json" if m[1] == "drf_format_suffix" else str(values[m[2]]), text)
            else:  # a regex: named groups from kwargs, unnamed ones in order from ``positional``
                text = text.removeprefix("^").removesuffix("$").replace("/?", "").replace("\\.", ".")
                text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), text)
                path += re.sub(r"\([^)]*\)", lambda m: str(rest.pop(0)), text)
        return "/" + path


def walk(resolver=None, parts=(), namespace="") -> list[Route]:
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += walk(entry, (*parts, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            routes.append(Route((*parts, entry.pattern), f"{namespace}{entry.name}" if entry.name else None))
    return routes


ROUTES = walk()
SITE_ROUTES = [route for route in ROUTES if not (route.name or "admin:").startswith("admin:")]


def base(key: str) -> str:
    return key.split("[", 1)[0]


def resolve_value(world, value):
    if isinstance(value, Ref):
        return getattr(getattr(world, value.name), value.attr)
    return value


# --- The objects and the people, built once for the module --------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Everything the URLs need, in one transaction rolled back after the module; each test runs in a savepoint
    inside it (pytest-django's ``db``), so a POST that succeeds changes nothing for the next cell. Files (an
    attachment) go to a folder of the module's own."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                built = _build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    media.disable()


def _build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.city = UnitFactory(code="city", name="示范市供电公司", kind=UnitKind.CITY)
    w.center = UnitFactory(code="center", name="95598客户服务中心", kind=UnitKind.SERVICE_CENTER, parent=w.city)
    w.repair = DepartmentFactory(code="repair-1", name="抢修一班", kind=DepartmentKind.REPAIR_CREW, unit=w.city)
    w.repair2 = DepartmentFactory(code="repair-2", name="抢修二班", kind=DepartmentKind.REPAIR_CREW, unit=w.city)
    w.marketing = DepartmentFactory(code="marketing", name="营销部", kind=DepartmentKind.MARKETING, unit=w.city)
    w.supervision = DepartmentFactory(code="supervision", name="监察室", kind=DepartmentKind.SUPERVISION,
                                      unit=w.city)
    people = {
        AGENT: UserFactory(username="agent", unit=w.center, seat="8001", role="agent"),
        LEAD: UserFactory(username="lead", unit=w.center, role="shift_lead"),
        HANDLER: UserFactory(username="repair", unit=w.city, department=w.repair, role="department_handler"),
        SUPERVISOR: UserFactory(username="supervisor", unit=w.center, role="supervisor"),
        MANAGER: UserFactory(username="manager", unit=w.city, role="manager"),
        ADMIN: UserFactory(username="root", unit=w.center, is_staff=True, is_superuser=True),
        NO_ROLE: UserFactory(username="newcomer", unit=w.center),  # hired, no role given yet
        TELEPHONY: UserFactory(username="telephony", unit=w.center, role="telephony"),
    }
    w.people = SimpleNamespace(
        agent=people[AGENT], lead=people[LEAD], repair=people[HANDLER], supervisor=people[SUPERVISOR],
        manager=people[MANAGER], admin=people[ADMIN],
        agent2=UserFactory(username="agent2", unit=w.center, seat="8002", role="agent"),
        lead2=UserFactory(username="lead2", unit=w.center, role="shift_lead"),
        repair2=UserFactory(username="repair2", unit=w.city, department=w.repair2, role="department_handler"),
        marketing=UserFactory(username="marketing", unit=w.city, department=w.marketing, role="department_handler"),
    )
    p = w.people
    now = timezone.now()
    w.customer = CustomerFactory(phone="13900000001", account_number="ACC-1", name="张三", address="示范市中山路1号",
                                 unit=w.center)
    w.call = call_log(caller_number=w.customer.phone, ring_started_at=now - dt.timedelta(minutes=10),
                      answered_at=now - dt.timedelta(minutes=10) + dt.timedelta(seconds=5),
                      ended_at=now - dt.timedelta(minutes=7), agent=p.agent, logged_by=people[TELEPHONY],
                      customer=w.customer)

    def order(kind: str, *steps) -> WorkOrder:
        made = work_order_create(kind=kind, description="客户来电", caller_number=w.customer.phone,
                                 customer=w.customer, actor=p.agent)
        for name, actor, params in steps:
            made = act(order=WorkOrder.objects.get(pk=made.pk), name=name, actor=actor,
                                         params=params)
        return WorkOrder.objects.get(pk=made.pk)

    w.repair_order = order("repair", ("dispatch", p.agent, {"department": w.repair.pk}))
    w.marketing_order = order("consultation", ("dispatch", p.agent, {"department": w.marketing.pk}))
    # Dispatched to the repair crew before: returned by it, now with the second crew.
    w.passed_order = order("repair", ("dispatch", p.agent, {"department": w.repair.pk}),
                           ("return_to_sender", p.repair, {"reason": "不属于本班辖区"}),
                           ("dispatch", p.agent, {"department": w.repair2.pk}))
    w.notice = outage_receive(kind="fault", area="中山路", cause="线路故障", starts_at=now - dt.timedelta(hours=1),
                              expected_restore_at=now + dt.timedelta(hours=3), actor=p.agent)

    # 早班 today (lead, agent) → 中班 (lead2, agent2) → 夜班 tomorrow (lead, agent): the early shift's handover is
    # a draft of the lead; the middle shift's is submitted by lead2 and waits for the lead's review.
    today = timezone.localdate()
    w.template = ShiftTemplate.objects.get(code="early")

    def shift(code, day, lead, members):
        return shift_services.shift_create(unit=w.center, template=ShiftTemplate.objects.get(code=code), date=day,
                                           lead=lead, members=members, actor=p.supervisor)

    w.shift = shift("early", today, p.lead, [p.agent])
    w.middle = shift("middle", today, p.lead2, [p.agent2])
    w.night = shift("night", today + dt.timedelta(days=1), p.lead, [p.agent])
    w.handover = shift_services.handover_open(shift=w.shift, actor=p.lead)
    w.submitted = shift_services.handover_open(shift=w.middle, actor=p.lead2)
    w.submitted = shift_services.handover_submit(handover=w.submitted, actor=p.lead2, cleaning_done=True,
                                                 equipment_ok=True, items_counted=True)

    rule = PenaltyRule.objects.get(code="intranet_violation")
    w.entry = entry_post_manual(rule=rule, agent=p.agent, reason="内网违规", actor=p.supervisor)
    w.entry2 = entry_post_manual(rule=rule, agent=p.agent2, reason="内网违规", actor=p.supervisor)
    w.notification = Notification.objects.get(user=p.agent, kind="ledger")  # told of w.entry
    w.report = ReportRun.objects.create(period="2026-01", format="csv", requested_by=p.supervisor)
    w.attachment = attachment_add(parent=w.repair_order, upload=ContentFile(b"%PDF-1.4\n%%EOF\n"),
                                  given_name="现场.pdf", actor=p.agent2)
    # A row of each fact the admin only shows (the services write them in the course of a callback or a sweep).
    Callback.objects.create(order=w.passed_order, agent=p.agent, made_at=now, reached=False)
    SweepCursor.objects.create(name="access-matrix", position=now)

    # Each role's credentials: a session for the pages (logged in once), a token for the API.
    w.sessions, w.tokens = {}, {}
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        w.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        w.tokens[role] = issue_token(user)[1]
    w.users = people
    return w


def client_for(world, role: str, kind: str) -> Client:
    """A fresh client per request (a logout in one cell must not log out the next), authenticated as the
    role: the API by its token, the pages by the session cookie."""
    if role == ANONYMOUS:
        return Client()
    if kind == API:
        return Client(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def send(client: Client, method: str, url: str, body: dict, kind: str):
    if method == "GET":
        return client.get(url)
    if kind == API or method in ("PATCH", "PUT"):
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    return client.post(url, body)


def outcome(response, kind: str, role: str) -> str:
    """What the answer means: ok / deny / hide, or a description of anything else."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status == 403 and role != ANONYMOUS:
        return DENY
    if role == ANONYMOUS:
        if kind in (API, POLL) and status == 401:
            return DENY
        if kind == PAGE and status == 302 and response["Location"].startswith(LOGIN_REDIRECT):
            return DENY
    if status in (401, 403) or (status == 302 and response["Location"].startswith(settings.LOGIN_URL + "?")):
        return f"refused the wrong way ({status} {response.get('Location', '')})"
    if status == 404:
        return HIDE
    if status == 405:
        return "405 method not allowed"
    return OK


# --- The matrix: one test per cell ----------------------------------------------------------------------


def _cases():
    texts: dict[str, set[str]] = {}
    for route in SITE_ROUTES:
        texts.setdefault(route.name, set()).add(route.text)
    seen = set()
    cases = []
    for route in SITE_ROUTES:
        if route.text in seen:  # shadowed by an earlier pattern with the same URL (a second router's root)
            continue
        seen.add(route.text)
        where = f" /{route.text}" if len(texts[route.name]) > 2 else ""  # api-root: one per router
        suffix = " .json" if route.suffixed else ""
        for key, row in MATRIX.items():
            if base(key) != route.name:
                continue
            for method in METHODS:
                if method in row:
                    cases += [pytest.param(route, key, method, role, id=f"{method} {key}{where}{suffix} {role}")
                              for role in ROLES]
    return cases


def _route_url(world, route: Route, key: str) -> str:
    kwargs = {name: resolve_value(world, value) for name, value in MATRIX[key].get("kwargs", {}).items()}
    return route.url(kwargs)


@pytest.mark.parametrize(("route", "key", "method", "role"), _cases())
def test_matrix(world, db, route, key, method, role):
    row = MATRIX[key]
    url = _route_url(world, route, key)
    response = send(client_for(world, role, row["kind"]), method, url, BODIES.get((key, method), {}), row["kind"])
    expected = row[method][role]
    got = outcome(response, row["kind"], role)
    assert got == expected, f"{method} {url} as {role}: expected {expected}, got {got} ({response.status_code}: " \
                            f"{response.content[:300]!r})"


def _post_only_cases():
    cases = []
    for key, row in MATRIX.items():
        if "GET" in row:
            continue
        route = next(route for route in SITE_ROUTES if route.name == base(key) and not route.suffixed)
        for role in ROLES:
            cases.append(pytest.param(route, key, role, id=f"GET {key} {role}"))
    return cases


@pytest.mark.parametrize(("route", "key", "role"), _post_only_cases())
def test_get_on_a_post_only_url_reads_nothing(world, db, route, key, role):
    """GET on a URL that only takes POST: 405, or the refusal the role gets for the POST (never a 200)."""
    row = MATRIX[key]
    method = next(method for method in METHODS if method in row)
    response = send(client_for(world, role, row["kind"]), "GET", _route_url(world, route, key), {}, row["kind"])
    got = outcome(response, row["kind"], role)
    allowed = {"405 method not allowed"} | ({row[method][role]} if row[method][role] != OK else set())
    assert got in allowed, f"GET {key} as {role}: {got} ({response.status_code})"


def test_every_url_has_a_row():
    """A new URL without a row here fails (unlisted endpoint); so does a row whose URL is gone."""
    names = {route.name for route in SITE_ROUTES}
    unlisted = sorted(str(name) for name in names if name is None or name not in {base(key) for key in MATRIX})
    assert not unlisted, f"unlisted endpoint(s), add them to MATRIX: {unlisted}"
    stale = sorted(key for key in MATRIX if base(key) not in names)
    assert not stale, f"rows without a URL: {stale}"
    for key, row in MATRIX.items():
        methods = [method for method in METHODS if method in row]
        assert methods and row["kind"] in (API, PAGE, POLL), key
        for method in methods:
            assert set(row[method]) == set(ROLES), (key, method)


def test_the_url_builder_reaches_the_routes_it_names(world, db):
    """Each URL the matrix sends resolves to the route it was built from (no cell tests the wrong view)."""
    for route in SITE_ROUTES:
        for key in (key for key in MATRIX if base(key) == route.name):
            url = _route_url(world, route, key)
            match = resolve(url)
            assert match.view_name == route.name or match.url_name == route.name.split(":")[-1], (url, route.text)


# --- Object rules ------------------------------------------------------------------------------------------

PHONE, MASKED = "13900000001", "139****0001"


def as_user(user, kind: str = API) -> Client:
    """A client for a user outside the role table (a second crew, marketing, a second agent)."""
    client = Client()
    client.force_login(user)
    if kind == API:
        return Client(HTTP_AUTHORIZATION=f"Token {issue_token(user)[1]}")
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_a_department_handler_lists_only_the_orders_of_its_department_now_or_before(world, db):
    orders = "/api/v1/work-orders/"
    repair_crew = client_for(world, HANDLER, API)
    # The repair order is with the crew; the passed-on one was (returned, now with the second crew).
    assert ids(repair_crew.get(orders)) == {world.repair_order.pk, world.passed_order.pk}
    assert ids(as_user(world.people.repair2).get(orders)) == {world.passed_order.pk}
    assert ids(as_user(world.people.marketing).get(orders)) == {world.marketing_order.pk}
    # A filter narrows what the role sees, never widens it.
    assert ids(repair_crew.get(orders, {"department": world.marketing.pk})) == set()
    assert ids(repair_crew.get(orders, {"customer": world.customer.pk})) == {world.repair_order.pk,
                                                                              world.passed_order.pk}
    # The front office and management see all of them.
    everything = {world.repair_order.pk, world.marketing_order.pk, world.passed_order.pk}
    assert ids(client_for(world, AGENT, API).get(orders)) == everything
    assert ids(client_for(world, MANAGER, API).get(orders)) == everything


def test_another_departments_order_is_hidden_from_the_api_and_refused_on_the_pages(world, db):
    api, pages = client_for(world, HANDLER, API), client_for(world, HANDLER, PAGE)
    other, before = world.marketing_order, world.passed_order
    assert api.get(f"/api/v1/work-orders/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/work-orders/{before.pk}/").status_code == 200
    assert pages.get(f"/orders/{other.pk}/").status_code == 403  # the page says "not for you", the API hides it
    assert pages.get(f"/orders/{before.pk}/").status_code == 200
    queue = pages.get("/queue/")
    assert queue.status_code == 200
    assert world.repair_order.number in queue.content.decode()
    assert other.number not in queue.content.decode()
    assert other.number not in pages.get("/queue/", {"tab": "shift"}).content.decode()


def test_a_department_handler_fires_no_transition_on_an_order_not_with_its_department(world, db):
    api, pages = client_for(world, HANDLER, API), client_for(world, HANDLER, PAGE)
    other, before = world.marketing_order, world.passed_order
    reply = {"answer": "已答复"}
    assert api.post(f"/api/v1/work-orders/{other.pk}/transitions/reply/", reply,
                    content_type="application/json").status_code == 404
    assert pages.post(f"/orders/{other.pk}/transitions/reply/", reply).status_code == 403
    # Dispatched to the crew before, now with the second crew: readable, but no longer the crew's to act on.
    assert api.get(f"/api/v1/work-orders/{before.pk}/").json()["available_transitions"] == []
    assert api.post(f"/api/v1/work-orders/{before.pk}/transitions/arrive/", {},
                    content_type="application/json").status_code == 403
    assert pages.post(f"/orders/{before.pk}/transitions/arrive/", {}).status_code == 403
    assert WorkOrder.objects.get(pk=before.pk).state == "dispatched"
    # The crew's own order: the step is offered and taken.
    mine = api.post(f"/api/v1/work-orders/{world.repair_order.pk}/transitions/arrive/", {},
                    content_type="application/json")
    assert mine.status_code == 200, mine.content
    assert mine.json()["state"] == "arrived"


@pytest.mark.parametrize("role", [AGENT, LEAD, HANDLER])
def test_only_supervisors_and_managers_export_reports(world, db, role):
    api, pages = client_for(world, role, API), client_for(world, role, PAGE)
    runs = ReportRun.objects.count()
    asked = {"period": "2026-01", "format": "csv"}
    assert api.post("/api/v1/reports/monthly/", asked, content_type="application/json").status_code == 403
    assert api.get("/api/v1/reports/monthly/").status_code == 403
    assert api.get(f"/api/v1/reports/monthly/{world.report.pk}/download/").status_code == 403
    assert pages.get("/kpi/reports/").status_code == 403
    assert pages.post("/kpi/reports/", asked).status_code == 403
    assert pages.get("/kpi/dashboard/").status_code == 403
    assert ReportRun.objects.count() == runs
    allowed = client_for(world, MANAGER, API).post("/api/v1/reports/monthly/", asked, content_type="application/json")
    assert allowed.status_code == 202, allowed.content


@pytest.mark.parametrize("role", [AGENT, LEAD, HANDLER, MANAGER])
def test_only_a_supervisor_changes_penalty_rules(world, db, role):
    url = "/api/v1/kpi/rules/intranet_violation/"
    before = PenaltyRule.objects.get(code="intranet_violation").amount
    response = client_for(world, role, API).patch(url, {"amount": "1.00"}, content_type="application/json")
    assert response.status_code == 403
    assert PenaltyRule.objects.get(code="intranet_violation").amount == before
    changed = client_for(world, SUPERVISOR, API).patch(url, {"amount": "1.00"}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert str(PenaltyRule.objects.get(code="intranet_violation").amount) == "1.00"


@pytest.mark.parametrize("role", [AGENT, LEAD, HANDLER, MANAGER])
def test_only_a_supervisor_reverses_a_penalty(world, db, role):
    entry = world.entry  # the agent's own entry: even its agent may not reverse it
    reason = {"reason": "申诉成立"}
    api, pages = client_for(world, role, API), client_for(world, role, PAGE)
    assert api.post(f"/api/v1/kpi/entries/{entry.pk}/reverse/", reason,
                    content_type="application/json").status_code == 403
    assert api.post(f"/api/v1/kpi/entries/{entry.pk}/reverse/", {}, content_type="application/json").status_code == 403
    assert pages.get(f"/kpi/ledger/{entry.pk}/reverse/").status_code == 403
    assert pages.post(f"/kpi/ledger/{entry.pk}/reverse/", reason).status_code == 403
    assert not LedgerEntry.objects.filter(reverses=entry).exists()
    upheld = client_for(world, SUPERVISOR, API).post(f"/api/v1/kpi/entries/{entry.pk}/reverse/", reason,
                                                     content_type="application/json")
    assert upheld.status_code == 201, upheld.content
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1


def test_a_supervisor_does_not_reverse_a_penalty_charged_to_themselves(world, db):
    """Supervisors take calls too (ring_over_3 charges them): their own appeal goes to another supervisor."""
    charged = world.people.supervisor
    entry = entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), agent=charged,
                              reason="内网违规", actor=world.people.lead)
    reason = {"reason": "申诉成立"}
    url = f"/api/v1/kpi/entries/{entry.pk}/reverse/"
    assert client_for(world, SUPERVISOR, API).post(url, reason, content_type="application/json").status_code == 403
    assert client_for(world, SUPERVISOR, PAGE).post(f"/kpi/ledger/{entry.pk}/reverse/", reason).status_code == 403
    assert not LedgerEntry.objects.filter(reverses=entry).exists()
    colleague = UserFactory(username="supervisor2", unit=world.center, role="supervisor")
    assert as_user(colleague).post(url, reason, content_type="application/json").status_code == 201


def test_a_deactivated_user_is_locked_out_of_the_api_and_the_pages(world, db):
    world.people.agent.__class__.objects.filter(pk=world.people.agent.pk).update(is_active=False)
    assert client_for(world, AGENT, API).get("/api/v1/work-orders/").status_code == 401  # its token no longer works
    page = client_for(world, AGENT, PAGE).get("/console/")  # nor its session
    assert page.status_code == 302 and page["Location"].startswith(LOGIN_REDIRECT)
    token = "/api/v1/auth/token/"
    refused = Client().post(token, {"username": "agent", "password": PASSWORD}, content_type="application/json")
    assert refused.status_code == 400 and "token" not in refused.json()  # no new token either (as a wrong password)
    assert Client().post(token, {"username": "agent2", "password": PASSWORD},
                         content_type="application/json").status_code == 200


def test_an_agent_sees_only_their_own_ledger_entries(world, db):
    agent = client_for(world, AGENT, API)
    assert ids(agent.get("/api/v1/kpi/entries/")) == {world.entry.pk}
    assert ids(agent.get("/api/v1/kpi/entries/", {"agent": "agent2"})) == set()
    assert agent.get(f"/api/v1/kpi/entries/{world.entry2.pk}/").status_code == 404
    assert agent.get(f"/api/v1/kpi/entries/{world.entry.pk}/").status_code == 200
    totals = agent.get("/api/v1/kpi/entries/totals/", {"period": world.entry.period}).json()
    assert totals["net"] == str(world.entry.amount)  # not the two entries' sum
    assert ids(as_user(world.people.agent2).get("/api/v1/kpi/entries/")) == {world.entry2.pk}
    assert ids(client_for(world, HANDLER, API).get("/api/v1/kpi/entries/")) == set()
    assert ids(client_for(world, MANAGER, API).get("/api/v1/kpi/entries/")) == {world.entry.pk, world.entry2.pk}
    assert client_for(world, AGENT, PAGE).get("/kpi/ledger/").status_code == 403  # the ledger page: leads and up


# --- Phone numbers: whole for those who call customers, masked for the others ----------------------------


def _phone_urls(world) -> list[str]:
    return [f"/api/v1/customers/{world.customer.pk}/", f"/api/v1/calls/{world.call.pk}/",
            f"/api/v1/work-orders/{world.repair_order.pk}/", "/api/v1/customers/", "/api/v1/calls/",
            "/api/v1/work-orders/"]


def test_a_manager_sees_phone_numbers_masked_in_the_api_and_on_the_pages(world, db):
    api, pages = client_for(world, MANAGER, API), client_for(world, MANAGER, PAGE)
    assert api.get(f"/api/v1/customers/{world.customer.pk}/").json()["phone"] == MASKED
    assert api.get(f"/api/v1/calls/{world.call.pk}/").json()["caller_number"] == MASKED
    assert api.get(f"/api/v1/work-orders/{world.repair_order.pk}/").json()["caller_number"] == MASKED
    for url in _phone_urls(world):
        body = api.get(url).content.decode()
        assert MASKED in body and PHONE not in body, url
    order_page = pages.get(f"/orders/{world.repair_order.pk}/").content.decode()
    assert MASKED in order_page and PHONE not in order_page


@pytest.mark.parametrize("role", [AGENT, LEAD, SUPERVISOR])
def test_the_front_office_sees_whole_phone_numbers(world, db, role):
    api, pages = client_for(world, role, API), client_for(world, role, PAGE)
    assert api.get(f"/api/v1/customers/{world.customer.pk}/").json()["phone"] == PHONE
    assert api.get(f"/api/v1/calls/{world.call.pk}/").json()["caller_number"] == PHONE
    assert api.get(f"/api/v1/work-orders/{world.repair_order.pk}/").json()["caller_number"] == PHONE
    assert PHONE in pages.get(f"/orders/{world.repair_order.pk}/").content.decode()
    assert PHONE in pages.get("/console/", {"phone": PHONE}).content.decode()


def test_a_department_handler_sees_the_phone_of_its_own_orders_only(world, db):
    """Decision: a crew calls the customer (a complaint's first contact within 24 h is the department's step,
    ``contact_customer``), so the number is whole on the orders it has; it reads no customer or call list."""
    api, pages = client_for(world, HANDLER, API), client_for(world, HANDLER, PAGE)
    assert api.get(f"/api/v1/work-orders/{world.repair_order.pk}/").json()["caller_number"] == PHONE
    assert PHONE in pages.get(f"/orders/{world.repair_order.pk}/").content.decode()
    assert api.get("/api/v1/customers/").status_code == 403
    assert api.get(f"/api/v1/customers/{world.customer.pk}/").status_code == 403
    assert api.get("/api/v1/calls/").status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/customers/", "/api/v1/calls/", "/api/v1/work-orders/"])
def test_a_masked_number_cannot_be_recovered_by_searching_for_it(world, db, url):
    """A search by phone would tell a manager which of the 10,000 numbers behind 139****0001 is the customer's:
    refused (400 on the phone field) for the roles that see masked numbers."""
    refused = client_for(world, MANAGER, API).get(url, {"phone": PHONE})
    assert refused.status_code == 400
    assert "phone" in refused.json()
    assert ids(client_for(world, AGENT, API).get(url, {"phone": PHONE}))  # the front office finds the caller


def test_the_queue_page_refuses_a_phone_search_to_a_manager(world, db):
    assert client_for(world, MANAGER, PAGE).get("/queue/", {"phone": PHONE}).status_code == 400
    assert client_for(world, AGENT, PAGE).get("/queue/", {"phone": PHONE}).status_code == 200


@pytest.mark.parametrize("role", [MANAGER, ANONYMOUS])
def test_no_answer_the_role_may_read_carries_a_whole_phone_number(world, db, role):
    """Every URL of the matrix the role may GET, read as that role: the whole number appears in none."""
    leaks = []
    for route in SITE_ROUTES:
        if route.suffixed:
            continue
        for key, row in MATRIX.items():
            if base(key) == route.name and row.get("GET", {}).get(role) == OK:
                url = _route_url(world, route, key)
                response = client_for(world, role, row["kind"]).get(url)
                content = b"".join(response.streaming_content) if response.streaming else response.content
                if PHONE.encode() in content:
                    leaks.append(url)
    assert not leaks, f"the whole phone number in {leaks}"


# --- The admin: staff only; the ledger (and the other facts) view-only even for superusers ----------------


ADMIN_SITE_VIEWS = {"admin:index", "admin:login", "admin:logout", "admin:password_change",
                    "admin:password_change_done", "admin:autocomplete", "admin:jsi18n", "admin:view_on_site",
                    "admin:app_list", None}
ADMIN_ROUTES = [route for route in ROUTES if (route.name or "admin:").startswith("admin:")
                and route.text.startswith("admin/")]


def _admin_model(route: Route):
    """The registered model whose ModelAdmin owns the route (``admin/<app>/<model>/…``), or None."""
    for model in admin.site._registry:
        if route.text.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def _admin_url(world, route: Route) -> str:
    model = _admin_model(route)
    pk = (model._default_manager.order_by("pk").values_list("pk", flat=True).first() if model else None) or 1
    kwargs = {"object_id": pk, "id": pk, "app_label": "tickets", "url": "no-such-page/",
              "content_type_id": 1, "history_id": 1}
    return route.url(kwargs, positional=(pk, 1))


def test_every_admin_url_belongs_to_a_registered_model_or_the_site():
    """A new admin URL is either a ModelAdmin's (checked below, whatever the model) or one of the site's own."""
    unknown = [route.text for route in ADMIN_ROUTES if _admin_model(route) is None and route.name not in
               ADMIN_SITE_VIEWS]
    assert not unknown, unknown


@pytest.mark.parametrize("role", [ANONYMOUS, AGENT, LEAD, HANDLER, SUPERVISOR, MANAGER, NO_ROLE])
def test_the_admin_is_for_staff_only(world, db, role):
    """No role is staff: every admin URL sends them to the admin's login (whose page itself is open)."""
    client = client_for(world, role, PAGE)
    wrong = []
    for route in ADMIN_ROUTES:
        url = _admin_url(world, route)
        response = client.get(url)
        if route.name == "admin:login":
            ok = response.status_code == 200
        elif route.name == "admin:logout":
            ok = response.status_code in (302, 405)  # Django 5: POST only
        else:
            ok = response.status_code == 302 and response["Location"].startswith("/admin/login/")
        if not ok:
            wrong.append(f"{url} {response.status_code}")
    assert not wrong, wrong


def test_every_admin_page_opens_for_a_superuser(world, db):
    client = client_for(world, ADMIN, PAGE)
    broken = []
    for route in ADMIN_ROUTES:
        if route.name in ("admin:logout", None) and not _admin_model(route):
            continue
        url = _admin_url(world, route)
        status = client.get(url).status_code
        if status >= 500 or status in (401,):
            broken.append(f"{url} {status}")
    assert not broken, broken


VIEW_ONLY = ["kpi.LedgerEntry", "kpi.ReportRun", "kpi.SweepCursor", "tickets.WorkOrderTransition",
             "tickets.Callback", "contactcenter.Attachment"]  # an attachment is deleted from its object's page


@pytest.mark.parametrize("label", VIEW_ONLY)
def test_the_facts_are_view_only_in_the_admin_even_for_a_superuser(world, db, label):
    model = next(model for model in admin.site._registry if model._meta.label == label)
    opts = model._meta
    obj = model._default_manager.order_by("pk").first()
    client = client_for(world, ADMIN, PAGE)
    prefix = f"/admin/{opts.app_label}/{opts.model_name}"
    count = model._default_manager.count()
    assert client.get(f"{prefix}/").status_code == 200
    assert client.get(f"{prefix}/{obj.pk}/history/").status_code == 200
    shown = client.get(f"{prefix}/{obj.pk}/change/")
    assert shown.status_code == 200
    assert b'name="_save"' not in shown.content  # a read-only view
    assert client.get(f"{prefix}/add/").status_code == 403
    assert client.post(f"{prefix}/add/", {}).status_code == 403
    assert client.post(f"{prefix}/{obj.pk}/change/", {}).status_code == 403
    assert client.get(f"{prefix}/{obj.pk}/delete/").status_code == 403
    assert client.post(f"{prefix}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"{prefix}/", {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert model._default_manager.count() == count
    assert model._default_manager.filter(pk=obj.pk).exists()


def test_a_ledger_entry_is_unchanged_after_the_superusers_attempts(world, db):
    entry = world.entry
    client = client_for(world, ADMIN, PAGE)
    client.post(f"/admin/kpi/ledgerentry/{entry.pk}/change/", {"amount": "0.01", "reason": "改"})
    fresh = LedgerEntry.objects.get(pk=entry.pk)
    assert (fresh.amount, fresh.reason) == (entry.amount, entry.reason)
