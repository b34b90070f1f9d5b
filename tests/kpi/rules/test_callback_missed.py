"""callback_missed (seed 000 考核 7 "工单资料归档而未及时回访者", 20 yuan) for consultations: one that went to a
department is called back before it is archived, 100 % like complaints (seed 003 咨询 "工單辦結完畢後…及時回訪客戶，
工單存檔"); one answered on the call is not. (Complaints and sampled repairs: tests/kpi/test_sweep_rules.py.)"""

import datetime as dt
from decimal import Decimal

import pytest

from contactcenter.errors import Conflict
from tickets.models import State

from ..conftest import at, entries

MINUTE = dt.timedelta(minutes=1)


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
