"""Idempotent writes (issue 19, 5): a POST sent again with the same ``Idempotency-Key`` and body within
``IDEMPOTENCY_HOURS`` gets the first answer, never a second order; the same key with another body → 422; two
copies at once (a double click) make one order (PostgreSQL, two threads); a key is the user's own."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from contactcenter import idempotency
from contactcenter.models import IdempotencyKey
from contactcenter.tasks import forget_idempotency_keys
from tickets.models import WorkOrder

ORDERS = "/api/v1/work-orders/"
BODY = {"kind": "repair", "description": "家中停电", "caller_number": "13900000001"}


def client_of(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_two_creates_with_the_same_key_make_one_order(people):
    agent = client_of(people.agent)

    first = agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="call-20261207-0001")
    again = agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="call-20261207-0001")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert WorkOrder.objects.count() == 1
    other = agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="call-20261207-0002")
    assert other.status_code == 201 and WorkOrder.objects.count() == 2
    assert agent.post(ORDERS, BODY, format="json").status_code == 201  # no key: every POST runs
    assert WorkOrder.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(people):
    agent = client_of(people.agent)
    agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = agent.post(ORDERS, {**BODY, "description": "另一件事"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db
def test_a_refusal_is_answered_again_too_and_a_key_is_the_users_own(people):
    agent, other = client_of(people.agent), client_of(people.agent2)
    bad = {**BODY, "kind": "outage"}
    assert agent.post(ORDERS, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 400
    again = agent.post(ORDERS, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"

    assert other.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201


@pytest.mark.django_db
def test_a_transition_sent_twice_with_its_key_fires_once(people):
    order = client_of(people.agent).post(ORDERS, {**BODY, "kind": "complaint"}, format="json").json()
    lead = client_of(people.lead)
    url = f"{ORDERS}{order['id']}/transitions/cancel/"
    body = {"reason": "重复"}

    first = lead.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = lead.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    unkeyed = lead.post(url, body, format="json")

    assert first.status_code == again.status_code == 200, first.content
    assert again.json()["state"] == first.json()["state"] == "cancelled"
    assert unkeyed.status_code == 409  # without the key the second cancel is refused: the order is cancelled


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "键", "a\tb"])
def test_a_malformed_key_is_a_400(people, key):
    response = client_of(people.agent).post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert WorkOrder.objects.count() == 0


@pytest.mark.django_db
def test_a_key_is_kept_for_the_configured_hours_then_forgotten(people, settings, time_machine):
    agent = client_of(people.agent)
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    time_machine.move_to(timezone.now() + dt.timedelta(hours=settings.IDEMPOTENCY_HOURS - 1), tick=False)
    agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert WorkOrder.objects.count() == 1

    time_machine.move_to(timezone.now() + dt.timedelta(hours=2), tick=False)
    assert forget_idempotency_keys() == 1
    assert not IdempotencyKey.objects.exists()
    assert agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201
    assert WorkOrder.objects.count() == 2


@pytest.mark.django_db
def test_a_copy_arriving_while_the_first_runs_is_a_409(people):
    digest = idempotency.fingerprint("POST", ORDERS, b"{}")
    idempotency.claim(user=people.agent, key="k-4", digest=digest)  # the first, still running

    response = client_of(people.agent).post(ORDERS, "{}", content_type="application/json",
                                            HTTP_IDEMPOTENCY_KEY="k-4")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_makes_one_order(people):
    """Two copies sent at the same moment, each on its own connection: one order, the other copy refused (409)
    or answered with the first's answer."""
    barrier, answers = threading.Barrier(2), []

    def send():
        try:
            agent = client_of(people.agent)
            barrier.wait()
            answers.append(agent.post(ORDERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="double-click"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answer.status_code for answer in answers) in ([201, 201], [201, 409])
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db
def test_the_consoles_form_sent_twice_accepts_one_order(people):
    """The console's form carries a hidden key, new each time the page is drawn: a double click or a resent form
    is redirected to the order the first made."""
    page = Client()
    page.force_login(people.agent)
    html = page.get("/console/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)
    form = {"caller_number": "13900000001", "classification": "complaint", "description": "抄表员态度恶劣",
            "idempotency_key": key}

    first, again = page.post("/console/", form), page.post("/console/", form)

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] and "created=" in first["Location"]
    assert WorkOrder.objects.count() == 1
    assert page.post("/console/", {**form, "description": "另一件投诉"}).status_code == 302  # other values: a new form
    assert WorkOrder.objects.count() == 2
    fresh = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.get("/console/").content.decode())
    assert fresh.group(1) != key
