"""The life of the monthly assessment report 月度考核 (issue 7): asked for through the API or the page (202 and a
queued run), generated once by a worker with progress, downloadable and kept; re-sent by the dispatcher when the
broker was down; produced by beat on the 1st. Only supervisors and managers.

The worker is played by calling the Celery task (or the service) in the test, the broker by a list of the
messages sent after commit; one test runs the real task eagerly."""

import csv
import datetime as dt
import importlib
import io
import re
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from contactcenter.celery import app
from contactcenter.errors import NotPermitted
from kpi import tasks
from kpi.models import LedgerEntry, PenaltyRule, ReportRun, ReportStatus
from kpi.reports import services
from kpi.reports.writers import CONTENT_TYPES
from kpi.services import entry_post_manual
from tests.factories import UnitFactory, logged_call

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTS = "/api/v1/reports/monthly/"
PAGE = "/kpi/reports/"
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)  # "last month" is 2026-10


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def detail(run_id: int) -> str:
    return f"{REPORTS}{run_id}/"


def download(run_id: int) -> str:
    return f"{REPORTS}{run_id}/download/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def broker(monkeypatch):
    """The broker: records the run ids sent to generate_report (the worker is called by the test)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.generate_report, "delay", lambda run_id: sent.append(run_id))
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    """Sending raises as kombu does when Redis is unreachable (delay goes through apply_async)."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.generate_report, "apply_async", refuse)


@pytest.fixture
def october(people, customer, clock):
    """October 2026 at the center: agent answered two calls (one after 4 s, one after 15 s) and was charged
    200 yuan for an intranet violation; agent2 was charged 20 for a late ring."""
    for ring, day in ((4, 10), (15, 11)):
        start = at(2026, 10, day, 10, 0)
        logged_call(caller_number=customer.phone, ring_started_at=start, answered_at=start + dt.timedelta(seconds=ring),
                    ended_at=start + dt.timedelta(minutes=3), agent=people.agent, logged_by=people.telephony)
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, agent=people.agent,
                      reason="内网电脑接入手机热点", occurred_at=at(2026, 10, 12, 9, 0))
    entry_post_manual(rule=PenaltyRule.objects.get(code="ring_over_3"), actor=people.lead, agent=people.agent2,
                      reason="振铃超过三声", occurred_at=at(2026, 10, 13, 9, 0))
    assert LedgerEntry.objects.filter(period="2026-10").count() == 2


def ask(client, capture, **body):
    with capture(execute=True):
        return client.post(REPORTS, body, format="json")


def attachment_name(response) -> str:
    """The file name of a ``Content-Disposition: attachment`` (plain, or RFC 5987 for non-ASCII names)."""
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    encoded = re.search(r"filename\*=utf-8''([^;]+)", disposition)
    return unquote(encoded[1]) if encoded else re.search(r'filename="([^"]+)"', disposition)[1]


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def snapshot(run_id: int) -> dict:
    return ReportRun.objects.filter(pk=run_id).values().get()


# --- The API contract -------------------------------------------------------------------------------------

def test_a_manager_asks_follows_and_downloads_an_xlsx_report(api, people, october, broker,
                                                              django_capture_on_commit_callbacks):
    manager = api(people.manager)

    response = ask(manager, django_capture_on_commit_callbacks, period="2026-10", format="xlsx")

    assert response.status_code == 202, response.content
    run = response.json()
    assert response["Location"] == f"http://testserver{detail(run['id'])}" == run["url"]
    assert {"id", "url", "period", "unit", "format", "status", "progress", "requested_by", "requested_at",
            "started_at", "finished_at", "size", "error", "download_url"} <= set(run)
    assert (run["period"], run["unit"], run["format"], run["status"], run["progress"]) == (
        "2026-10", None, "xlsx", "queued", 0)
    assert run["requested_by"] == "manager" and run["requested_at"] == "2026-11-22T10:00:00+08:00"
    assert run["download_url"] is None and run["started_at"] is None and run["size"] is None
    assert broker == [run["id"]]  # sent once, after the commit
    assert manager.get(download(run["id"])).status_code == 409  # nothing to download yet

    # A worker takes the message.
    assert tasks.generate_report(run["id"]) == f"report run {run['id']}: done"

    body = manager.get(run["url"]).json()
    assert (body["status"], body["progress"], body["error"]) == ("done", 100, "")
    assert body["started_at"] == body["finished_at"] == "2026-11-22T10:00:00+08:00"  # the clock is frozen
    assert body["download_url"] == f"http://testserver{download(run['id'])}"
    stored = ReportRun.objects.get(pk=run["id"])
    assert body["size"] == stored.size == stored.file.size > 0 and stored.attempts == 1

    file = manager.get(body["download_url"])
    assert file.status_code == 200
    assert file["Content-Type"] == CONTENT_TYPES["xlsx"]
    name = attachment_name(file)
    assert "2026-10" in name and name.endswith(".xlsx")
    data = content(file)
    assert len(data) == body["size"]
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    agents = list(workbook.worksheets[0].iter_rows(values_only=True))
    agent_row = next(row for row in agents if "agent" in row)
    assert 200 in agent_row and 2 in agent_row  # the intranet violation, the two answered calls
    agent2_row = next(row for row in agents if "agent2" in row)
    assert 20 in agent2_row
    notes = [cell for row in workbook.worksheets[-1].iter_rows(values_only=True) for cell in row]
    assert "2026-10" in notes and "manager" in " ".join(str(cell) for cell in notes if cell)


