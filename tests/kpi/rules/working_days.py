"""The reply rules counted in working days (consultation, report and suggestion replies: 5 working days, 20 yuan, a
configurable placeholder policy): one scenario each file runs for its own kind, with the holidays counted by hand."""

import datetime as dt

from ..conftest import entries, hand_workday
from .conftest import assert_charged

MINUTE = dt.timedelta(minutes=1)


def opened_with_marketing(hotline, org, kind: str):
    """The order as its department gets it: a consultation dispatched by the agent, a report or suggestion through
    the supervision office."""
    if kind == "consultation":
        order = hotline.create(kind)
        hotline.fire(order, "dispatch", department=org.marketing.pk, handler="marketing")
        return order
    return hotline.complaint_with(org.marketing, kind=kind)


def charged_at_the_fifth_working_day(hotline, org, kind: str, accepted: dt.datetime, due: dt.datetime) -> None:
    """Not replied: charged to the department once, AT the 5th working day and not a minute before."""
    days = [accepted.date() + dt.timedelta(n) for n in range(1, 20)]
    assert [d for d in days if hand_workday(d)][4] == due.date()  # the 5th working day, by hand
    hotline.move_to(accepted)
    order = opened_with_marketing(hotline, org, kind)
    assert hotline.reload(order).reply_due_at == due

    hotline.move_to(due - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()
    hotline.move_to(due)
    hotline.sweep_twice()
    [entry] = entries(order)
    assert_charged(entry, rule=f"{kind}_reply_late", amount="20.00", occurred_at=due, period="2026-05",
                   department=org.marketing)


def replied_in_time_is_not_charged(hotline, org, kind: str, accepted: dt.datetime, due: dt.datetime) -> None:
    hotline.move_to(accepted)
    order = opened_with_marketing(hotline, org, kind)
    if kind == "consultation":
        hotline.move_to(due - MINUTE)
        hotline.fire(order, "reply", answer="按阶梯电价执行。")
    else:
        hotline.fire(order, "investigate", valid=False)
        hotline.move_to(due - MINUTE)
        hotline.fire(order, "reply", reply_text="已处理。")
    hotline.move_to(due + dt.timedelta(hours=1))
    hotline.sweep_twice()
    assert not entries(order, f"{kind}_reply_late").exists()
