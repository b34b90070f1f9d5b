"""One complaint through its whole life over the API, as the people of the center would do it."""

import pytest


@pytest.mark.django_db
def test_complaint_life_over_the_api(api, people, org):
    agent = api(people.agent)
    created = agent.post("/api/v1/work-orders/", {"kind": "complaint", "description": "抄表员态度恶劣",
                                                  "caller_number": "139 0000 0002"}, format="json")
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["state"] == "accepted" and order["owner"] == "agent"
    assert order["available_transitions"] == ["cancel", "escalate", "forward", "urge"] or set(
        order["available_transitions"]) >= {"forward"}
    url = f"/api/v1/work-orders/{order['id']}/transitions"

    def fire(client, name, body=None, expected=200):
        response = client.post(f"{url}/{name}/", body or {}, format="json")
        assert response.status_code == expected, (name, response.content)
        return response.json()

    fire(agent, "forward")
    fire(api(people.supervision), "dispatch", {"department": org.marketing.pk, "handler": "marketing"})
    fire(api(people.marketing), "investigate", {"valid": True, "cause": "attitude", "responsible": "agent"})
    fire(agent, "reply", {"reply_text": "经核实，已对相关人员进行批评教育。"})
    body = fire(agent, "callback", {"reached": True, "satisfied": True, "attitude": "good", "quality": "good"})
    assert body["state"] == "called_back"
    body = fire(agent, "archive")
    assert body["state"] == "archived"
    assert body["owner"] == "agent"
    assert [h["name"] for h in body["history"]] == [
        "create", "forward", "dispatch", "investigate", "reply", "callback", "archive"]
