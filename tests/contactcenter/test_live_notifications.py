"""Notifications pushed (issue 20): the live service tells each open page of its user's new notifications at once —
an order dispatched to my department, a ledger entry charged to me — and nobody else's; a page that reconnects
with its last notification id gets what came meanwhile; the telephony system (no pages) gets no socket."""

import json
import time

import pytest
from websockets.exceptions import InvalidStatus

from contactcenter.models import Notification
from kpi.models import PenaltyRule
from kpi.services import entry_post_manual
from tests.actions import act
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db(transaction=True)
PATH = "/ws/notifications/"


def receive(ws, timeout: float = 3.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def dispatched(people, customer, org):
    order = work_order_create(kind="repair", description="停电", caller_number=customer.phone, customer=customer,
                              actor=people.agent)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    return order


def test_a_dispatch_is_pushed_to_the_crews_open_pages_only(live_service, people, customer, org):
    with live_service.socket(people.repair, "?lang=zh-hans", path=PATH) as mine, \
            live_service.socket(people.repair2, "?lang=en", path=PATH) as theirs:
        assert receive(mine) == {"type": "notifications", "unread": 0, "items": [], "fresh": False, "cursor": None,
                                 "browser": True, "sound": True}
        assert receive(theirs)["unread"] == 0
        time.sleep(0.2)
        started = time.monotonic()
        order = dispatched(people, customer, org)
        pushed = receive(mine)
        assert time.monotonic() - started < 2
        assert pushed["fresh"] is True and pushed["unread"] == 1
        [item] = pushed["items"]
        assert item["text"] == f"工单 {order.number} 已派至本部门"
        assert item["url"] == f"/orders/{order.pk}/" and item["read"] is False
        with pytest.raises(TimeoutError):
            theirs.recv(timeout=1.5)


def test_a_reconnect_gets_what_came_meanwhile_in_its_language(live_service, people, customer, org):
    with live_service.socket(people.agent, "?lang=en", path=PATH) as ws:
        receive(ws)
    rule = PenaltyRule.objects.filter(manual=True, charged_to="agent").first() or PenaltyRule.objects.create(
        code="intranet_violation", name_zh="内网违规", name_en="Intranet violation", amount=200, charged_to="agent",
        manual=True)  # a transactional test's database has no seeded rules
    entry_post_manual(rule=rule, agent=people.agent, reason="内网违规", actor=people.lead)
    with live_service.socket(people.agent, "?lang=en&after=0", path=PATH) as ws:
        opening = receive(ws)
    assert opening["unread"] == 1
    [item] = opening["items"]
    assert item["text"].startswith(f"Ledger entry charged to you: {rule.name_en}")
    after = Notification.objects.get().pk
    with live_service.socket(people.agent, f"?lang=en&after={after}", path=PATH) as ws:
        assert receive(ws)["items"] == []  # nothing new since


def test_the_telephony_system_has_no_notification_socket(live_service, people):
    with pytest.raises(InvalidStatus) as refused:
        live_service.socket(people.telephony, "", path=PATH)
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as anonymous:
        live_service.socket(None, "", path=PATH)
    assert anonymous.value.response.status_code == 403
