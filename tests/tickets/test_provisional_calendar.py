"""A hotline never refuses a caller because of the calendar (design "Deadlines"): a year whose official holiday
arrangement is not entered gets a provisional calendar — weekends plus the statutory holidays computed from the
Gregorian and lunar calendars — its deadlines are marked provisional, and entering the arrangement (the admin, or
``manage.py import_holidays FILE``) recomputes them; one that moves before now is judged by the next sweep.

Every expected time is written out by hand (a calendar on paper), never computed by the application's functions.
2027 is not in the seeded calendar (chinese-calendar stops at 2026).
"""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from kpi.models import LedgerEntry
from kpi.sweeps import sweep_deadlines
from tests.factories import PASSWORD
from tickets.models import CalendarDay, CalendarYear, WorkOrder
from tickets.tasks import recompute_provisional_deadlines

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDERS = "/api/v1/work-orders/"

# A made-up official arrangement for 2027 that differs from the provisional one: New Year's holiday runs to Monday
# 4 January, and Saturday 9 January is a make-up working day.
ARRANGEMENT = """# source: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-04,holiday,元旦
2027-01-09,workday,元旦调休
2027-02-05,holiday,春节
"""


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def arrangement(tmp_path) -> Path:
    path = tmp_path / "2027.txt"
    path.write_text(ARRANGEMENT, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_2027(db):
    assert not CalendarYear.objects.filter(year=2027).exists()


def accept_and_dispatch(api, people, org, kind: str) -> dict:
    """As an agent (and the supervision office for complaint-like kinds) would."""
    agent = api(people.agent)
    created = agent.post(ORDERS, {"kind": kind, "description": "客户来电", "caller_number": "13912340000"},
                         format="json")
    assert created.status_code == 201, created.content
    url = f"{ORDERS}{created.json()['id']}/transitions"
    if kind == "consultation":
        response = agent.post(f"{url}/dispatch/", {"department": org.marketing.pk}, format="json")
    else:
        assert agent.post(f"{url}/forward/", {}, format="json").status_code == 200
        response = api(people.supervision).post(f"{url}/dispatch/", {"department": org.marketing.pk},
                                                format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- the year end: nothing is refused ------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "working_due"), [
    # Mon 28 Dec: 29, 30, 31 Dec, (1 Jan, the statutory New Year holiday), Mon 4 and Tue 5 Jan.
    (at(2026, 12, 28, 10, 0), at(2027, 1, 5, 10, 0)),
    # Tue 5 Jan: 6, 7, 8, (the weekend), 11 and 12 Jan.
    (at(2027, 1, 5, 10, 0), at(2027, 1, 12, 10, 0)),
])
def test_at_the_year_end_every_kind_is_accepted_and_dispatched_with_a_reply_deadline(
        api, people, org, time_machine, now, working_due):
    time_machine.move_to(now, tick=False)
    for kind in ("consultation", "report", "suggestion"):  # 5 working days (a policy)
        order = accept_and_dispatch(api, people, org, kind)
        assert order["deadlines"]["reply_due_at"] == iso(working_due), kind
        assert order["provisional_deadlines"] == ["reply_due_at"], kind
    complaint = accept_and_dispatch(api, people, org, "complaint")  # 5 calendar days (seed 000 细则 10)
    assert complaint["deadlines"]["reply_due_at"] == iso(now + dt.timedelta(days=5))
    assert complaint["provisional_deadlines"] == []


def test_the_provisional_calendar_has_the_statutory_lunar_holidays(api, people, org, time_machine):
    """Thu 4 Feb 2027: the Spring Festival (lunar new year 6 Feb 2027) is computed, not guessed as weekdays."""
    time_machine.move_to(at(2027, 2, 4, 10, 0), tick=False)
    order = accept_and_dispatch(api, people, org, "report")
    # Fri 5 Feb is Spring Festival's Eve; the holidays run to Wed 10 Feb: 11, 12, 15, 16, 17 Feb.
    assert order["deadlines"]["reply_due_at"] == iso(at(2027, 2, 17, 10, 0))


# --- entering the arrangement recomputes -------------------------------------------------------------------------


