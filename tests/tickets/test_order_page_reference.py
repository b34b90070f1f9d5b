"""The order page's reference data — the departments a crew is dispatched to with their active members, the standard
phrases beside a text to the customer — comes from the cache (tickets.reference) once read, as the units and the SLA
policies do: its load reads no department, no user but the session's own check, no phrase. A change through the ORM
(the admin) shows on the next load."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tickets.models import StandardPhrase
from tickets.services import work_order_create

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
    # the user: only the session's check of the signed-in user's password (never cached: a secret)
    users = [s for s in sqls if 'FROM "tickets_user"' in s]
    assert len(users) == 1 and '"tickets_user"."password"' in users[0], users
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
