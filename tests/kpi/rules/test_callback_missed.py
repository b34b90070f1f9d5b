"""callback_missed (seed 000 考核 7 "工单资料归档而未及时回访者", 细则 9; 20 yuan): an order not called back within
1 day of its reply charges its owner once, AT the limit and not a minute before. Complaints: 100 %, also one archived
without reaching the customer; repairs: sampled at the policy's rate; consultations: one that went to a department is
called back before it is archived, 100 % like complaints (seed 003 咨询 "工單辦結完畢後…及時回訪客戶，工單存檔"); one
answered on the call is not."""

import datetime as dt
from decimal import Decimal

import pytest

from contactcenter.errors import Conflict
from tickets.models import SlaPolicy, State

from ..conftest import at, entries
from .conftest import assert_charged

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


# --- complaints (seed 000 细则 9: 100 % of complaints, within 1 day of the reply) ------------------------------


def _replied_complaint(hotline, org, replied):
    hotline.move_to(replied - dt.timedelta(days=1))
    order = hotline.complaint_with(org.marketing)
    hotline.fire(order, "investigate", valid=False)
    hotline.move_to(replied)
    return hotline.fire(order, "reply", reply_text="已处理。")


def test_callback_missed_is_charged_to_the_owner_at_one_day_after_the_reply(hotline, org, people):
    replied = at(2026, 8, 3, 16, 20)
    order = _replied_complaint(hotline, org, replied)
    callback_due = replied + dt.timedelta(days=1)
    assert order.callback_due_at == callback_due

    hotline.move_to(callback_due - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()

    hotline.move_to(callback_due)
    hotline.sweep_twice()
    [entry] = entries(order)
    assert_charged(entry, rule="callback_missed", amount="20.00", occurred_at=callback_due, period="2026-08",
                   agent=people.agent, unit=people.agent.unit)


def test_a_callback_in_time_is_not_charged(hotline, org):
    replied = at(2026, 8, 3, 16, 20)
    order = _replied_complaint(hotline, org, replied)
    hotline.move_to(replied + dt.timedelta(days=1) - MINUTE)
    hotline.fire(order, "callback", reached=True, satisfied=True, attitude="good", quality="good")

    for moment in (replied + dt.timedelta(days=1), replied + dt.timedelta(days=9)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not entries(order).exists()


def test_an_order_archived_without_reaching_the_customer_is_charged_at_the_callback_limit(hotline, org, people):
    replied = at(2026, 8, 3, 16, 20)
    order = _replied_complaint(hotline, org, replied)
    for minutes in (10, 20, 30):
        hotline.move_to(replied + dt.timedelta(minutes=minutes))
        hotline.fire(order, "callback", reached=False)
    order = hotline.fire(order, "archive")
    assert order.state == "archived"

    hotline.move_to(replied + dt.timedelta(days=1) - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()
    hotline.move_to(replied + dt.timedelta(days=1))
    hotline.sweep_twice()
    [entry] = entries(order)
    assert entry.rule.code == "callback_missed" and entry.agent_id == people.agent.pk


# --- repairs: sampled ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("percent", "charged"), [(100, 1), (0, 0)])
def test_repair_callbacks_are_sampled_at_the_configured_rate(hotline, org, percent, charged):
    SlaPolicy.objects.filter(order_kind="repair", deadline="callback", active=True).update(sample_percent=percent)
    dispatched = at(2026, 7, 6, 10, 0)
    hotline.move_to(dispatched)
    order = hotline.create("repair", area_type="urban")
    hotline.fire(order, "dispatch", department=org.repair.pk)
    hotline.move_to(dispatched + dt.timedelta(minutes=30))
    hotline.fire(order, "arrive")
    restored = dispatched + dt.timedelta(hours=2)
    hotline.move_to(restored)
    hotline.fire(order, "restore")

    hotline.move_to(restored + dt.timedelta(days=1) - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()
    hotline.move_to(restored + dt.timedelta(days=1))
    hotline.sweep_twice()
    assert entries(order, "callback_missed").count() == charged


# --- consultations (seed 003 咨询) -----------------------------------------------------------------------------


def informed_consultation(hotline, org, people, informed):
    hotline.move_to(at(2026, 8, 3, 9, 0))
    order = hotline.create("consultation")
    hotline.fire(order, "dispatch", department=org.marketing.pk)
    hotline.fire(order, "reply", answer="新装报装需提供身份证和房产证明。")
    hotline.move_to(informed)
    return hotline.fire(order, "inform", reply_text="您好，新装报装需提供身份证和房产证明。")


@pytest.mark.parametrize("seed", range(20))  # whatever the order's number, whatever the policy's sampling rate
def test_every_dispatched_consultation_owes_a_callback(hotline, org, people, seed):
    informed = at(2026, 8, 3, 15, 0) + dt.timedelta(minutes=seed)
    order = informed_consultation(hotline, org, people, informed)
    assert (order.callback_required, order.callback_due_at) == (True, informed + dt.timedelta(days=1))


def test_it_cannot_be_archived_before_the_callback(hotline, org, people):
    order = informed_consultation(hotline, org, people, at(2026, 8, 3, 15, 0))
    with pytest.raises(Conflict):
        hotline.fire(order, "archive")
    hotline.fire(order, "callback", reached=True, satisfied=True, attitude="good", quality="good")
    assert hotline.fire(order, "archive").state == State.ARCHIVED


def test_no_callback_by_the_next_day_charges_its_owner_once(hotline, org, people):
    informed = at(2026, 8, 3, 15, 0)
    order = informed_consultation(hotline, org, people, informed)
    hotline.move_to(informed + dt.timedelta(days=1) - MINUTE)
    hotline.sweep_twice()
    assert not entries(order, "callback_missed").exists()
    hotline.move_to(informed + dt.timedelta(days=1, minutes=5))
    hotline.sweep_twice()
    [entry] = entries(order, "callback_missed")
    assert (entry.agent_id, entry.amount, entry.occurred_at) == (
        people.agent.pk, Decimal("20.00"), informed + dt.timedelta(days=1))


def test_a_consultation_answered_on_the_call_owes_none(hotline, people):
    order = hotline.create("consultation", answer="电价按阶梯执行。")
    assert (order.state, order.callback_required, order.callback_due_at) == (State.ARCHIVED, False, None)
    hotline.move_to(at(2026, 3, 10, 9, 0))
    hotline.sweep_twice()
    assert not entries(order).exists()
