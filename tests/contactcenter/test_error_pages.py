"""Refusals and missing pages are the site's own pages, in the user's language, with the header to go on from (a
browser walk found Django's bare English "403 Forbidden"); the API keeps its JSON."""

import pytest

from tests.clients import page

pytestmark = pytest.mark.django_db


def test_a_403_page_is_in_chinese_inside_the_site(people):
    response = page(people.agent).get("/kpi/audit/")
    body = response.content.decode()
    assert response.status_code == 403
    assert 'id="error-403"' in body and "无权访问" in body and 'class="site-header"' in body
    assert "Forbidden" not in body


def test_a_404_page_offers_the_search(people):
    response = page(people.agent).get("/orders/99999999999999999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'id="error-404"' in body and "未找到" in body and 'action="/orders/search/"' in body


def test_the_api_still_answers_json(api, people):
    response = api(people.agent).get("/api/v1/kpi/rules/999999/")
    assert response.status_code in (403, 404) and response.json()["code"]
