"""complaint_reply_late (seed 000 细则 10, 20 yuan: a complaint replied within 5 calendar days), judged by the deadline
sweep on a frozen clock (Asia/Shanghai): it fires AT the limit and not a minute before, charges the department that
has the complaint the rule's amount once — also when the reply came late before a delayed sweep, or the complaint was
reopened — and a second sweep adds nothing; a reopened complaint gets a new limit; a disabled rule posts nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from ..conftest import at, entries, set_rule
from .conftest import assert_charged

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def test_complaint_reply_late_fires_at_5_days_not_a_minute_before(hotline, org):
    accepted = at(2026, 5, 11, 9, 30)
    due = accepted + dt.timedelta(days=5)  # Sat 2026-05-16 09:30: calendar days
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)

    hotline.move_to(accepted + dt.timedelta(days=1, minutes=1))  # first contact passed: no rule, no entry
    hotline.sweep_twice()
    hotline.move_to(due - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()

    hotline.move_to(due)
    result = hotline.sweep_twice()
    assert result.by_rule == {"complaint_reply_late": 1}
    [entry] = entries(order)
    assert_charged(entry, rule="complaint_reply_late", amount="20.00", occurred_at=due, period="2026-05",
                   department=org.marketing, unit=org.marketing.unit)
    assert entry.source == f"work_order:{order.pk}"

    hotline.move_to(due + dt.timedelta(days=3))  # later sweeps never repeat it
    hotline.sweep_twice()
    assert entries(order).count() == 1


def test_complaint_reply_late_is_charged_to_the_department_that_has_the_order_now(hotline, org, people):
    accepted = at(2026, 5, 11, 9, 30)
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    hotline.move_to(accepted + dt.timedelta(days=2))
    hotline.fire(order, "return_to_sender", reason="非本部门职责")  # back to 监察室
    hotline.move_to(accepted + dt.timedelta(days=5))
    hotline.sweep_twice()

    [entry] = entries(order, "complaint_reply_late")
    assert entry.department_id == org.supervision.pk


def test_a_complaint_replied_in_time_is_not_charged(hotline, org):
    accepted = at(2026, 5, 11, 9, 30)
    due = accepted + dt.timedelta(days=5)
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    hotline.fire(order, "investigate", valid=False)
    hotline.move_to(due - MINUTE)
    hotline.fire(order, "reply", reply_text="经核实，抄表员按规定作业。")

    for moment in (due, due + dt.timedelta(hours=1), due + dt.timedelta(days=10)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not entries(order, "complaint_reply_late").exists()


def test_a_late_reply_before_a_delayed_sweep_is_still_charged_once_in_the_month_of_the_due_time(hotline, org):
    accepted = at(2026, 5, 26, 23, 59)
    due = at(2026, 5, 31, 23, 59)  # the last minute of May
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    hotline.fire(order, "investigate", valid=False)
    hotline.move_to(at(2026, 6, 1, 0, 30))  # replied after the limit; no sweep ran in between (workers down)
    hotline.fire(order, "reply", reply_text="已处理。")

    hotline.move_to(at(2026, 6, 1, 1, 0))
    hotline.sweep_twice()
    [entry] = entries(order, "complaint_reply_late")
    assert_charged(entry, rule="complaint_reply_late", amount="20.00", occurred_at=due, period="2026-05",
                   department=org.marketing)


def test_a_reopened_complaint_gets_a_new_reply_deadline_and_missing_it_is_a_second_breach(hotline, org):
    accepted = at(2026, 6, 1, 9, 0)
    first_due = at(2026, 6, 6, 9, 0)
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    hotline.fire(order, "investigate", valid=False)

    hotline.move_to(first_due)
    hotline.sweep_twice()
    assert entries(order, "complaint_reply_late").count() == 1

    hotline.move_to(at(2026, 6, 6, 10, 0))
    hotline.fire(order, "reply", reply_text="已处理。")
    reopened_at = at(2026, 6, 6, 15, 0)
    hotline.move_to(reopened_at)
    # unsatisfied → reopened
    order = hotline.fire(order, "callback", reached=True, satisfied=False, attitude="fair", quality="poor")
    assert order.state == "dispatched"
    second_due = at(2026, 6, 11, 15, 0)  # 5 days from the reopening
    assert hotline.reload(order).reply_due_at == second_due

    for moment in (at(2026, 6, 7, 10, 0), second_due - MINUTE):  # incl. the old callback due: nothing
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert entries(order).count() == 1

    hotline.move_to(second_due)
    hotline.sweep_twice()
    first, second = entries(order, "complaint_reply_late")
    assert (first.occurred_at, second.occurred_at) == (first_due, second_due)
    assert first.key != second.key
    assert second.department_id == org.marketing.pk and second.amount == Decimal("20.00")

    hotline.move_to(second_due + dt.timedelta(days=2))
    hotline.sweep_twice()
    assert entries(order).count() == 2


def test_a_disabled_rule_posts_nothing(hotline, org):
    accepted = at(2026, 5, 11, 9, 30)
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    set_rule("complaint_reply_late", enabled=False)

    hotline.move_to(accepted + dt.timedelta(days=5))
    result = hotline.sweep_twice()
    assert result.entries_posted == 0
    assert not entries(order).exists()


# The consultation case (consultation_reply_late) is in tests/kpi/rules/test_consultation_reply_late.py.
@pytest.mark.parametrize("kind", ["complaint"])
def test_a_reply_late_with_no_department_is_still_charged_to_someone(hotline, kind):
    accepted = at(2026, 6, 1, 9, 0)  # Mon; consultation: 5 working days → Mon 6/8 (no holiday in between)
    hotline.move_to(accepted)
    order = hotline.create(kind)  # nobody forwarded / dispatched it
    hotline.move_to(at(2026, 6, 8, 9, 0))
    hotline.sweep_twice()
    [entry] = entries(order)
    assert entry.agent_id is not None or entry.department_id is not None


def test_a_late_reply_is_charged_even_if_the_complaint_is_reopened_before_the_sweep_runs(hotline, org):
    hotline.move_to(at(2026, 6, 1, 9, 0))
    order = hotline.complaint_with(org.marketing)
    hotline.fire(order, "investigate", valid=False)
    hotline.move_to(at(2026, 6, 6, 9, 30))  # due 09:00; workers down, no sweep since
    hotline.fire(order, "reply", reply_text="已处理。")
    hotline.move_to(at(2026, 6, 6, 9, 40))
    hotline.fire(order, "callback", reached=True, satisfied=False, attitude="fair", quality="poor")
    hotline.move_to(at(2026, 6, 6, 10, 0))
    hotline.sweep_twice()
    [entry] = entries(order, "complaint_reply_late")
    assert (entry.occurred_at, entry.department_id) == (at(2026, 6, 6, 9, 0), org.marketing.pk)