def test_importing_the_arrangement_moves_the_provisional_deadlines_to_the_official_days(
        api, people, org, time_machine, arrangement):
    time_machine.move_to(at(2026, 12, 28, 10, 0), tick=False)
    december = accept_and_dispatch(api, people, org, "consultation")
    complaint = accept_and_dispatch(api, people, org, "complaint")
    time_machine.move_to(at(2027, 1, 5, 10, 0), tick=False)
    january = accept_and_dispatch(api, people, org, "suggestion")

    call_command("import_holidays", str(arrangement), "--by", "supervisor", stdout=open("/dev/null", "w"))

    year = CalendarYear.objects.get(year=2027)
    assert year.source == "国务院办公厅关于2027年部分节假日安排的通知（测试用）"
    assert not year.recompute_pending
    # 29, 30, 31 Dec, (1–4 Jan off), Tue 5 and Wed 6 Jan: later than provisionally.
    moved_later = WorkOrder.objects.get(pk=december["id"])
    assert (moved_later.reply_due_at, moved_later.provisional_deadlines) == (at(2027, 1, 6, 10, 0), [])
    # 6, 7, 8, Sat 9 (make-up day), 11 Jan: earlier than provisionally.
    moved_earlier = WorkOrder.objects.get(pk=january["id"])
    assert (moved_earlier.reply_due_at, moved_earlier.provisional_deadlines) == (at(2027, 1, 11, 10, 0), [])
    assert moved_earlier.next_due_at <= at(2027, 1, 11, 10, 0)
    assert WorkOrder.objects.get(pk=complaint["id"]).reply_due_at == at(2027, 1, 2, 10, 0)  # untouched
    assert not WorkOrder.objects.filter(has_provisional_deadline=True).exists()
    shown = api(people.agent).get(f"{ORDERS}{january['id']}/").json()
    assert (shown["deadlines"]["reply_due_at"], shown["provisional_deadlines"]) == (iso(at(2027, 1, 11, 10, 0)), [])


def test_a_deadline_moved_before_now_is_judged_by_the_next_sweep_once(api, people, org, time_machine, arrangement):
    time_machine.move_to(at(2027, 1, 5, 10, 0), tick=False)
    order = accept_and_dispatch(api, people, org, "consultation")  # provisionally due Tue 12 Jan 10:00
    time_machine.move_to(at(2027, 1, 11, 11, 0), tick=False)
    sweep_deadlines()
    assert not LedgerEntry.objects.exists()

    call_command("import_holidays", str(arrangement), stdout=open("/dev/null", "w"))  # now due Mon 11 Jan 10:00
    sweep_deadlines()
    sweep_deadlines()
    [entry] = LedgerEntry.objects.filter(source=f"work_order:{order['id']}")
    assert (entry.rule.code, entry.department_id, entry.occurred_at) == (
        "consultation_reply_late", org.marketing.pk, at(2027, 1, 11, 10, 0))


