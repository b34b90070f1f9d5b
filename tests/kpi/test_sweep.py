"""The deadline sweep itself, on a frozen clock (Asia/Shanghai): the management command and the Celery task (a
summary, idempotent), the every-minute beat schedule, every judged order moved past now, a cancelled order not
judged, and the hand-written holiday list the working-day limits are checked with. Each rule's judgement — when it
fires, whom it charges, how much, once — is in tests/kpi/rules/test_<rule>.py.
"""

import datetime as dt

import chinese_calendar
import pytest

from kpi.models import LedgerEntry
from tickets.models import WorkOrder

from .conftest import at, entries, hand_workday
from .rules.test_ring_over_3 import log_call

pytestmark = pytest.mark.django_db


def test_the_hand_written_may_holidays_agree_with_chinese_calendar():
    day = dt.date(2026, 4, 20)
    while day <= dt.date(2026, 5, 31):
        assert hand_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


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