def test_the_report_is_in_the_language_of_the_request(api, people, october, broker,
                                                      django_capture_on_commit_callbacks):
    manager = api(people.manager)
    with django_capture_on_commit_callbacks(execute=True):
        english = manager.post(REPORTS, {"period": "2026-10"}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
        chinese = manager.post(REPORTS, {"period": "2026-10"}, format="json").json()
    assert english["format"] == "xlsx"  # the default
    assert ReportRun.objects.get(pk=english["id"]).language == "en"
    assert ReportRun.objects.get(pk=chinese["id"]).language == "zh-hans"  # Chinese by default

    tasks.generate_report(english["id"])
    workbook = load_workbook(io.BytesIO(content(manager.get(download(english["id"])))), read_only=True)
    headers, *rows = workbook.worksheets[0].iter_rows(values_only=True)
    agents = {row[headers.index("Username")]: dict(zip(headers, row, strict=True)) for row in rows}
    assert agents["agent"]["Calls answered"] == 2 and agents["agent"]["Answered within 3 rings"] == 1
    assert agents["agent"]["Net total"] == 200 and agents["agent2"]["Net total"] == 20


def test_csv_and_pdf_downloads(api, people, org, october, broker, django_capture_on_commit_callbacks):
    manager = api(people.manager)
    csv_run = ask(manager, django_capture_on_commit_callbacks, period="2026-10", format="csv",
                  unit=org.center.pk).json()
    pdf_run = ask(manager, django_capture_on_commit_callbacks, period="2026-10", format="pdf").json()
    assert csv_run["unit"] == org.center.pk
    for run in (csv_run, pdf_run):
        tasks.generate_report(run["id"])

    csv_file = manager.get(download(csv_run["id"]))
    assert csv_file["Content-Type"] == CONTENT_TYPES["csv"]
    data = content(csv_file)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert any("agent" in row and "200.00" in row for row in rows)
    assert attachment_name(csv_file).endswith(f"_2026-10_{org.center.name}.csv")  # 95598客户服务中心

    pdf_file = manager.get(download(pdf_run["id"]), HTTP_ACCEPT="text/html")  # a browser's link: still the file
    assert pdf_file.status_code == 200
    assert pdf_file["Content-Type"] == CONTENT_TYPES["pdf"]
    assert content(pdf_file).startswith(b"%PDF")


def test_eagerly_the_real_task_runs_on_commit(api, people, october, monkeypatch,
                                              django_capture_on_commit_callbacks):
    monkeypatch.setitem(app.conf, "task_always_eager", True)

    supervisor = api(people.supervisor)
    response = ask(supervisor, django_capture_on_commit_callbacks, period="2026-10")

    assert response.status_code == 202
    body = supervisor.get(response["Location"]).json()
    assert body["status"] == "done" and body["download_url"]
    assert ReportRun.objects.get().attempts == 1


def test_the_list_is_filtered_and_paginated(api, people, org, broker, clock, django_capture_on_commit_callbacks):
    manager = api(people.manager)
    for period, fmt in (("2026-09", "xlsx"), ("2026-10", "csv"), ("2026-10", "pdf")):
        assert ask(manager, django_capture_on_commit_callbacks, period=period, format=fmt).status_code == 202
    failed = ReportRun.objects.get(format="pdf")
    ReportRun.objects.filter(pk=failed.pk).update(status=ReportStatus.FAILED)

    listing = manager.get(REPORTS).json()
    assert listing["count"] == 3 and {"next", "previous", "results"} <= set(listing)
    assert [r["format"] for r in listing["results"]] == ["pdf", "csv", "xlsx"]  # newest first
    assert [r["format"] for r in manager.get(REPORTS, {"period": "2026-10"}).json()["results"]] == ["pdf", "csv"]
    assert [r["id"] for r in manager.get(REPORTS, {"status": "failed"}).json()["results"]] == [failed.pk]
    # ?format= is a filter here, not DRF's renderer switch.
    by_format = manager.get(REPORTS, {"format": "csv"})
    assert by_format.status_code == 200 and [r["format"] for r in by_format.json()["results"]] == ["csv"]
    assert "format=" not in by_format.json()["results"][0]["url"]
    page = manager.get(REPORTS, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    for bad in ({"period": "2026-13"}, {"status": "lost"}, {"format": "docx"}):
        assert manager.get(REPORTS, bad).status_code == 400, bad


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_runs_are_kept_no_put_patch_or_delete(api, people, broker, clock, method,
                                              django_capture_on_commit_callbacks):
    run = ask(api(people.manager), django_capture_on_commit_callbacks, period="2026-10").json()
    for url in (REPORTS, detail(run["id"]), download(run["id"])):
        assert getattr(api(people.manager), method)(url, {"status": "done"}, format="json").status_code == 405
    assert ReportRun.objects.get(pk=run["id"]).status == ReportStatus.QUEUED


# --- Who may -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["agent", "lead", "repair", "marketing"])
def test_agents_leads_and_department_handlers_may_not(api, client, people, broker, clock, who,
                                                      django_capture_on_commit_callbacks):
    run = ask(api(people.manager), django_capture_on_commit_callbacks, period="2026-10").json()
    tasks.generate_report(run["id"])
    user = getattr(people, who)
    other = api(user)

    assert ask(other, django_capture_on_commit_callbacks, period="2026-10").status_code == 403
    for url in (REPORTS, detail(run["id"]), download(run["id"])):
        response = other.get(url)
        assert response.status_code == 403, (url, response.content)
        assert response.json()["detail"]
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"period": "2026-10", "format": "xlsx"}).status_code == 403
    assert ReportRun.objects.count() == 1 and broker == [run["id"]]
    with pytest.raises(NotPermitted):
        services.report_request(actor=user, period="2026-10", unit=None, fmt="xlsx", language="zh-hans")


