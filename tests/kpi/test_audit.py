"""The audit trail 审计日志 (issue 8, item 4): every change of penalty rules, SLA policies, phrases, the calendar,
users' roles and the roles' permissions, and every reversal — who, when, before → after — on /kpi/audit/ and
GET /api/v1/kpi/audit/ for supervisors and managers, read-only, never showing a password hash."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.utils import translation

from kpi import audit, services
from kpi.models import EntryKind, PenaltyRule
from tickets.models import CalendarDay, ForbiddenPhrase, SlaPolicy, StandardPhrase, User

from ..factories import UserFactory
from .conftest import at

pytestmark = pytest.mark.django_db

PAGE = "/kpi/audit/"
API = "/api/v1/kpi/audit/"
RULES = "/api/v1/kpi/rules/"
NOW = at(2026, 3, 10, 14, 30)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff(user) -> Client:
    user.is_staff = True
    user.save()
    return logged_in(user)


# The tests' clock stands in March 2026; the records the migrations wrote for the rows that existed before the
# audit trail carry the real time of the test database's creation: look at March unless told otherwise.
MARCH = {"since": at(2026, 3, 1), "until": at(2026, 4, 1)}
MARCH_PARAMS = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def events(**filters) -> list[audit.AuditEvent]:
    with translation.override("en"):
        return audit.audit_events(audit.audit_index(**{**MARCH, **filters})[:200])


def latest(kind: str, object_id: int) -> audit.AuditEvent:
    return next(e for e in events(kinds=[kind]) if e.object_id == object_id)


def change(event: audit.AuditEvent, field: str) -> audit.FieldChange:
    return next(c for c in event.changes if c.field == field)


def page_rows(client: Client, **params) -> list[str]:
    """The audit table's rows as text (tags stripped), in English."""
    response = client.get(PAGE, {**MARCH_PARAMS, **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    table = body[body.index('<table id="audit">'):body.index("</table>")]
    rows = re.findall(r"<tr class=\"audit-.*?</tr>", table, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def row_of(rows: list[str], *parts: str) -> str:
    found = [row for row in rows if all(part in row for part in parts)]
    assert found, f"no row with {parts} in:\n" + "\n".join(rows[:20])
    return found[0]


# --- What is recorded: who, when, before → after -------------------------------------------------------------


def test_a_rule_amount_changed_over_the_api_records_the_supervisor_the_time_and_both_amounts(now, api, people):
    response = api(people.supervisor).patch(f"{RULES}complaint_reply_late/", {"amount": "30.00"}, format="json")
    assert response.status_code == 200, response.content

    rule = PenaltyRule.objects.get(code="complaint_reply_late")
    *_, before, record = rule.history.order_by("history_id")
    assert (record.history_type, record.history_user, record.history_date) == ("~", people.supervisor, NOW)
    assert (before.amount, record.amount) == (Decimal("20.00"), Decimal("30.00"))

    event = latest("rule", rule.pk)
    assert (event.actor, event.at, event.action) == (people.supervisor, NOW, audit.AuditAction.CHANGED)
    assert [(c.old, c.new) for c in event.changes] == [("20.00", "30.00")]  # only what changed

    row = row_of(page_rows(logged_in(people.supervisor)), "complaint_reply_late", "Changed")
    assert "2026-03-10 14:30:00" in row and "supervisor" in row and "Amount (yuan) : 20.00 → 30.00" in row


def test_switching_a_rule_off_and_its_threshold(now, api, people):
    client = api(people.supervisor)
    assert client.patch(f"{RULES}ring_over_3/", {"enabled": False, "threshold": 12}, format="json").status_code == 200

    event = latest("rule", PenaltyRule.objects.get(code="ring_over_3").pk)
    assert {c.field: (c.old, c.new) for c in event.changes} == {"Enabled": ("Yes", "No"), "Threshold": ("10", "12")}


def test_a_refused_change_records_nothing(now, api, people):
    rule = PenaltyRule.objects.get(code="ring_over_3")
    before = rule.history.count()
    assert api(people.agent).patch(f"{RULES}ring_over_3/", {"amount": "0"}, format="json").status_code == 403
    assert api(people.supervisor).patch(f"{RULES}ring_over_3/", {"amount": "-1"}, format="json").status_code == 400
    assert rule.history.count() == before


def test_an_sla_policy_changed_in_the_admin(now, people):
    policy = SlaPolicy.objects.get(order_kind="complaint", deadline="reply", area_type="", unit=None, active=True)
    form = {
        "order_kind": policy.order_kind, "deadline": policy.deadline, "area_type": "", "unit": "",
        "amount": policy.amount + 2, "measure": policy.measure, "sample_percent": policy.sample_percent,
        "scheme": policy.scheme, "active": "on", "source": policy.source,
    }
    response = staff(people.supervisor).post(f"/admin/tickets/slapolicy/{policy.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]

    event = latest("sla", policy.pk)
    assert (event.actor, event.at) == (people.supervisor, NOW)
    assert [(c.old, c.new) for c in event.changes] == [(str(policy.amount), str(policy.amount + 2))]
    # The admin's own "History" of the policy shows it too.
    history = staff(people.supervisor).get(f"/admin/tickets/slapolicy/{policy.pk}/history/").content.decode()
    assert "supervisor" in history and str(policy.amount + 2) in history


def test_phrases_added_changed_and_deleted_in_the_admin(now, people):
    client = staff(people.supervisor)
    phrase = ForbiddenPhrase.objects.get(text="你去投诉好了")
    response = client.post(f"/admin/tickets/forbiddenphrase/{phrase.pk}/change/", {
        "text": phrase.text, "active": "", "source": phrase.source, "note": "改说：我帮您登记", "allowed_in": "",
        "severity": phrase.severity, "kinds": "", "texts": "",
    })
    assert response.status_code == 302, response.content[:2000]
    response = client.post("/admin/tickets/standardphrase/add/", {
        "situation": "closing", "text": "感谢您的来电，再见！", "order": 99, "active": "on", "source": "",
    })
    assert response.status_code == 302
    added = StandardPhrase.objects.get(text="感谢您的来电，再见！")
    assert client.post(f"/admin/tickets/standardphrase/{added.pk}/delete/", {"post": "yes"}).status_code == 302

    changed = latest("phrase", phrase.pk)
    assert changed.actor == people.supervisor and changed.action == audit.AuditAction.CHANGED
    assert {c.new for c in changed.changes} == {"No", "改说：我帮您登记"}
    standard = [e for e in events(kinds=["phrase"]) if e.object_label == "感谢您的来电，再见！"]
    assert [e.action for e in standard] == [audit.AuditAction.DELETED, audit.AuditAction.CREATED]
    assert all(e.actor == people.supervisor for e in standard)
    assert "感谢您的来电，再见！" in change(standard[0], "Text").old  # what was deleted


def test_a_calendar_exception_added_in_the_admin(now, root):
    response = logged_in(root).post("/admin/tickets/calendarday/add/", {
        "date": "2026-03-16", "is_working_day": "", "name": "临时调休",
    })
    assert response.status_code == 302, response.content[:2000]
    event = latest("calendar", CalendarDay.objects.get(date="2026-03-16").pk)
    assert (event.actor, event.action) == (root, audit.AuditAction.CREATED)
    assert ("—", "2026-03-16") in [(c.old, c.new) for c in event.changes]


def test_a_users_roles_changed_in_the_admin(now, people, org, root):
    user = people.agent
    form = {
        "username": user.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "groups": [Group.objects.get(name="agent").pk, Group.objects.get(name="shift_lead").pk],
        "date_joined_0": "2026-03-01", "date_joined_1": "09:00:00", "unit": org.center.pk, "department": "",
        "seat": user.seat,
    }
    response = logged_in(root).post(f"/admin/tickets/user/{user.pk}/change/", form)
    assert response.status_code == 302, response.content[:3000]
    assert set(user.groups.values_list("name", flat=True)) == {"agent", "shift_lead"}

    roles = [e for e in events(kinds=["user"], actor=root) if e.object_id == user.pk]
    added = [c for e in roles for c in e.changes if c.added]
    assert [(c.field, c.added, c.removed) for c in added] == [("Groups", ["Shift lead"], [])]
    assert (added[0].old, added[0].new) == ("Agent", "Agent, Shift lead")

    row = row_of(page_rows(logged_in(people.supervisor), kind="user"), "User agent", "root", "+ Shift lead")
    assert "2026-03-10 14:30:00" in row


def test_roles_changed_outside_a_request_record_no_user_from_either_side(now, people):
    lead = Group.objects.get(name="shift_lead")
    people.agent.groups.add(lead)  # e.g. a management command
    lead.user_set.remove(people.agent)  # the other side of the relation: still the agent's roles

    changes = [(e.actor, c.added, c.removed) for e in events(kinds=["user"]) if e.object_id == people.agent.pk
               for c in e.changes if c.added or c.removed][:2]
    assert changes == [(None, [], ["Shift lead"]), (None, ["Shift lead"], [])]  # newest first
    assert not people.agent.groups.filter(name="shift_lead").exists()


def test_a_roles_permissions_changed_in_the_admin(now, root):
    agent = Group.objects.get(name="agent")
    kept = agent.permissions.exclude(codename="view_penaltyrule")
    extra = Permission.objects.get(codename="view_slapolicy")
    response = logged_in(root).post(f"/admin/auth/group/{agent.pk}/change/", {
        "name": "agent", "permissions": [p.pk for p in kept] + [extra.pk],
    })
    assert response.status_code == 302, response.content[:2000]

    # The form sets the permissions: one removal, then one addition, each with before → after.
    added, removed = [e for e in events(kinds=["role"], actor=root)]
    assert {(e.object_label, e.at, e.action) for e in (added, removed)} == {("Agent", NOW, audit.AuditAction.CHANGED)}
    assert [(c.field, c.added, c.removed) for c in removed.changes] == [("Permissions", [], ["kpi.view_penaltyrule"])]
    assert [(c.field, c.added, c.removed) for c in added.changes] == [("Permissions", ["tickets.view_slapolicy"], [])]
    assert "kpi.view_penaltyrule" in removed.changes[0].old and "tickets.view_slapolicy" in added.changes[0].new


def test_a_reversal_is_in_the_trail_with_the_entry_it_reverses(now, people):
    entry = services.entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead,
                                       agent=people.agent, reason="值班长检查发现")
    reversal = services.entry_reverse(entry=entry, actor=people.supervisor, reason="申诉成立")
    assert reversal.kind == EntryKind.REVERSAL

    [event] = events(kinds=["reversal"])
    assert (event.actor, event.at, event.action, event.reason) == (
        people.supervisor, NOW, audit.AuditAction.REVERSED, "申诉成立")
    assert [(c.old, c.new) for c in event.changes] == [
        (f"entry #{entry.pk} amount 200.00", f"reversed by #{reversal.pk} (-200.00)"),
    ]
    row = row_of(page_rows(logged_in(people.supervisor)), "Reversed")
    assert f"entry #{entry.pk} amount 200.00 → reversed by #{reversal.pk} (-200.00)" in row
    assert "supervisor" in row and "申诉成立" in row and "intranet_violation" in row


def test_the_rows_before_the_audit_trail_have_their_starting_state(people):
    """The migrations wrote one "+" record for every rule, policy, phrase, … that existed before."""
    rule = PenaltyRule.objects.get(code="ring_over_3")
    [record] = rule.history.all()
    assert (record.history_type, record.history_change_reason, record.history_user) == ("+", "audit_backfill", None)
    assert SlaPolicy.history.filter(history_change_reason="audit_backfill").count() == SlaPolicy.objects.count()
    event = next(e for e in events(kinds=["rule"], since=None, until=None) if e.object_id == rule.pk)
    assert event.reason == "State when the audit trail began"
    assert ("—", "20.00") in [(c.old, c.new) for c in event.changes]


def test_a_login_records_nothing(people):
    before = people.agent.history.count()
    client = Client()
    assert client.post("/accounts/login/", {"username": "agent", "password": "pw-for-tests-1"}).status_code == 302
    people.agent.refresh_from_db()
    assert people.agent.last_login is not None
    assert people.agent.history.count() == before


# --- Filters and pages ----------------------------------------------------------------------------------------


@pytest.fixture
def three_days(api, people, time_machine):
    """A rule changed on the 2nd by the supervisor, a policy on the 3rd by root, a role on the 4th by nobody."""
    time_machine.move_to(at(2026, 3, 2, 23, 59), tick=False)  # late evening in Shanghai, 15:59 UTC
    api(people.supervisor).patch(f"{RULES}ring_over_3/", {"amount": "25.00"}, format="json")
    time_machine.move_to(at(2026, 3, 3, 9, 0), tick=False)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    policy = SlaPolicy.objects.filter(active=True).first()
    policy.amount += 1
    policy._history_user = root
    policy.save()
    time_machine.move_to(at(2026, 3, 4, 9, 0), tick=False)
    Group.objects.get(name="manager").permissions.remove(Permission.objects.get(codename="view_call"))
    return root


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "rule"}, {"ring_over_3"}),
    ({"kind": "sla"}, {"sla"}),
    ({"user": "supervisor"}, {"ring_over_3"}),
    ({"user": "root", "date_from": "", "date_to": ""}, {"sla"}),
    ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, {"ring_over_3"}),  # 23:59 local is still the 2nd
    ({"date_from": "2026-03-03", "date_to": "2026-03-04", "kind": "role"}, {"manager"}),
    ({"date_from": "2026-03-03", "date_to": "2026-03-31"}, {"sla", "manager", "root"}),  # root was made on the 3rd
    ({"date_from": "2026-03-05", "date_to": "2026-03-31"}, set()),
])
def test_filters(three_days, people, api, params, expected):
    def names(items):
        found = set()
        for item in items:
            kind, label = item["kind"], item["object"]
            found.add("sla" if kind == "sla" else "manager" if kind == "role" else label.split(" ")[0]
                      if kind == "rule" else label)
        return found

    body = api(people.supervisor).get(API, {**MARCH_PARAMS, **params}).json()
    assert names(body["results"]) == expected, body
    rows = page_rows(logged_in(people.manager), **params)
    assert len(rows) == body["count"]


