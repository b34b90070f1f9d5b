"""Each penalty rule judged by the deadline sweep on a frozen clock (Asia/Shanghai): it fires AT its limit
and not a minute before, charges the right agent or department the rule's amount once, and a second sweep
adds nothing. Orders are driven through the services; calls are logged over the API.
"""

import datetime as dt
from decimal import Decimal

import chinese_calendar
import pytest

from kpi.models import EntryKind, LedgerEntry
from tickets.models import SlaPolicy, WorkOrder

from .conftest import at, entries, set_rule
from .rules.test_ring_over_3 import log_call

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def assert_charged(entry: LedgerEntry, *, rule: str, amount: str, occurred_at: dt.datetime, period: str,
                   agent=None, department=None, unit=None) -> None:
    assert entry.rule.code == rule
    assert entry.kind == EntryKind.AUTOMATIC
    assert entry.amount == Decimal(amount)
    assert entry.occurred_at == occurred_at
    assert entry.period == period
    assert entry.agent_id == (agent.pk if agent else None)
    assert entry.department_id == (department.pk if department else None)
    if unit is not None:
        assert entry.unit_id == unit.pk
    assert entry.reverses_id is None


# --- complaint_reply_late (seed 000 细则 10: 5 days) --------------------------------------------------


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


def test_a_cancelled_order_is_not_judged(hotline, org):
    accepted = at(2026, 5, 11, 9, 30)
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    hotline.move_to(accepted + dt.timedelta(hours=1))
    hotline.fire(order, "cancel", reason="重复工单 TS-1")
    assert hotline.reload(order).next_due_at is None

    for moment in (accepted + dt.timedelta(days=1, minutes=1), accepted + dt.timedelta(days=5),
                   accepted + dt.timedelta(days=30)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not entries(order).exists()


def test_a_disabled_rule_posts_nothing(hotline, org):
    accepted = at(2026, 5, 11, 9, 30)
    hotline.move_to(accepted)
    order = hotline.complaint_with(org.marketing)
    set_rule("complaint_reply_late", enabled=False)

    hotline.move_to(accepted + dt.timedelta(days=5))
    result = hotline.sweep_twice()
    assert result.entries_posted == 0
    assert not entries(order).exists()


# --- repair_arrival_late (urban 45 min, rural 90 min, remote 2 h; charged to the crew) ----------------


@pytest.mark.parametrize(("area", "limit"), [
    ("urban", dt.timedelta(minutes=45)), ("rural", dt.timedelta(minutes=90)), ("remote", dt.timedelta(hours=2)),
])
def test_repair_arrival_late_by_area_is_charged_to_the_crews_department(hotline, org, area, limit):
    hotline.move_to(at(2026, 7, 1, 22, 10))
    order = hotline.create("repair", area_type=area)
    dispatched = at(2026, 7, 1, 22, 14)
    hotline.move_to(dispatched)
    hotline.fire(order, "dispatch", department=org.repair2.pk)

    hotline.move_to(dispatched + limit - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()

    hotline.move_to(dispatched + limit)
    hotline.sweep_twice()
    [entry] = entries(order)
    assert_charged(entry, rule="repair_arrival_late", amount="20.00", occurred_at=dispatched + limit,
                   period="2026-07", department=org.repair2, unit=org.repair2.unit)

    hotline.move_to(dispatched + limit + MINUTE)
    hotline.fire(order, "arrive")  # late arrival does not undo it, nor post again
    hotline.move_to(dispatched + dt.timedelta(days=2))
    hotline.sweep_twice()
    assert entries(order, "repair_arrival_late").count() == 1


def test_a_crew_on_site_in_time_is_not_charged(hotline, org):
    dispatched = at(2026, 7, 1, 22, 14)
    hotline.move_to(dispatched)
    order = hotline.create("repair", area_type="urban")
    hotline.fire(order, "dispatch", department=org.repair.pk)
    hotline.move_to(dispatched + dt.timedelta(minutes=44))
    hotline.fire(order, "arrive")

    for moment in (dispatched + dt.timedelta(minutes=45), dispatched + dt.timedelta(hours=5)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not entries(order, "repair_arrival_late").exists()


# --- callback_missed (seed 000 细则 9: 100 % of complaints, within 1 day of the reply) -----------------


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


# --- consultation / report / suggestion: 5 working days (placeholder policy) ---------------------------

# 国务院办公厅 2026: Labour Day holiday Fri 5/1 – Tue 5/5, make-up working day Saturday 5/9 (调休).
# Written out by hand; the first test checks the hand list against chinese-calendar.
HOLIDAYS_2026_MAY = {dt.date(2026, 5, d) for d in range(1, 6)}
MAKE_UP_2026_MAY = {dt.date(2026, 5, 9)}


def hand_workday(day: dt.date) -> bool:
    return day in MAKE_UP_2026_MAY or (day.weekday() < 5 and day not in HOLIDAYS_2026_MAY)


def test_the_hand_written_may_holidays_agree_with_chinese_calendar():
    day = dt.date(2026, 4, 20)
    while day <= dt.date(2026, 5, 31):
        assert hand_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


WORKING_DAY_CASES = [
    # Wed 4/29 10:00 → Thu 4/30, Wed 5/6, Thu 5/7, Fri 5/8, Sat 5/9 (调休).
    ("consultation", at(2026, 4, 29, 10, 0), at(2026, 5, 9, 10, 0)),
    # Thu 4/30 15:00 → Wed 5/6, Thu 5/7, Fri 5/8, Sat 5/9, Mon 5/11.
    ("report", at(2026, 4, 30, 15, 0), at(2026, 5, 11, 15, 0)),
    # Fri 5/8 09:00 → Sat 5/9, Mon 5/11, Tue 5/12, Wed 5/13, Thu 5/14.
    ("suggestion", at(2026, 5, 8, 9, 0), at(2026, 5, 14, 9, 0)),
]


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_limits_in_working_days_fire_at_the_limit(hotline, org, kind, accepted, due):
    days = [accepted.date() + dt.timedelta(n) for n in range(1, 20)]
    assert [d for d in days if hand_workday(d)][4] == due.date()  # the 5th working day, by hand
    hotline.move_to(accepted)
    if kind == "consultation":
        order = hotline.create(kind)
        hotline.fire(order, "dispatch", department=org.marketing.pk, handler="marketing")
    else:
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
    if kind == "consultation":
        order = hotline.create(kind)
        hotline.fire(order, "dispatch", department=org.marketing.pk, handler="marketing")
        hotline.move_to(due - MINUTE)
        hotline.fire(order, "reply", answer="按阶梯电价执行。")
    else:
        order = hotline.complaint_with(org.marketing, kind=kind)
        hotline.fire(order, "investigate", valid=False)
        hotline.move_to(due - MINUTE)
        hotline.fire(order, "reply", reply_text="已处理。")
    hotline.move_to(due + dt.timedelta(hours=1))
    hotline.sweep_twice()
    assert not entries(order, f"{kind}_reply_late").exists()


# --- The command, the task, the schedule ---------------------------------------------------------------


def _one_of_each(hotline, org, api, people):
    """A complaint past its reply limit and a call that rang 20 s."""
    hotline.move_to(at(2026, 5, 11, 9, 30))
    order = hotline.complaint_with(org.marketing)
    hotline.move_to(at(2026, 5, 16, 9, 31))
    call = log_call(api, people, answered_after=20)
    return order, call


def test_the_command_prints_a_summary_and_is_idempotent(hotline, org, api, people):
    from io import StringIO

    from django.core.management import call_command

    order, call = _one_of_each(hotline, org, api, people)
    out = StringIO()
    call_command("sweep_deadlines", "--batch", "1", stdout=out)
    assert "judged 1 due orders; 2 new ledger entries (complaint_reply_late: 1, ring_over_3: 1)" in out.getvalue()
    assert entries(order).count() == 1 and entries(source=f"call:{call['id']}").count() == 1
    total = LedgerEntry.objects.count()

    out = StringIO()
    call_command("sweep_deadlines", stdout=out)
    assert "0 new ledger entries" in out.getvalue()
    assert LedgerEntry.objects.count() == total


def test_the_celery_task_run_eagerly_does_the_same(hotline, org, api, people):
    from kpi.tasks import sweep_deadlines

    order, call = _one_of_each(hotline, org, api, people)
    first = sweep_deadlines.apply()
    assert first.successful(), first.traceback
    assert "2 new ledger entries" in first.result
    assert entries(order).count() == 1 and entries(source=f"call:{call['id']}").count() == 1
    total = LedgerEntry.objects.count()

    second = sweep_deadlines.apply()
    assert second.successful() and "0 new ledger entries" in second.result
    assert LedgerEntry.objects.count() == total


def test_beat_runs_the_sweep_every_minute_after_migrate():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="kpi.tasks.sweep_deadlines")
    assert task.enabled
    assert task.interval is not None and (task.interval.every, task.interval.period) == (1, "minutes")
    assert task.crontab is None


def test_the_sweep_moves_every_judged_order_past_now(hotline, org):
    hotline.move_to(at(2026, 5, 11, 9, 30))
    orders = [hotline.complaint_with(org.marketing) for _ in range(5)]
    now = at(2026, 5, 16, 9, 30)
    hotline.move_to(now)
    hotline.sweep_twice()
    for order in WorkOrder.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.next_due_at is None or order.next_due_at > now
    assert LedgerEntry.objects.filter(rule__code="complaint_reply_late").count() == 5


# --- Breaches that must not be lost or charged to nobody -------------------------------------------------


@pytest.mark.parametrize("kind", ["complaint", "consultation"])
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


def test_a_late_crew_is_charged_even_if_it_returns_the_order_before_the_sweep_runs(hotline, org):
    dispatched = at(2026, 7, 1, 22, 0)
    hotline.move_to(dispatched)
    order = hotline.create("repair", area_type="urban")
    hotline.fire(order, "dispatch", department=org.repair.pk)
    hotline.move_to(dispatched + dt.timedelta(minutes=50))  # 5 minutes late, no sweep since
    hotline.fire(order, "return_to_sender", reason="不在本班辖区")
    hotline.move_to(dispatched + dt.timedelta(minutes=55))
    hotline.sweep_twice()
    [entry] = entries(order, "repair_arrival_late")
    assert (entry.occurred_at, entry.department_id) == (dispatched + dt.timedelta(minutes=45), org.repair.pk)