def test_supervisors_may_and_anonymous_may_not(api, client, people, broker, clock,
                                               django_capture_on_commit_callbacks):
    assert ask(api(people.supervisor), django_capture_on_commit_callbacks, period="2026-10").status_code == 202
    assert api(None).get(REPORTS).status_code in (401, 403)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Bad input: 400 with a clear message, nothing queued -----------------------------------------------------

@pytest.mark.parametrize(("body", "field", "code", "words"), [
    ({"period": "2026-13"}, "period", "bad_period", "YYYY-MM"),
    ({"period": "abc"}, "period", "bad_period", "YYYY-MM"),
    ({"period": "2026-1"}, "period", "bad_period", "YYYY-MM"),
    ({"period": "2026-100"}, "period", "bad_period", "YYYY-MM"),
    ({"period": "2026-12"}, "period", "future_period", "2026-11"),  # next month (the clock says 2026-11-22)
    ({"period": "2027-01"}, "period", "future_period", "2026-11"),
    ({"period": "1999-12"}, "period", "bad_period", "2000-01"),
    ({"period": "2026-10", "unit": 999999}, "unit", "unknown_unit", "999999"),
])
def test_a_bad_month_or_unit_is_refused(api, people, broker, clock, body, field, code, words,
                                        django_capture_on_commit_callbacks):
    response = ask(api(people.manager), django_capture_on_commit_callbacks, **body)

    assert response.status_code == 400, response.content
    error = response.json()  # in the request's language (Chinese by default): the words are the values it names
    assert error["field"] == field and error["code"] == code and words in error["detail"], error
    assert not ReportRun.objects.exists() and broker == []


