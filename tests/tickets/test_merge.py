"""Merging duplicates 合并 (issue 18, item 4): a lead or supervisor merges an order into the one it repeats; the
target keeps its number and owner, the duplicate is closed as ``merged`` with a link, its calls become the target's
urges, history on both; the duplicate's deadlines are no longer judged. Undone within MERGE_UNDO_MINUTES (back to
its state, judged again, the urges taken off the target); after that, 409. Penalties already posted stay."""

import datetime as dt

import pytest

from kpi.models import LedgerEntry
from tests.actions import act
from tests.clients import page
from tests.kpi import conftest as kpi
from tests.kpi.conftest import at, entries
from tickets.models import State, WorkOrder
from tickets.services import call_log, work_order_create

pytestmark = pytest.mark.django_db

hotline, seeded_rules = kpi.hotline, kpi.seeded_rules  # the kpi tests' center on a frozen clock



@pytest.fixture
def pair(people, customer):
    """张三's repair, then a duplicate another agent accepted on a second call, which was urged once more."""
    now = dt.datetime.now(dt.UTC)
    first_call = call_log(caller_number=customer.phone, ring_started_at=now - dt.timedelta(seconds=5),
                          answered_at=now, ended_at=None, agent=people.agent, logged_by=people.telephony)
    target = work_order_create(kind="repair", description="家里停电", caller_number=customer.phone, customer=customer,
                               actor=people.agent, call=first_call)
    second_call = call_log(caller_number=customer.phone, ring_started_at=now - dt.timedelta(seconds=3),
                           answered_at=now, ended_at=None, agent=people.agent2, logged_by=people.telephony)
    duplicate = work_order_create(kind="repair", description="还是停电", caller_number=customer.phone,
                                  customer=customer, actor=people.agent2, call=second_call)
    third_call = call_log(caller_number=customer.phone, ring_started_at=now - dt.timedelta(seconds=1),
                          answered_at=now, ended_at=None, agent=people.agent2, logged_by=people.telephony)
    duplicate = act(order=duplicate, name="urge", actor=people.agent2, call=third_call)
    return target, duplicate, (first_call, second_call, third_call)


def test_a_lead_merges_a_duplicate_into_the_order_it_repeats(api, people, pair):
    target, duplicate, (_, second_call, third_call) = pair
    response = api(people.lead).post(f"/api/v1/work-orders/{duplicate.pk}/transitions/merge/",
                                     {"into": target.pk, "note": "同一故障"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "merged"
    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into_id, duplicate.next_due_at) == (State.MERGED, target.pk, None)
    assert target.state == State.ACCEPTED and target.owner == people.agent  # keeps its number and owner
    assert target.urge_count == 2  # the duplicate's own call and its urge
    moved = list(target.history.filter(name="urge").order_by("pk"))
    assert [row.call for row in moved] == [second_call, third_call]
    assert all(duplicate.number in row.note for row in moved)
    merge = duplicate.history.get(name="merge")
    assert (merge.actor, merge.note, merge.data["into"]) == (people.lead, "同一故障", target.pk)


def test_the_order_page_offers_the_merge_and_shows_the_links(people, pair):
    target, duplicate, _ = pair
    body = page(people.lead).get(f"/orders/{duplicate.pk}/").content.decode()
    assert f'action="/orders/{duplicate.pk}/transitions/merge/"' in body
    assert f'<option value="{target.number}">' in body  # the candidate, as a choice
    response = page(people.lead).post(f"/orders/{duplicate.pk}/transitions/merge/", {"into": target.number.lower()})
    assert response.status_code == 302
    assert f'id="merged-into"><a href="/orders/{target.pk}/">{target.number}</a>' in page(people.lead).get(
        f"/orders/{duplicate.pk}/").content.decode()
    assert f'id="merged-orders"><a href="/orders/{duplicate.pk}/">{duplicate.number}</a>' in page(
        people.agent).get(f"/orders/{target.pk}/").content.decode()


def test_an_agent_may_not_merge(api, people, pair):
    target, duplicate, _ = pair
    response = api(people.agent).post(f"/api/v1/work-orders/{duplicate.pk}/transitions/merge/",
                                      {"into": target.pk}, format="json")
    assert response.status_code == 403
    assert WorkOrder.objects.get(pk=duplicate.pk).state == State.ACCEPTED
    assert "merge" not in [s.name for s in page(people.agent).get(f"/orders/{duplicate.pk}/").context["steps"]]


@pytest.mark.parametrize("into", ["self", "closed", "missing", "huge", "text"])
def test_a_bad_target_is_refused_and_nothing_changes(api, people, pair, into):
    target, duplicate, _ = pair
    closed = work_order_create(kind="consultation", description="电价", caller_number="13700000001",
                               actor=people.agent, answer="按阶梯")
    value = {"self": duplicate.pk, "closed": closed.pk, "missing": 999999, "huge": 10**30, "text": "abc"}[into]
    response = api(people.lead).post(f"/api/v1/work-orders/{duplicate.pk}/transitions/merge/", {"into": value},
                                     format="json")
    assert response.status_code == (409 if into == "closed" else 400), response.content
    assert WorkOrder.objects.get(pk=duplicate.pk).state == State.ACCEPTED
    assert WorkOrder.objects.get(pk=target.pk).urge_count == 0


def test_undo_within_the_window_restores_both(api, people, pair, settings, time_machine):
    settings.MERGE_UNDO_MINUTES = 30
    target, duplicate, _ = pair
    due_before = duplicate.next_due_at
    act(order=duplicate, name="merge", actor=people.lead, params={"into": target})
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20), tick=False)
    response = api(people.supervisor).post(f"/api/v1/work-orders/{duplicate.pk}/transitions/unmerge/", {},
                                           format="json")
    assert response.status_code == 200, response.content
    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into_id, duplicate.urge_count) == (State.ACCEPTED, None, 1)
    assert duplicate.next_due_at == due_before  # judged again
    assert target.urge_count == 0
    assert list(target.history.values_list("name", flat=True).order_by("pk")) == ["create", "urge", "urge", "unmerge"]
    assert list(duplicate.history.values_list("name", flat=True).order_by("pk")) == [
        "create", "urge", "merge", "unmerge"]


