"""The lists answer with a number of queries that does not grow with the rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpi.sweeps import sweep_deadlines
from tickets.services import call_log, work_order_create, work_order_transition


def _orders(people, org, n):
    for i in range(n):
        order = work_order_create(kind="complaint", description=f"投诉 {i}", caller_number=f"1390000{i:04d}",
                                  actor=people.agent)
        work_order_transition(order=order, name="forward", actor=people.agent)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/work-orders/", "/api/v1/calls/", "/api/v1/customers/",
                                 "/api/v1/kpi/entries/"])
def test_list_queries_do_not_grow_with_rows(api, people, org, url):
    client = api(people.supervisor)

    def grow(n):
        _orders(people, org, n)
        for i in range(n):
            call_log(caller_number=f"1380000{i:04d}", ring_started_at=timezone.now(), answered_at=None,
                     ended_at=None, agent=people.agent, logged_by=people.agent)
        sweep_deadlines()  # the abandoned calls become ledger entries

    grow(1)
    _queries(client, url)  # warm-up: the user's permission cache fills on the first request
    few = _queries(client, url)
    grow(12)
    assert _queries(client, url) == few