@pytest.mark.parametrize(("body", "field"), [
    ({"period": "2026-10", "format": "docx"}, "format"),
    ({"format": "xlsx"}, "period"),
    ({"period": "2026-10", "unit": "center"}, "unit"),
])
def test_malformed_requests_get_field_errors(api, people, broker, clock, body, field,
                                             django_capture_on_commit_callbacks):
    response = ask(api(people.manager), django_capture_on_commit_callbacks, **body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not ReportRun.objects.exists()


def test_the_current_month_is_allowed_with_its_figures_so_far(api, people, broker, clock,
                                                              django_capture_on_commit_callbacks):
    response = ask(api(people.manager), django_capture_on_commit_callbacks, period="2026-11")
    assert response.status_code == 202, response.content
    assert tasks.generate_report(response.json()["id"]).endswith("done")


# --- Claimed once; abandoned runs re-claimed; failures recorded ------------------------------------------------

def queued_run(people, **fields) -> ReportRun:
    return ReportRun.objects.create(period="2026-10", format="xlsx", requested_by=people.manager, **fields)


def test_a_run_is_generated_once_however_often_its_message_comes(people, october, monkeypatch, media):
    calls = []
    real = services.monthly_assessment
    monkeypatch.setattr(services, "monthly_assessment", lambda **kw: calls.append(kw["period"]) or real(**kw))
    run = queued_run(people)

    first = services.report_generate(run_id=run.pk)
    done = snapshot(run.pk)
    second = services.report_generate(run_id=run.pk)  # a duplicate message, a redelivery

    assert first.status == second.status == ReportStatus.DONE
    assert calls == ["2026-10"]
    assert snapshot(run.pk) == done and done["attempts"] == 1
    assert [p for p in Path(media).rglob("*") if p.is_file()] == [Path(first.file.path)]  # one file, no leftovers
    assert services.report_generate(run_id=987654) is None  # a run that no longer exists: nothing


def test_a_run_running_elsewhere_is_left_alone_but_an_abandoned_one_is_taken_over(people, october, clock):
    busy = queued_run(people, status=ReportStatus.RUNNING, started_at=NOW - dt.timedelta(minutes=5), attempts=1,
                      progress=35)
    abandoned = queued_run(people, status=ReportStatus.RUNNING, started_at=NOW - dt.timedelta(minutes=16),
                           attempts=1, progress=35)

    assert services.report_generate(run_id=busy.pk).status == ReportStatus.RUNNING
    assert snapshot(busy.pk)["progress"] == 35 and snapshot(busy.pk)["attempts"] == 1

    taken = services.report_generate(run_id=abandoned.pk)
    assert (taken.status, taken.attempts, taken.started_at) == (ReportStatus.DONE, 2, NOW)
    assert taken.file and taken.size


def test_a_worker_that_lost_its_run_meanwhile_keeps_nothing(people, october, monkeypatch, media):
    """While this worker writes, the run is thought abandoned and claimed again by another: its progress and
    result are dropped (the run is the other worker's)."""
    run = queued_run(people)
    real = services.write_report

    def slow_write(assessment, fmt, out, **kwargs):
        ReportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() + dt.timedelta(seconds=1))
        return real(assessment, fmt, out, **kwargs)

    monkeypatch.setattr(services, "write_report", slow_write)
    result = services.report_generate(run_id=run.pk)

    assert result.status == ReportStatus.RUNNING and not result.file
    assert not [p for p in Path(media).rglob("*") if p.is_file()]


