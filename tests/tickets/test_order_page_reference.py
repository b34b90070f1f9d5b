"""The order page's reference data — the departments a crew is dispatched to with their active members, the standard
phrases beside a text to the customer — comes from the cache (tickets.reference) once read, as the units and the SLA
policies do: its load reads no department, no user but the session's own check, no phrase. A change through the ORM
(the admin) shows on the next load."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.actions import act
from tests.factories import UserFactory
from tickets.models import StandardPhrase
from tickets.services import work_order_create
from tickets.services.calls import call_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def repair(people):
    return work_order_create(kind="repair", description="家中停电", caller_number="13900000021", actor=people.agent)


def load(client, order) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/orders/{order.pk}/")
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def handler_options(page: str) -> list[str]:
    select = re.search(r'<select name="handler"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the dispatch form's handler list"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def department_options(page: str) -> list[str]:
    select = re.search(r'<select name="department"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the dispatch form's department list"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_the_second_load_reads_no_department_user_or_phrase(people, org, client, repair):
    client.force_login(people.agent)
    load(client, repair)  # the first load reads them and keeps them
    page, sqls = load(client, repair)
    assert [s for s in sqls if 'FROM "tickets_department"' in s or 'FROM "tickets_standardphrase"' in s] == [], sqls
    # no user either: the session is checked against the hash the cached user carries (contactcenter.auth)
    assert [s for s in sqls if 'FROM "tickets_user"' in s] == [], sqls
    assert "抢修一班 · " in page and "抢修二班 · " in page and "营销部" not in " ".join(department_options(page))
    assert "repair" in handler_options(page) and "repair2" in handler_options(page)
    assert "marketing" not in handler_options(page)  # a repair goes to a crew: only the crews' members


def test_changes_show_on_the_next_load(people, org, client, repair):
    old = StandardPhrase.objects.create(situation="wait", text="请您稍候，正在为您查询。", source="test")
    client.force_login(people.agent)
    page, _ = load(client, repair)
    assert "repair" in handler_options(page) and old.text in page

    people.repair.is_active = False  # as the admin saves it
    people.repair.save()
    UserFactory(username="newcrew", unit=org.city, department=org.repair2, role="department_handler")
    org.repair2.name = "抢修二班（夜）"
    org.repair2.save()
    added = StandardPhrase.objects.create(situation="wait", text="抢修人员正在赶往现场，请您耐心等待。", source="test")
    old.active = False
    old.save()

    page, _ = load(client, repair)
    assert "repair" not in handler_options(page) and "newcrew" in handler_options(page)
    assert "抢修二班（夜） · " in page
    assert added.text in page and old.text not in page


def forward_options(page: str) -> list[str]:
    select = re.search(r'<select name="department"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the forward form's list of supervision offices"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_a_complaints_forward_form_lists_the_supervision_offices_from_the_cache(people, org, client):
    complaint = work_order_create(kind="complaint", description="抢修人员态度差", caller_number="13900000022",
                                  actor=people.agent)
    client.force_login(people.agent)
    load(client, complaint)
    page, sqls = load(client, complaint)
    assert "forward" in page
    assert [s for s in sqls if 'FROM "tickets_department"' in s] == [], sqls
    offices = forward_options(page)
    assert "监察室 · 示范市供电公司" in offices and "抢修一班 · 示范市供电公司" not in offices

    org.supervision.name = "监察室（城区）"  # as the admin saves it: on the next load
    org.supervision.save()
    assert "监察室（城区） · 示范市供电公司" in forward_options(load(client, complaint)[0])


def test_the_urge_form_reads_the_customers_recent_calls_in_one_plain_query(people, org, client, repair):
    now = timezone.now()
    calls = [call_log(caller_number="13900000021", agent=people.agent, logged_by=people.agent,
                      ring_started_at=now - timedelta(minutes=minutes, seconds=5),
                      answered_at=now - timedelta(minutes=minutes), ended_at=now - timedelta(minutes=minutes - 2))
             for minutes in (30, 20, 10)]
    client.force_login(people.agent)
    page, sqls = load(client, repair)
    reads = [s for s in sqls if 'FROM "tickets_call"' in s]
    assert len(reads) == 1 and not any(s.lstrip().upper().startswith("DECLARE") for s in sqls), reads
    select = re.search(r'<select name="call"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the urge form's list of calls"
    assert re.findall(r'<option value="(\d+)"', select.group(1)) == [str(c.pk) for c in reversed(calls)]


def test_forms_without_errors_draw_no_empty_error_list_and_a_refused_one_shows_its_error(people, org, client, repair,
                                                                                           monkeypatch):
    """An empty error list costs a template render per field: the templates draw a field's errors only when it has
    some. A refused step still shows them in place."""
    from django.forms.utils import ErrorList

    drawn = []
    original = ErrorList.get_context  # what drawing an error list (str, HTML) reads first
    monkeypatch.setattr(ErrorList, "get_context", lambda self: drawn.append(list(self)) or original(self))
    client.force_login(people.agent)
    page, _ = load(client, repair)
    assert 'name="department"' in page and drawn == []

    response = client.post(f"/orders/{repair.pk}/transitions/dispatch/", {"step": "dispatch", "department": "999999"})
    assert response.status_code == 400 and drawn, drawn
    assert all(errors for errors in drawn)  # only lists with errors were drawn, and the refusal is shown


def test_one_orders_history_and_callbacks_are_read_on_its_id_with_the_order_in_hand(people, repair):
    """A single order's detail reads its history and its callbacks with one query each on the order's id, not
    through the prefetch machinery meant for lists (``WHERE order_id IN (…)``); each row's order is the one in hand."""
    from tickets import selectors

    with CaptureQueriesContext(connection) as captured:
        order = selectors.work_order_detail(people.agent, repair.pk)
    reads = [q["sql"] for q in captured.captured_queries
             if 'FROM "tickets_workordertransition"' in q["sql"] or 'FROM "tickets_callback"' in q["sql"]]
    assert len(reads) == 2 and all(f'"order_id" = {repair.pk}' in sql and " IN (" not in sql for sql in reads), reads
    with CaptureQueriesContext(connection) as captured:
        assert [row.order for row in order.detail_history] == [order] and order.detail_history[0].actor == people.agent
    assert captured.captured_queries == []


def test_the_people_on_an_order_page_come_from_the_cached_directory_and_a_rename_shows_next(people, org, client,
                                                                                               repair):
    """The owner, the handler, the history's actors and the callbacks' agents are shown from the users' directory
    kept in the cache (names, departments: no secret), not joined to every read of the order page; a user renamed
    through the ORM (the admin) shows under the new name on the next load."""
    act(order=repair, name="dispatch", actor=people.agent, params={"department": org.repair, "handler": people.repair})
    people.agent.last_name, people.agent.first_name = "王", "芳"
    people.agent.save()
    people.repair.last_name, people.repair.first_name = "李", "强"
    people.repair.save()
    client.force_login(people.agent)
    load(client, repair)
    page, sqls = load(client, repair)
    assert [s for s in sqls if '"tickets_user"' in s] == [], sqls
    assert "<dd>王芳</dd>" in page and " · 李强</dd>" in page  # the owner; the department's handler
    history = page[page.index("<tbody", page.index('id="history"')):]
    assert history.count("王芳") >= 2  # accepted and dispatched by the agent

    people.repair.last_name = "赵"  # as the admin saves it
    people.repair.save()
    page, _ = load(client, repair)
    assert " · 赵强</dd>" in page
