"""Translations are resolved per request (issue 17): after anyone used the English UI, a Chinese user sees no English
label — 200 sequential and 200 concurrent Chinese loads of the pages and the API, interleaved with English ones, each
show exactly the words the first Chinese load showed. Served by a real threaded server (live_server)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from contactcenter.tokens import issue_token
from tests.factories import PASSWORD

PAGES = ["/kpi/ledger/", "/kpi/ledger/new/", "/queue/", "/outages/", "/callbacks/", "/kpi/dashboard/",
         "/kpi/reports/", "/shifts/roster/", "/shifts/handovers/", "/outages/new/"]
WORD = re.compile(r">\s*([A-Za-z][A-Za-z ,'’-]{2,})\s*<")  # an English text node (a label, a button, a heading)


def _session(base: str, language: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(f"{base}/accounts/login/", data={
        "username": "supervisor", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"})
    assert response.status_code == 200 and "/accounts/login/" not in response.url, response.text[:500]
    session.cookies.set("django_language", language)
    return session


def _english_words(html: str) -> set[str]:
    return {match.strip() for match in WORD.findall(html)}


def _api_error(base: str, token: str, language: str) -> str:
    response = requests.post(f"{base}/api/v1/work-orders/", json={}, headers={
        "Authorization": f"Token {token}", "Accept-Language": language})
    assert response.status_code == 400
    return response.json()["kind"][0]


@pytest.mark.django_db(transaction=True)
def test_no_english_label_after_english_use(live_server, people, settings):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server speaks plain HTTP
    base = live_server.url
    chinese, english = _session(base, "zh-hans"), _session(base, "en")
    baseline = {page: _english_words(chinese.get(base + page).text) for page in PAGES}
    for page in PAGES:  # the English UI is used
        assert "KPI ledger" in english.get(f"{base}/kpi/ledger/").text
        english.get(base + page)
    token = issue_token(people.supervisor)[1]
    chinese_error = _api_error(base, token, "zh-hans")
    assert chinese_error != _api_error(base, token, "en")

    def chinese_load(n: int) -> tuple[str, set[str]]:
        page = PAGES[n % len(PAGES)]
        english.get(base + PAGES[(n + 3) % len(PAGES)])  # English keeps being used meanwhile
        return page, _english_words(chinese.get(base + page).text) - baseline[page]

    sequential = [chinese_load(n) for n in range(200)]
    with ThreadPoolExecutor(8) as pool:
        concurrent = list(pool.map(chinese_load, range(200)))
        errors = list(pool.map(lambda n: _api_error(base, token, "zh-hans" if n % 2 else "en"), range(40)))
    leaked = {(page, word) for page, words in sequential + concurrent for word in words}
    assert not leaked, f"English on Chinese pages after English use: {sorted(leaked)[:20]}"
    assert {error for n, error in enumerate(errors) if n % 2} == {chinese_error}