@pytest.mark.parametrize("params", [
    {"kind": "bonus"}, {"user": "nobody"}, {"date_from": "2026-13-01"}, {"date_from": "0001-01-01"},
    {"date_from": "2026-03-05", "date_to": "2026-03-04"},
])
def test_a_bad_filter_is_400_on_the_page_and_the_api(people, api, params):
    response = logged_in(people.supervisor).get(PAGE, params)
    assert response.status_code == 400
    assert b"errorlist" in response.content
    response = api(people.supervisor).get(API, params)
    assert response.status_code == 400 and response.json()


def test_the_page_is_paginated_newest_first_with_few_queries(now, people, django_assert_max_num_queries):
    lead = Group.objects.get(name="shift_lead")
    users = [UserFactory(username=f"temp{n}") for n in range(30)]
    for user in users:
        user.groups.add(lead)  # 30 role changes, plus each account's creation: more than a page
    client = logged_in(people.supervisor)
    with django_assert_max_num_queries(25):
        first = page_rows(client, kind="user")
    assert len(first) == 50
    second = page_rows(client, kind="user", page=2)
    assert second and not set(first) & set(second)
    assert "User temp29" in first[0] and "+ Shift lead" in first[0]


# --- Who may look; nothing can be changed; no password hash -------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "lead", "repair"])
def test_agents_leads_and_department_handlers_are_refused(people, api, who):
    user = getattr(people, who)
    assert logged_in(user).get(PAGE).status_code == 403
    assert api(user).get(API).status_code == 403
    assert b'href="/kpi/audit/"' not in logged_in(user).get("/").content


