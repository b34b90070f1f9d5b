"""Two clients load the same order and fire a transition at once: one wins, the other gets 409,
and exactly one history row is written. Run against PostgreSQL (row locks, READ COMMITTED)."""

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from tests.actions import act
from tickets import services
from tickets.api.workorders import WorkOrderViewSet
from tickets.models import WorkOrder, WorkOrderTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_in_threads(*targets):
    results, errors = [None] * len(targets), []

    def wrap(index, target):
        try:
            results[index] = target()
        except Exception as exc:  # the test inspects what each side saw
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return results, errors


def _repair(people):
    return services.work_order_create(kind="repair", description="停电", caller_number="13900000009",
                                      actor=people.agent)


def test_two_clients_dispatch_at_once_over_http(people, org, monkeypatch):
    order = _repair(people)
    both_loaded = threading.Barrier(2, timeout=10)
    original = WorkOrderViewSet.get_object

    def get_object_then_wait(self):
        loaded = original(self)
        both_loaded.wait()  # both requests hold the order in state "accepted" before either saves
        return loaded

    monkeypatch.setattr(WorkOrderViewSet, "get_object", get_object_then_wait)

    def client_dispatching(user, department):
        def go():
            client = APIClient()
            client.force_authenticate(user)
            return client.post(f"/api/v1/work-orders/{order.pk}/transitions/dispatch/",
                               {"department": department.pk}, format="json")
        return go

    (first, second), _ = _run_in_threads(client_dispatching(people.agent, org.repair),
                                         client_dispatching(people.agent2, org.repair2))
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 409], (first.content, second.content)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] in ("concurrent_change", "transition_not_allowed")
    assert WorkOrderTransition.objects.filter(order=order, name="dispatch").count() == 1
    winner = first if first.status_code == 200 else second
    stored = WorkOrder.objects.get(pk=order.pk)
    assert stored.state == "dispatched"
    assert stored.department_id == winner.json()["department"]


def test_two_services_race_on_stale_instances(people, org):
    """The service level: both hold a stale instance; the database decides (no lock taken by the app)."""
    order = _repair(people)
    both_loaded = threading.Barrier(2, timeout=10)

    def fire(user, department):
        def go():
            mine = WorkOrder.objects.get(pk=order.pk)
            both_loaded.wait()
            return act(order=mine, name="dispatch", actor=user, params={"department": department})
        return go

    results, _ = _run_in_threads(fire(people.agent, org.repair), fire(people.agent2, org.repair2))
    successes = [r for r in results if isinstance(r, WorkOrder)]
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(successes) == 1 and len(failures) == 1, results
    assert type(failures[0]).__name__ == "ConcurrentTransition"
    assert WorkOrderTransition.objects.filter(order=order, name="dispatch").count() == 1
