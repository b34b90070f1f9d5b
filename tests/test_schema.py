"""The OpenAPI schema is valid and documents the contract (design "Interfaces")."""

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory

CONTRACT_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/customers/",
    "/api/v1/customers/{id}/",
    "/api/v1/calls/",
    "/api/v1/work-orders/",
    "/api/v1/work-orders/{id}/",
    "/api/v1/work-orders/{id}/transitions/{name}/",
]


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    for path in CONTRACT_PATHS:
        assert path in schema["paths"], path


@pytest.mark.django_db
def test_the_schema_is_served_with_the_contract_paths():
    client = Client()
    client.force_login(UserFactory(username="integrator"))  # served to logged-in users and token holders only
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200, response.content[:200]
    schema = response.json()
    for path in CONTRACT_PATHS:
        assert path in schema["paths"], path
    transition = schema["paths"]["/api/v1/work-orders/{id}/transitions/{name}/"]["post"]
    assert {"200", "400", "403", "409"} <= set(transition["responses"])
    assert {p["name"] for p in transition["parameters"] if p["in"] == "path"} == {"id", "name"}
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "200" in token["responses"]


@pytest.mark.django_db
def test_the_schema_as_yaml_by_default():
    client = Client()
    client.force_login(UserFactory(username="integrator"))
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert "/api/v1/work-orders/{id}/transitions/{name}/" in yaml.safe_load(response.content)["paths"]


@pytest.mark.django_db
def test_the_interactive_docs_are_served_to_a_logged_in_user():
    client = Client()
    client.force_login(UserFactory(username="reader", role="agent"))

    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()
    # The start-up script comes from the page's own URL (no inline script: Content-Security-Policy).
    assert b'<script src="/api/v1/docs/?script="></script>' in response.content
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in script.content
