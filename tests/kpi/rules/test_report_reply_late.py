"""report_reply_late (no seed figure: a configurable placeholder policy of 5 working days, 20 yuan): a report
举报 dispatched to a department and not replied by the 5th working day (Labour Day holidays and the 调休 Saturday
counted by hand) charges that department once, AT the limit and not a minute before; one replied in time is not
charged."""

import datetime as dt

import pytest

from ..conftest import at, entries, hand_workday
from .conftest import assert_charged

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)

WORKING_DAY_CASES = [
    # Thu 4/30 15:00 → Wed 5/6, Thu 5/7, Fri 5/8, Sat 5/9, Mon 5/11.
    ("report", at(2026, 4, 30, 15, 0), at(2026, 5, 11, 15, 0)),
]


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_limits_in_working_days_fire_at_the_limit(hotline, org, kind, accepted, due):
    days = [accepted.date() + dt.timedelta(n) for n in range(1, 20)]
    assert [d for d in days if hand_workday(d)][4] == due.date()  # the 5th working day, by hand
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing, kind=kind)
    assert hotline.reload(order).reply_due_at == due

    hotline.move_to(due - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()
    hotline.move_to(due)
    hotline.sweep_twice()
    [entry] = entries(order)
    assert_charged(entry, rule=f"{kind}_reply_late", amount="20.00", occurred_at=due, period="2026-05",
                   department=org.marketing)


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_in_working_days_in_time_is_not_charged(hotline, org, kind, accepted, due):
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing, kind=kind)
    hotline.fire(order, "investigate", valid=False)
    hotline.move_to(due - MINUTE)
    hotline.fire(order, "reply", reply_text="已处理。")
    hotline.move_to(due + dt.timedelta(hours=1))
    hotline.sweep_twice()
    assert not entries(order, f"{kind}_reply_late").exists()
