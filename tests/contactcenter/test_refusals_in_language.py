"""A service's refusal reaches the user in the user's language: the services raise their domain errors with
translated messages, so the API's ``detail`` (and the pages' form errors) are Chinese in the Chinese UI (the
default) and English in the English one, while the ``code`` and the other keys clients rely on stay the same."""

import re

import pytest

from tickets.services import work_order_create

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def repair(people):
    return work_order_create(kind="repair", description="家里停电", caller_number="13600000009", actor=people.agent)


def dispatch_to_marketing(api, people, org, repair, **headers):
    """A repair sent to the marketing department, not a repair crew: the service refuses it (400)."""
    return api(people.agent).post(f"/api/v1/work-orders/{repair.pk}/transitions/dispatch/",
                                  {"department": org.marketing.pk}, format="json", **headers)


def unknown_step(api, people, repair, **headers):
    """A transition the repair's machine does not have: the state machine refuses it (409)."""
    return api(people.agent).post(f"/api/v1/work-orders/{repair.pk}/transitions/fly/", {}, format="json", **headers)


def test_a_refusal_is_in_chinese_by_default(api, people, org, repair):
    refused = dispatch_to_marketing(api, people, org, repair)
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert (body["code"], body["field"]) == ("invalid", "department")
    assert CHINESE.search(body["detail"]) and "repair crew" not in body["detail"], body

    conflict = unknown_step(api, people, repair)
    assert conflict.status_code == 409, conflict.content
    body = conflict.json()
    assert body["code"] == "unknown_transition" and "dispatch" in body["transitions"]
    assert CHINESE.search(body["detail"]) and "fly" in body["detail"], body


def test_the_same_refusal_is_in_english_for_an_english_user(api, people, org, repair):
    refused = dispatch_to_marketing(api, people, org, repair, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert (body["code"], body["field"]) == ("invalid", "department")
    assert body["detail"] == "A repair is dispatched to a repair crew", body

    conflict = unknown_step(api, people, repair, HTTP_ACCEPT_LANGUAGE="en")
    assert conflict.status_code == 409, conflict.content
    body = conflict.json()
    assert body["code"] == "unknown_transition"
    assert not CHINESE.search(body["detail"]) and "fly" in body["detail"], body
