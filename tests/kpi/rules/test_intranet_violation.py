"""intranet_violation (seed 000 考核 3 "内网外联", 200 yuan, a manual rule): a lead or a supervisor posts it by hand
on an agent, with a reason; it takes the rule's amount. The manual-entry mechanics it is the example of elsewhere
(who may post, other amounts, bad input, the page) are tests/kpi/test_ledger_api.py and tests/kpi/test_ledger_pages.py.
"""

import pytest

from kpi.models import EntryKind, LedgerEntry

from ..conftest import at

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/kpi/entries/"
NOW = at(2026, 11, 20, 10, 0)


@pytest.fixture
def now(hotline):
    hotline.move_to(NOW)
    return NOW


@pytest.mark.parametrize("who", ["lead", "supervisor"])
def test_a_lead_posts_a_manual_entry_with_a_reason(now, api, people, who):
    response = api(getattr(people, who)).post(
        ENTRIES, {"rule": "intranet_violation", "agent": "agent", "reason": "内网电脑接入互联网"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rule"] == "intranet_violation" and body["agent"] == "agent" and body["department"] is None
    assert body["amount"] == "200.00"  # the rule's default (seed 000 考核 3)
    assert body["kind"] == EntryKind.MANUAL and body["reason"] == "内网电脑接入互联网"
    assert body["created_by"] == who and body["period"] == "2026-11" and body["reverses"] is None
    assert LedgerEntry.objects.get(pk=body["id"]).unit_id == people.agent.unit_id
