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


def test_a_refusal_is_logged_in_one_line_without_a_traceback(people, caplog):
    """A 403 is a user reaching for a page their role does not have, not a fault: the log says so in one line
    (Django logs each with the exception's whole traceback); a 500 keeps its traceback."""
    import logging

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert page(people.agent).get("/kpi/audit/").status_code == 403
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert len(refusals) == 1 and refusals[0].levelname == "WARNING" and "/kpi/audit/" in refusals[0].getMessage()
    assert refusals[0].exc_info is None and not refusals[0].exc_text

    from contactcenter.logs import ClientErrorsInOneLine

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        fault = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x/", (),
                                  sys.exc_info())
    fault.status_code = 500
    assert ClientErrorsInOneLine().filter(fault) and fault.exc_info is not None