def test_undo_after_the_window_is_a_409(api, people, pair, settings, time_machine):
    settings.MERGE_UNDO_MINUTES = 30
    target, duplicate, _ = pair
    act(order=duplicate, name="merge", actor=people.lead, params={"into": target})
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31), tick=False)
    response = api(people.lead).post(f"/api/v1/work-orders/{duplicate.pk}/transitions/unmerge/", {}, format="json")
    assert response.status_code == 409
    assert WorkOrder.objects.get(pk=duplicate.pk).state == State.MERGED


def test_undo_after_the_target_closed_is_a_409(api, people, org, pair):
    target, duplicate, _ = pair
    act(order=duplicate, name="merge", actor=people.lead, params={"into": target})
    act(order=target, name="cancel", actor=people.lead, params={"reason": "误报"})
    response = api(people.lead).post(f"/api/v1/work-orders/{duplicate.pk}/transitions/unmerge/", {}, format="json")
    assert response.status_code == 409
    assert WorkOrder.objects.get(pk=duplicate.pk).state == State.MERGED


# --- the merged order's deadlines ------------------------------------------------------------------------------


def test_a_merged_complaint_is_not_judged_and_is_judged_again_once_undone(hotline, org, people, settings):
    settings.MERGE_UNDO_MINUTES = 60 * 24 * 7
    accepted = at(2026, 5, 11, 9, 30)
    hotline.move_to(accepted)
    target = hotline.complaint_with(org.marketing)
    duplicate = hotline.complaint_with(org.marketing)
    hotline.move_to(accepted + dt.timedelta(hours=1))
    hotline.fire(duplicate, "merge", into=target.pk)
    hotline.move_to(at(2026, 5, 18, 9, 31))  # both past the 5-working-day reply limit
    hotline.sweep_twice()
    assert entries(target).count() == 1  # the target is judged
    assert not entries(duplicate).exists()
    hotline.fire(duplicate, "unmerge")  # within the (week-long) window: judged again, once
    hotline.sweep_twice()
    assert entries(duplicate).count() == 1
    posted = LedgerEntry.objects.count()
    hotline.fire(duplicate, "merge", into=target.pk)  # merged again: what is posted stays (append-only)
    hotline.sweep_twice()
    assert LedgerEntry.objects.count() == posted