def test_a_failure_is_recorded_for_the_user_without_the_internals(api, people, october, monkeypatch, broker,
                                                                  django_capture_on_commit_callbacks, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError('relation "kpi_secret" does not exist')

    monkeypatch.setattr(services, "write_report", explode)
    manager = api(people.manager)
    run = ask(manager, django_capture_on_commit_callbacks, period="2026-10").json()

    assert tasks.generate_report(run["id"]) == f"report run {run['id']}: failed"  # nothing raised

    body = manager.get(detail(run["id"])).json()
    assert body["status"] == "failed" and body["finished_at"] and body["download_url"] is None
    assert "RuntimeError" in body["error"] and "kpi_secret" not in body["error"]
    assert "kpi_secret" in caplog.text  # the details are in the log
    assert manager.get(download(run["id"])).status_code == 409
    assert services.report_generate(run_id=run["id"]).status == ReportStatus.FAILED  # not retried by a duplicate


def test_progress_is_written_as_it_grows(people, october, monkeypatch):
    run = queued_run(people)
    seen = []
    real_update = services._Progress.__call__

    def spy(self, percent):
        real_update(self, percent)
        seen.append(ReportRun.objects.get(pk=run.pk).progress)

    monkeypatch.setattr(services._Progress, "__call__", spy)
    services.report_generate(run_id=run.pk)

    assert seen and seen == sorted(seen) and 0 < seen[0] and max(seen) <= 99
    assert any(50 < value < 100 for value in seen) and any(0 < value <= 50 for value in seen)
    assert snapshot(run.pk)["progress"] == 100


# --- The outbox: a broker that is down ---------------------------------------------------------------------

def test_a_request_while_the_broker_is_down_stays_queued_until_the_dispatcher_sends_it(
        api, people, october, monkeypatch, broker_down, caplog, django_capture_on_commit_callbacks):
    manager = api(people.manager)

    response = ask(manager, django_capture_on_commit_callbacks, period="2026-10")

    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    assert snapshot(run_id)["status"] == ReportStatus.QUEUED
    assert "could not be sent to the broker" in caplog.text

    # The broker is back. Beat's dispatcher sends what waited more than a minute, and only that.
    monkeypatch.undo()
    sent = []
    monkeypatch.setattr(tasks.generate_report, "delay", lambda run_id: sent.append(run_id))
    assert services.reports_dispatch_queued(now=timezone.now() + dt.timedelta(seconds=30)) == 0
    assert tasks.dispatch_reports.apply(kwargs={}).result == 0  # the real task: not yet due either
    assert services.reports_dispatch_queued(now=timezone.now() + dt.timedelta(seconds=61)) == 1
    assert sent == [run_id]

    tasks.generate_report(run_id)
    assert manager.get(detail(run_id)).json()["status"] == "done"
    assert services.reports_dispatch_queued(now=timezone.now() + dt.timedelta(hours=1)) == 0  # done: left alone


def test_the_dispatcher_resends_abandoned_runs_and_gives_up_after_three_attempts(people, broker, clock):
    fresh = queued_run(people, status=ReportStatus.RUNNING, started_at=NOW - dt.timedelta(minutes=3), attempts=1)
    abandoned = queued_run(people, status=ReportStatus.RUNNING, started_at=NOW - dt.timedelta(minutes=20),
                           attempts=2)
    hopeless = queued_run(people, status=ReportStatus.RUNNING, started_at=NOW - dt.timedelta(minutes=20),
                          attempts=3)

    assert services.reports_dispatch_queued() == 1
    assert broker == [abandoned.pk]
    assert snapshot(fresh.pk)["status"] == ReportStatus.RUNNING
    gave_up = snapshot(hopeless.pk)
    assert gave_up["status"] == ReportStatus.FAILED and "3" in gave_up["error"] and gave_up["finished_at"] == NOW


# --- Beat on the 1st -----------------------------------------------------------------------------------------

def test_on_the_1st_last_months_report_is_made_once_for_the_center_and_every_unit(org, broker, time_machine,
                                                                                  django_capture_on_commit_callbacks):
    county = UnitFactory(code="county", name="示范县供电公司", parent=org.city)
    moment = dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)  # 2026-11-01 00:30 in Shanghai
    time_machine.move_to(moment, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        created = services.reports_schedule_monthly(moment=moment)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.reports_schedule_monthly(moment=moment)  # a second beat, a restart
        assert tasks.monthly_reports() == 0

    runs = ReportRun.objects.all()
    assert {(r.period, r.unit_id, r.format, r.scheduled, r.requested_by_id, r.language) for r in runs} == {
        ("2026-10", unit, "xlsx", True, None, "zh-hans") for unit in (None, org.city.pk, org.center.pk, county.pk)}
    assert len(created) == runs.count() == 4 and again == []
    assert sorted(broker) == sorted(run.pk for run in created)  # each sent once

    # 23:30 on Oct 31 in Shanghai is still October: the report then would be September's.
    assert services.reports_schedule_monthly(moment=dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC))[0].period \
        == "2026-09"


