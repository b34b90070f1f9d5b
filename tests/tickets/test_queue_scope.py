"""The queue works for every role (issue 18, item 2): its filter's defaults (全部 sends ``kind=``) answer 200, the
number matches by any part, a supervisor's and a lead's queue open on their scope (unit tree, shift), tabs for the
overdue and those due within the hour, and filters saved per user."""

import pytest

from tickets.models import SavedFilter

from ..factories import UnitFactory, UserFactory
from . import test_queue_pages as queue_pages
from .test_queue_pages import HOUR, QUEUE, START, fire, ids, new, page, text

# The queue pages' fixtures: the clock at Monday 09:00 (autouse there, here too), the 24-hour duty on now.
clock, duty = queue_pages.clock, queue_pages.duty

pytestmark = pytest.mark.django_db


def test_the_filter_defaults_answer_200_with_the_orders(people):
    order = new("complaint", people.agent)
    response = page(people.agent).get(QUEUE, {"tab": "mine", "kind": "", "state": "", "overdue": "", "phone": "",
                                              "number": ""})
    assert response.status_code == 200
    assert ids(response) == [order.pk]
    assert "选择一个有效的选项" not in text(response)


def test_a_real_bad_value_is_still_a_400(people):
    assert page(people.agent).get(QUEUE, {"kind": "volcano"}).status_code == 400


def test_the_number_matches_by_any_part(people):
    order = new("complaint", people.agent)
    other = new("repair", people.agent)
    assert ids(page(people.agent).get(QUEUE, {"number": order.number[-9:].lower()})) == [order.pk]
    assert sorted(ids(page(people.agent).get(QUEUE, {"number": order.number[2:10]}))) == sorted([order.pk, other.pk])


def test_a_supervisors_queue_opens_on_the_open_orders_of_their_unit_tree(people, org):
    branch = UnitFactory(code="branch", name="分中心", parent=org.center)
    elsewhere = UnitFactory(code="elsewhere", name="另一个公司")
    branch_agent = UserFactory(username="branch-agent", unit=branch, role="agent")
    outsider = UserFactory(username="outsider", unit=elsewhere, role="agent")
    here = new("complaint", people.agent)
    below = new("repair", branch_agent)
    away = new("repair", outsider)
    response = page(people.supervisor).get(QUEUE)
    assert response.status_code == 200
    assert 'id="tab-unit"' in text(response) and 'aria-current="page">我单位的' in text(response)
    assert sorted(ids(response)) == sorted([here.pk, below.pk])
    assert away.pk not in ids(response)
    # an agent has no unit tab (it falls back to their own orders)
    agent = page(people.agent).get(QUEUE, {"tab": "unit"})
    assert 'id="tab-unit"' not in text(agent) and ids(agent) == [here.pk]


def test_a_leads_queue_opens_on_the_shift(people, org, duty):
    colleague = new("repair", people.agent2)
    response = page(people.lead).get(QUEUE)
    assert 'aria-current="page">本班次' in text(response)
    assert colleague.pk in ids(response)


def test_the_overdue_and_due_soon_tabs(people, org, clock):
    repair = new("repair", people.agent)
    fire(repair, "dispatch", people.agent, department=org.repair.pk)  # arrival due within 45 minutes
    later = new("complaint", people.agent)  # reply due in 5 working days
    assert ids(page(people.agent).get(QUEUE, {"due": "soon"})) == [repair.pk]
    assert ids(page(people.agent).get(QUEUE, {"due": "overdue"})) == []
    clock.move_to(START + HOUR, tick=False)
    assert ids(page(people.agent).get(QUEUE, {"due": "overdue"})) == [repair.pk]
    assert ids(page(people.agent).get(QUEUE, {"due": "soon"})) == []
    assert sorted(ids(page(people.agent).get(QUEUE))) == sorted([repair.pk, later.pk])
    assert page(people.agent).get(QUEUE, {"due": "whenever"}).status_code == 200  # an unknown tab: all


def test_saved_filters_are_per_user(people):
    complaint = new("complaint", people.agent)
    new("repair", people.agent)
    client = page(people.agent)
    assert "我的投诉" not in text(client.get(QUEUE))  # the page's list is read (and kept) before the save
    response = client.post("/filters/", {"page": "queue", "name": "我的投诉",
                                         "query": "tab=mine&kind=complaint&page=3&kind=&evil=1"})
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=people.agent)
    assert saved.query == "kind=complaint&tab=mine"  # known filters only, no page, no blanks
    listed = client.get(QUEUE)
    assert 'href="?kind=complaint&amp;tab=mine">我的投诉</a>' in text(listed)
    assert ids(client.get(QUEUE + "?" + saved.query)) == [complaint.pk]
    assert "我的投诉" not in text(page(people.agent2).get(QUEUE))  # another user's
    # saving again under the same name replaces it; another user cannot delete it
    client.post("/filters/", {"page": "queue", "name": "我的投诉", "query": "kind=repair"})
    assert SavedFilter.objects.get(user=people.agent).query == "kind=repair"
    assert 'href="?kind=repair">我的投诉</a>' in text(client.get(QUEUE))  # the list shows the change at once
    assert page(people.agent2).post(f"/filters/{saved.pk}/delete/").status_code == 302
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    assert client.post(f"/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()
    assert "我的投诉" not in text(client.get(QUEUE))


@pytest.mark.parametrize("form", [{"page": "queue", "name": ""}, {"page": "queue", "name": "x" * 61},
                                  {"page": "nowhere", "name": "a"}, {"page": "queue", "name": "a",
                                                                     "query": "kind=" + "a" * 5000}])
def test_a_bad_saved_filter_is_refused_with_a_message(people, form):
    response = page(people.agent).post("/filters/", form, follow=True)
    assert response.status_code in (200, 400)
    assert 'class="error"' in text(response)
    assert not SavedFilter.objects.exists()


def test_deleting_a_huge_id_is_a_404(people):
    assert page(people.agent).post("/filters/99999999999999999999/delete/").status_code == 404



def test_the_tabs_are_written_once_and_nothing_stray_around_them(people):
    body = text(page(people.agent).get(QUEUE))
    assert body.count(">本班次</a>") == 1 and body.count(">我的</a>") == 1
    between = body[body.index('aria-label="期限"') if 'aria-label="期限"' in body else body.index("due-soon"):
                   body.index('id="queue-filters"')]
    assert between.count("本班次") == 0
