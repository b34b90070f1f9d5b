"""``?ordering=`` sorts by the fields an endpoint lists, nothing else (issue 19, 7): sorting customers or calls by
a masked phone number would walk its hidden digits (139****0001) one comparison at a time."""

import pytest
from rest_framework.test import APIClient

from ..factories import CustomerFactory


@pytest.fixture
def agent(people):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(people.agent)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/v1/customers/?ordering=phone", "/api/v1/customers/?ordering=-phone", "/api/v1/customers/?ordering=name,phone",
    "/api/v1/calls/?ordering=caller_number", "/api/v1/calls/?ordering=-caller_number",
    "/api/v1/work-orders/?ordering=caller_number", "/api/v1/work-orders/?ordering=customer__phone",
    "/api/v1/units/?ordering=name", "/api/v1/phrases/standard/?ordering=text",
])
def test_sorting_by_a_field_the_endpoint_does_not_list_is_a_400_naming_the_allowed_ones(agent, url):
    response = agent.get(url)

    assert response.status_code == 400, response.content[:300]
    assert "sort by one of" in response.content.decode()


@pytest.mark.django_db
def test_customers_sort_by_the_listed_fields(agent):
    for name in ("乙", "甲", "丙"):
        CustomerFactory(name=name)

    response = agent.get("/api/v1/customers/?ordering=-name")

    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == sorted(names, reverse=True) and len(names) == 3