def test_a_scheduled_run_is_generated_like_any_other(org, october, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = services.reports_schedule_monthly()
    center_run = next(run for run in created if run.unit_id is None)
    done = services.report_generate(run_id=center_run.pk)
    assert done.status == ReportStatus.DONE and done.period == "2026-10"
    workbook = load_workbook(done.file.path, read_only=True)
    notes = [cell for row in workbook.worksheets[-1].iter_rows(values_only=True) for cell in row if cell]
    assert "2026-10" in notes


def test_beat_has_the_monthly_and_the_dispatch_schedules():
    monthly = PeriodicTask.objects.get(task="kpi.tasks.monthly_reports")
    assert monthly.enabled and monthly.interval is None
    crontab = monthly.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0", "1", "1", "*", "*")
    assert str(crontab.timezone) == "Asia/Shanghai"
    dispatch = PeriodicTask.objects.get(task="kpi.tasks.dispatch_reports")
    assert dispatch.enabled and dispatch.crontab is None
    assert (dispatch.interval.every, dispatch.interval.period) == (1, "minutes")
    assert {"kpi.tasks.monthly_reports", "kpi.tasks.dispatch_reports", "kpi.tasks.generate_report"} <= set(app.tasks)
    assert tasks.generate_report.acks_late

    # The migration is reversible and running it twice adds nothing.
    migration = importlib.import_module("kpi.migrations.0004_report_schedules")
    migration.unschedule_reports(django_apps, None)
    assert not PeriodicTask.objects.filter(task__in=["kpi.tasks.monthly_reports", "kpi.tasks.dispatch_reports"])
    assert not CrontabSchedule.objects.filter(hour="1", day_of_month="1").exists()
    migration.schedule_reports(django_apps, None)
    migration.schedule_reports(django_apps, None)
    assert PeriodicTask.objects.filter(task="kpi.tasks.monthly_reports").count() == 1
    assert PeriodicTask.objects.filter(task="kpi.tasks.dispatch_reports").count() == 1
    assert CrontabSchedule.objects.filter(hour="1", day_of_month="1").count() == 1


# --- The page ------------------------------------------------------------------------------------------------

def test_the_page_asks_for_a_report_and_lists_the_runs(client, people, org, october, broker):
    client.force_login(people.manager)

    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="2026-10"' in html and 'max="2026-11"' in html  # last month by default, no later than now
    assert 'value="xlsx"' in html and "checked" in html

    with_commit = client.post(PAGE, {"period": "2026-10", "unit": org.center.pk, "format": "csv"})
    assert with_commit.status_code == 302 and with_commit["Location"] == PAGE
    run = ReportRun.objects.get()
    assert (run.period, run.unit, run.format, run.requested_by, run.language) == (
        "2026-10", org.center, "csv", people.manager, "zh-hans")

    listing = client.get(PAGE).content.decode()
    assert f'id="run-{run.pk}"' in listing and "<progress" in listing and 'data-status="queued"' in listing
    assert f'data-run-url="{detail(run.pk)}"' in listing and "report-progress.js" in listing

    services.report_generate(run_id=run.pk)
    listing = client.get(PAGE).content.decode()
    assert "<progress" not in listing and f'href="{download(run.pk)}"' in listing

    download_response = client.get(download(run.pk))  # the link works with the session
    assert download_response.status_code == 200 and content(download_response).startswith(b"\xef\xbb\xbf")


def test_the_page_refuses_a_future_month_on_the_form(client, people, broker, clock):
    client.force_login(people.supervisor)
    response = client.post(PAGE, {"period": "2026-12", "format": "xlsx"})
    assert response.status_code == 400
    assert response.context["form"].errors["period"]
    assert not ReportRun.objects.exists()


def test_the_page_shows_a_failed_runs_error(client, people, clock):
    client.force_login(people.manager)
    queued_run(people, status=ReportStatus.FAILED, error="报表生成失败（RuntimeError）")
    html = client.get(PAGE).content.decode()
    assert "报表生成失败（RuntimeError）" in html and "<progress" not in html


def test_the_nav_links_the_page_for_those_who_may(client, people):
    client.force_login(people.manager)
    assert f'href="{PAGE}"' in client.get("/kpi/ledger/").content.decode()
    client.force_login(people.lead)
    assert f'href="{PAGE}"' not in client.get("/kpi/ledger/").content.decode()