def test_anonymous_is_sent_to_login(client, db, api):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert api(None).get(API).status_code in (401, 403)


@pytest.mark.parametrize("who", ["supervisor", "manager"])
def test_supervisors_and_managers_see_it_with_the_nav_link(people, api, who):
    user = getattr(people, who)
    response = logged_in(user).get(PAGE)
    assert response.status_code == 200
    assert b'href="/kpi/audit/"' in response.content
    assert api(user).get(API).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_trail_cannot_be_written(now, people, api, method):
    api(people.supervisor).patch(f"{RULES}ring_over_3/", {"amount": "30.00"}, format="json")
    records = list(PenaltyRule.history.values())
    assert getattr(logged_in(people.supervisor), method)(PAGE).status_code == 405
    assert getattr(api(people.supervisor), method)(API, {"amount": "1"}, format="json").status_code == 405
    assert list(PenaltyRule.history.values()) == records


def test_the_history_tables_have_no_admin_of_their_own(root):
    client = logged_in(root)
    for table in ("kpi/historicalpenaltyrule", "tickets/historicaluser", "tickets/historicalgroup"):
        assert client.get(f"/admin/{table}/").status_code == 404


def test_no_password_hash_anywhere_in_the_trail(now, people, api, root):
    user = people.agent
    user.set_password("a-new-secret-9")
    user.save()
    user.groups.add(Group.objects.get(name="shift_lead"))
    hashes = [h for h in User.objects.values_list("password", flat=True) if h]
    assert all(h.count("$") >= 2 for h in hashes)

    page = logged_in(people.supervisor).get(PAGE, {"kind": "user"}).content.decode()
    body = api(people.supervisor).get(API, {"kind": "user", "page_size": 200}).content.decode()
    admin_history = logged_in(root).get(f"/admin/tickets/user/{user.pk}/history/")
    assert admin_history.status_code == 200 and "shift_lead" in admin_history.content.decode()  # the group added
    for secret in hashes:
        for text in (page, body, admin_history.content.decode()):
            assert secret not in text and secret.rsplit("$", 1)[-1] not in text
    history_columns = {c.name for c in connection.introspection.get_table_description(
        connection.cursor(), User.history.model._meta.db_table)}
    assert "password" not in history_columns and "last_login" not in history_columns


def test_the_api_json(now, api, people):
    api(people.supervisor).patch(f"{RULES}complaint_reply_late/", {"amount": "30.00"}, format="json")
    body = api(people.manager).get(API, {"kind": "rule", "date_from": "2026-03-10", "date_to": "2026-03-10"}).json()
    assert body["count"] == 1
    [item] = body["results"]
    assert item == {
        "at": "2026-03-10T14:30:00+08:00", "actor": "supervisor", "kind": "rule", "action": "changed",
        "object_type": item["object_type"], "object_id": PenaltyRule.objects.get(code="complaint_reply_late").pk,
        "object": item["object"], "reason": "",
        "changes": [{"field": item["changes"][0]["field"], "old": "20.00", "new": "30.00", "added": [],
                     "removed": []}],
    }
    assert item["object"].startswith("complaint_reply_late")