def test_an_order_closed_meanwhile_is_left_as_it_was(api, people, org, time_machine, arrangement):
    time_machine.move_to(at(2026, 12, 28, 10, 0), tick=False)
    order = accept_and_dispatch(api, people, org, "consultation")
    cancelled = api(people.lead).post(f"{ORDERS}{order['id']}/transitions/cancel/", {"reason": "重复"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    call_command("import_holidays", str(arrangement), stdout=open("/dev/null", "w"))
    closed = WorkOrder.objects.get(pk=order["id"])
    assert closed.reply_due_at == at(2027, 1, 5, 10, 0) and not closed.has_provisional_deadline


def test_the_recomputation_runs_in_batches_and_only_when_a_year_was_entered(api, people, org, time_machine):
    time_machine.move_to(at(2026, 12, 28, 10, 0), tick=False)
    ids = [accept_and_dispatch(api, people, org, "report")["id"] for _ in range(5)]
    assert recompute_provisional_deadlines.apply().result == 0  # nothing entered: nothing to do

    from tickets.services.calendar import HolidayDay, calendar_year_enter, deadlines_recompute_provisional

    calendar_year_enter(year=2027, days=[HolidayDay(dt.date(2027, 1, 1), False, "元旦"),
                                         HolidayDay(dt.date(2027, 1, 4), False, "元旦")], source="test", actor=None)
    assert deadlines_recompute_provisional(batch=2) == 5
    assert set(WorkOrder.objects.filter(pk__in=ids).values_list("reply_due_at", flat=True)) == {at(2027, 1, 6, 10, 0)}
    assert not CalendarYear.objects.get(year=2027).recompute_pending
    assert recompute_provisional_deadlines.apply().result == 0


def test_the_beat_schedule_runs_the_recomputation():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="tickets.tasks.recompute_provisional_deadlines")
    assert task.enabled and (task.interval.every, task.interval.period) == (5, "minutes")


@pytest.mark.parametrize(("text", "message"), [  # the parser's refusals in the default language (Chinese)
    ("2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n", "mixes years"),
    ("2027-13-01,holiday\n", "第 1 行：不是有效日期"),
    ("2027-01-01,vacation\n", "holiday 或 workday"),
    ("# nothing\n", "没有任何日期"),
    ("2027-01-01,holiday\n2027-01-01,workday\n", "重复的日期"),
])
def test_a_bad_file_is_refused_and_changes_nothing(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_holidays", str(path), stdout=open("/dev/null", "w"))
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


# --- the admin, the audit trail, the warning ---------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_supervisor_enters_the_arrangement_in_the_admin_and_it_is_audited(api, people, org, time_machine):
    people.supervisor.is_staff = True
    people.supervisor.save()
    time_machine.move_to(at(2026, 12, 28, 10, 0), tick=False)
    order = accept_and_dispatch(api, people, org, "consultation")
    response = signed_in(people.supervisor).post("/admin/tickets/calendaryear/add/", {
        "year": "2027", "source": "国务院办公厅通知", "arrangement": ARRANGEMENT})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarDay.objects.filter(date__year=2027).count() == 6
    history = CalendarDay.history.filter(date=dt.date(2027, 1, 9)).get()
    assert (history.history_type, history.history_user) == ("+", people.supervisor)
    recompute_provisional_deadlines.apply()  # beat, within 5 minutes
    assert WorkOrder.objects.get(pk=order["id"]).reply_due_at == at(2027, 1, 6, 10, 0)


@pytest.mark.parametrize(("today", "shown"), [
    (at(2026, 10, 31, 9, 0), False),
    (at(2026, 11, 1, 9, 0), True),  # from 1 November
    (at(2026, 12, 28, 9, 0), True),
    (at(2027, 1, 5, 9, 0), True),  # into the year, still missing
])
def test_supervisors_are_warned_on_the_ledger_and_the_dashboard(people, time_machine, today, shown):
    time_machine.move_to(today, tick=False)
    client = signed_in(people.supervisor)
    for url in ("/kpi/ledger/", "/kpi/dashboard/"):
        page = client.get(url)
        assert page.status_code == 200
        assert ('id="calendar-warning"' in page.content.decode()) is shown, url
        if shown:
            assert "2027" in page.content.decode()


def test_the_warning_goes_once_the_year_is_entered(people, time_machine, arrangement):
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)
    call_command("import_holidays", str(arrangement), stdout=open("/dev/null", "w"))
    assert 'id="calendar-warning"' not in signed_in(people.supervisor).get("/kpi/ledger/").content.decode()


def test_the_order_page_marks_a_provisional_deadline(api, people, org, time_machine):
    time_machine.move_to(at(2026, 12, 28, 10, 0), tick=False)
    order = accept_and_dispatch(api, people, org, "consultation")
    page = signed_in(people.agent).get(f"/orders/{order['id']}/").content.decode()
    assert 'class="tag provisional"' in page


def test_a_calendar_day_reads_in_the_users_language():
    """The admin lists the holidays and make-up working days by their text: 节假日 / 调休上班 in Chinese."""
    import datetime as dt

    from django.utils import translation

    from tickets.models.calendar import CalendarDay

    holiday = CalendarDay(date=dt.date(2027, 1, 1), is_working_day=False, name="元旦")
    make_up = CalendarDay(date=dt.date(2027, 2, 20), is_working_day=True, name="春节调休")
    with translation.override("zh-hans"):
        assert str(holiday) == "2027-01-01 节假日 元旦" and str(make_up) == "2027-02-20 调休上班 春节调休"
    with translation.override("en"):
        assert str(holiday) == "2027-01-01 holiday 元旦" and str(make_up) == "2027-02-20 make-up working day 春节调休"


def test_an_arrangement_with_a_date_of_another_year_is_refused_on_the_form(people):
    """A date outside the year entered is named on the form (400-like: the admin page again, nothing saved), never
    a server error."""
    people.supervisor.is_staff = True
    people.supervisor.save()
    response = signed_in(people.supervisor).post("/admin/tickets/calendaryear/add/", {
        "year": "2027", "source": "国务院办公厅通知",
        "arrangement": "2027-01-01, holiday, 元旦\n2028-01-01, holiday, 元旦"})
    assert response.status_code == 200
    assert "2028-01-01" in response.content.decode() and not CalendarDay.objects.filter(date__year=2027).exists()
