"""The monthly assessment report 月度考核 in a real browser (Debian's Chromium through Playwright, against
``live_server``): a manager opens the reports page, asks for last month's XLSX report, watches its progress bar
move while a worker generates it, then downloads the file, which opens with openpyxl and holds the month's
figures.

The worker: ``generate_report.delay`` (sent after the commit) starts ``report_generate`` in a thread, as a
Celery worker would pick up the message; its progress callback is slowed down (0.4 s a step) so the bar is seen
between 0 and 100 %, polled by the page once a second.

With SCREENSHOTS=1 it also writes docs/screenshots/reports.png (1280×800).
Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (see the root conftest.py)."""

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from openpyxl import load_workbook

from kpi import tasks
from kpi.models import PenaltyRule, ReportRun, ReportStatus
from kpi.reports import services
from kpi.reports.figures import month_bounds, previous_period
from kpi.services import entry_post_manual
from tests.factories import PASSWORD, logged_call

from . import test_handover_browser as handover

# The handover test's fixtures: one headless Chromium, plain-HTTP cookies.
browser, plain_cookies = handover.browser, handover.plain_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOTS", "").strip().lower() not in ("", "0", "false", "no", "off")
SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "reports.png"
VIEWPORT = {"width": 1280, "height": 800}
STEP_DELAY_S = 0.4
BAR_BETWEEN = """() => {
  const bar = document.querySelector("tr.report-run progress");
  return bar !== null && bar.value > 0 && bar.value < 100 ? bar.value : false;
}"""


@pytest.fixture
def last_month(people, customer):
    """Last month (Asia/Shanghai): agent answered a call after 4 s and was charged 200 yuan for an intranet
    violation."""
    period = previous_period(timezone.now())
    start, _ = month_bounds(period)
    ring = start + dt.timedelta(days=9, hours=10)
    logged_call(caller_number=customer.phone, ring_started_at=ring, answered_at=ring + dt.timedelta(seconds=4),
                ended_at=ring + dt.timedelta(minutes=2), agent=people.agent, logged_by=people.telephony)
    entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead, agent=people.agent,
                      reason="内网电脑接入手机热点", occurred_at=start + dt.timedelta(days=11, hours=9))
    return period


@pytest.fixture
def worker(live_server, monkeypatch, settings, tmp_path):
    """A Celery worker in a thread: each message sent to generate_report runs ``report_generate``. With SQLite in
    memory it shares the live server's connection (the test database lives in it); otherwise it opens its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    shared = dict(live_server.thread.connections_override or {})
    threads: list[threading.Thread] = []
    errors: list[BaseException] = []

    def work(run_id: int) -> None:
        for alias, connection in shared.items():
            connections[alias] = connection
        try:
            services.report_generate(run_id=run_id)
        except BaseException as error:  # report_generate raises nothing; if it did, the test must say so
            errors.append(error)
        finally:
            if not shared:
                connections.close_all()

    def delay(run_id: int) -> None:
        thread = threading.Thread(target=work, args=(run_id,), name=f"report-worker-{run_id}", daemon=True)
        threads.append(thread)
        thread.start()

    real_progress = services._Progress.__call__

    def slowly(self, percent):
        real_progress(self, percent)
        time.sleep(STEP_DELAY_S)

    monkeypatch.setattr(tasks.generate_report, "delay", delay)
    monkeypatch.setattr(services._Progress, "__call__", slowly)
    yield threads
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def log_in(browser, base_url: str, username: str):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(handover.TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next=/kpi/reports/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/kpi/reports/")
    return page


def test_a_manager_asks_for_last_months_report_watches_it_and_downloads_it(live_server, browser, plain_cookies,
                                                                          people, last_month, worker, tmp_path):
    base = live_server.url
    manager = log_in(browser, base, "manager")
    manager.goto(f"{base}/")
    manager.click("nav a[href='/kpi/reports/']")
    manager.wait_for_selector("#report-form")

    # Last month is offered; the whole center and XLSX are chosen.
    assert manager.input_value("#report-form input[name=period]") == last_month
    manager.select_option("#report-form select[name=unit]", "")
    manager.check("#report-format input[value=xlsx]")
    manager.click("#report-form button[type=submit]")
    manager.wait_for_selector(".messages")

    run = ReportRun.objects.get()
    assert (run.period, run.unit, run.format, run.requested_by) == (last_month, None, "xlsx", people.manager)
    row = f"#run-{run.pk}"
    assert last_month in manager.locator(row).inner_text()

    # The bar moves while the worker generates the report (the page polls the API once a second).
    seen = manager.wait_for_function(BAR_BETWEEN, polling=100).json_value()
    assert 0 < seen < 100
    assert manager.locator(f"{row} .run-percent").inner_text().strip() == f"{seen}%"
    assert manager.get_attribute(row, "data-status") == "running"
    if SCREENSHOTS:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        manager.screenshot(path=str(SCREENSHOT))
    later = manager.wait_for_function(f"() => {{ const v = ({BAR_BETWEEN})(); return v > {seen} ? v : false; }}",
                                      polling=100).json_value()
    assert seen < later < 100

    # Done: the bar gives way to the download link, and the size is shown.
    link = manager.locator(f"{row} a.download")
    link.wait_for(timeout=60_000)
    assert manager.locator(f"{row} progress").count() == 0
    assert manager.get_attribute(row, "data-status") == "done"
    assert "KB" in manager.locator(f"{row} .run-size").inner_text() or "bytes" in manager.locator(
        f"{row} .run-size").inner_text()

    with manager.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert last_month in download.suggested_filename and download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    agent = next(row for row in rows if "agent" in row)
    assert 200 in agent  # the intranet violation, in yuan
    notes = [cell for row in workbook.worksheets[-1].iter_rows(values_only=True) for cell in row]
    assert last_month in notes

    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (ReportStatus.DONE, 100, 1)
    assert run.size == saved.stat().st_size
