"""Order creation over HTTP side by side with django-helpdesk's API (the issue: at least 4× its create rate).

Both are measured the same way, one after the other on the same machine and the same PostgreSQL server: gunicorn
with the API suite's workers and style (``DEBUG`` off, the bench ``SECRET_KEY``, persistent database connections,
no access log), wrk with the API suite's script machinery — one thread, 10 connections, the API suite's run
length — after a warm-up of the API suite's length, on a server started for that run and stopped after it. The
runs alternate, ours first — ours, theirs, ours, theirs … — and the two servers never run at the same time.

*Ours* is the API suite's create request, unchanged: ``POST /api/v1/work-orders/`` with ``{kind, description,
caller_number}`` as one of the API suite's agents (token), the caller half an existing customer, half a new
number (a customer is created), against the bench database with its generated orders.

*Theirs* is django-helpdesk, the current release from PyPI in a virtualenv of its own
(``var/bench-helpdesk/venv``, pinned below; ``make bench-tools`` or this suite creates it), served from
``bench/helpdesk_site`` (settings, urls, wsgi: the API on, DRF's token authentication, JSON rendering only, e-mail
rendered and dropped). Its database ``bench_helpdesk`` on the same PostgreSQL server is dropped, created and
migrated by every run; it holds one queue and one staff user (``is_staff``: the API's ``IsAdminUser``) with a
DRF token. The request is its create-ticket endpoint, ``POST /api/tickets/`` (``TicketViewSet``, DRF's router in
``helpdesk/urls.py``), with what ``TicketSerializer`` and the ``TicketForm`` it saves through need: ``queue``,
``title`` (the kind's name), ``description`` (the same texts as ours), ``submitter_email`` (a new address each
time) and ``priority`` (3, its default, which the form requires). Creating a ticket writes the ticket, its first
follow-up, and renders the e-mail to the submitter (``EMAIL_BACKEND`` dummy: sent nowhere).

The figure judged is the **ratio of the medians**: the median requests/s of our runs over the median of theirs;
the target is at least 4. Each response is counted by the wrk script (2xx or not); the rows are counted in each
database before and after each timed run (after the server has served what wrk left queued): the orders or
tickets created must be the 2xx responses plus the requests wrk had written and not yet read an answer to when
it stopped (at most one per connection; the server completes them after the run).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from .. import http, pg
from ..measure import AtLeast, Block, Check, Figure, Section
from .api import JUDGED_AT, SECONDS, WARM_UP_S
from .api_requests import (
    DESCRIPTIONS,
    ENDPOINTS,
    KIND_WEIGHTS,
    expect_lua,
    lua_data,
    prepare_fixtures,
    server_config,
    server_env,
)

VENV = Path("var/bench-helpdesk/venv")  # under the repository (var/ is not committed)
# django-helpdesk 2.6.1 (the current release) needs Django >= 5.2 and Python >= 3.10; the Django, DRF and gunicorn
# are the versions ours runs (pyproject.toml's ranges, as installed in .venv).
PINS = ("django-helpdesk==2.6.1", "Django==5.2.19", "djangorestframework==3.18.3", "psycopg2-binary==2.9.13",
        "gunicorn==27.0.1")
DATABASE = "bench_helpdesk"
SETTINGS = "bench.helpdesk_site.settings"
RATIO = AtLeast(limit=4.0, text="at least 4× django-helpdesk's create rate (ratio of the medians)")
TITLES = {"repair": "停电报修", "consultation": "用电咨询", "complaint": "服务投诉", "report": "隐患举报",
          "suggestion": "服务建议"}


def ensure_venv(repo: Path, log=print) -> Path:
    """``python3 -m venv`` and ``pip install`` of ``PINS``, unless the virtualenv has them already (its stamp
    file lists the pins it was made with)."""
    venv = repo / VENV
    stamp = venv / "bench-pins.txt"
    wanted = "\n".join(PINS) + "\n"
    if stamp.exists() and stamp.read_text() == wanted and (venv / "bin" / "gunicorn").exists():
        return venv
    log(f"bench: helpdesk: creating {VENV} with {', '.join(PINS)} …")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *PINS], check=True)
    stamp.write_text(wanted)
    return venv


def _their_env(repo: Path, url: str) -> dict:
    return {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, "SECRET_KEY": os.environ["SECRET_KEY"],
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "MEDIA_ROOT": str(repo / "var" / "bench-helpdesk" / "media"),
            "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"),
            "PYTHONDONTWRITEBYTECODE": "1"}  # bench/helpdesk_site holds its three files only


SETUP = """
import json, django
django.setup()
from importlib import metadata
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
queue = Queue.objects.create(title="Hotline", slug="hotline")
user = get_user_model().objects.create_user("bench-staff", "staff@example.com", is_staff=True)
versions = {d.metadata["Name"]: d.version for d in metadata.distributions()}
print("SETUP " + json.dumps({"queue": queue.id, "token": Token.objects.create(user=user).key, "versions": versions}))
"""


def setup_theirs(repo: Path, venv: Path, url: str, log=print) -> dict:
    """Drop, create and migrate ``bench_helpdesk``; one queue, one staff user with a token. Returns the queue's
    id, the token, the virtualenv's package versions and the migration's time."""
    pg.recreate_database(url)
    env, python = _their_env(repo, url), str(venv / "bin" / "python")
    started = time.perf_counter()
    subprocess.run([python, "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=repo, env=env, check=True,
                   capture_output=True, text=True)
    migrate_s = time.perf_counter() - started
    out = subprocess.run([python, "-c", SETUP], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout
    data = json.loads(next(ln for ln in out.splitlines() if ln.startswith("SETUP "))[len("SETUP "):])
    log(f"bench: helpdesk: database {DATABASE} migrated in {migrate_s:.1f} s, queue {data['queue']}")
    return {**data, "migrate_s": migrate_s}


def _count(url: str, table: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")  # the table's name is one of two constants
            return cur.fetchone()[0]
    finally:
        conn.close()


def their_lua(token: str, queue: int) -> str:
    titles = [TITLES[k] for k, weight in KIND_WEIGHTS for _ in range(weight // 5)]
    return "\n".join([
        f"token = {http.lua_string(token)}",
        f"queue = {int(queue)}",
        f"titles = {http.lua_list(titles)}",
        f"descriptions = {http.lua_list(DESCRIPTIONS)}",
        THEIR_REQUEST,
    ])


THEIR_REQUEST = """
function request()
  local body = '{"queue":' .. queue .. ',"title":"' .. pick(titles) .. '","description":"' .. pick(descriptions) ..
               '","submitter_email":"c' .. math.random(0, 999999999) .. '@example.com","priority":3}'
  return wrk.format("POST", "/api/tickets/", {["Authorization"] = "Token " .. token,
                    ["Content-Type"] = "application/json", ["Accept"] = "application/json"}, body)
end
"""


@dataclass
class Side:
    """One of the two servers: how to start it, its script, where its rows are counted."""

    key: str  # "ours" or "theirs"
    name: str
    request: str
    script: str
    app: str
    gunicorn: Path | None
    env: dict
    inherit_env: bool
    count_url: str
    table: str
    runs: list[tuple[http.WrkResult, int]]  # (the timed run, rows created during it)
    warm: list[http.WrkResult]


def _one_run(ctx, side: Side, config: http.ServerConfig, workdir: Path, out: list[str], number: int) -> None:
    with http.Gunicorn(repo=ctx.repo, config=config, log=ctx.log, env=side.env, app=side.app,
                       gunicorn=side.gunicorn, inherit_env=side.inherit_env) as server:
        if number == 1:
            out.append(f"# {side.key}: {' '.join(server.command)}\n")
        if WARM_UP_S > 0:
            warm = http.run_wrk(url=server.url, script=side.script, connections=JUDGED_AT, seconds=WARM_UP_S,
                                workdir=workdir)
            side.warm.append(warm)
            out.append(f"# run {number}, {side.key}: warm-up\n{warm.stdout}")
            server.wait_idle()
        before = _count(side.count_url, side.table)
        result = http.run_wrk(url=server.url, script=side.script, connections=JUDGED_AT, seconds=SECONDS,
                              server=server, workdir=workdir)
        server.wait_idle()  # what wrk left queued is served before the rows are counted
        created = _count(side.count_url, side.table) - before
        out.append(f"# run {number}, {side.key}: timed ({created} rows created)\n{result.stdout}")
        errors = server.error_text()
        if errors.strip():
            out.append(f"# run {number}, {side.key}: gunicorn's error log\n{errors}")
    side.runs.append((result, created))
    ctx.log(f"bench: helpdesk: run {number} {side.key:6s} {result.rps:7.0f}/s p50 {result.p50_ms:.1f} p95 "
            f"{result.p95_ms:.1f} ms, {result.ok} 2xx, {result.not_2xx} other, {result.unanswered} unanswered, "
            f"{created} rows created")


def _runs(ctx) -> int:
    raw = os.environ.get("BENCH_HELPDESK_RUNS", "").strip()
    if raw:
        return max(1, int(raw))
    return max(3, ctx.repeat) if ctx.sizes.is_default else ctx.repeat


def run(ctx) -> Section:
    section = Section(title="Side by side: order creation against django-helpdesk's API",
                      intro=__doc__.split("\n\n", 1)[1].strip())
    started = time.perf_counter()
    log = ctx.log
    if not http.wrk_available():
        section.checks.append(Check("wrk is installed (apt-get install wrk)", False, "not found: nothing measured"))
        return section
    try:
        venv = ensure_venv(ctx.repo, log)
        their_url = urlunsplit(urlsplit(ctx.database_url)._replace(path="/" + DATABASE))
        theirs_setup = setup_theirs(ctx.repo, venv, their_url, log)
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        section.checks.append(Check("django-helpdesk was installed and its database set up", False,
                                    str(detail)[-600:]))
        return section

    fx = prepare_fixtures(log)
    create = next(ep for ep in ENDPOINTS if ep.key == "create")
    ours = Side("ours", "Ours", f"`{create.request}`", lua_data(fx) + create.lua + expect_lua(create),
                "contactcenter.wsgi", None, server_env(ctx.database_url), True, ctx.database_url,
                "tickets_workorder", [], [])
    versions = theirs_setup["versions"]
    theirs = Side("theirs", f"django-helpdesk {versions.get('django-helpdesk', '?')}",
                  "`POST /api/tickets/ {queue, title, description, submitter_email, priority}`",
                  their_lua(theirs_setup["token"], theirs_setup["queue"]), "bench.helpdesk_site.wsgi",
                  venv / "bin" / "gunicorn", _their_env(ctx.repo, their_url), False, their_url, "helpdesk_ticket",
                  [], [])
    config, runs = server_config(), _runs(ctx)
    orders_before = _count(ctx.database_url, "tickets_workorder")
    background = http.background_busy()
    log(f"bench: helpdesk: {runs} runs each, alternating, gunicorn with {config.text}, {JUDGED_AT} connections, "
        f"{SECONDS:g} s (+ {WARM_UP_S:g} s warm-up) …")
    workdir = Path(tempfile.mkdtemp(prefix="bench-helpdesk-"))
    wrk_out: list[str] = []
    try:
        for number in range(1, runs + 1):
            for side in (ours, theirs):
                _one_run(ctx, side, config, workdir, wrk_out, number)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    section.files["helpdesk-wrk.txt"] = "\n".join(wrk_out)
    section.files["helpdesk-requests.lua"] = (f"-- ours ({create.request}); data tables as in the API suite\n"
                                              f"{create.lua}\n-- theirs\n{THEIR_REQUEST}")
    section.files["helpdesk-venv-versions.txt"] = "".join(f"{k}=={v}\n" for k, v in sorted(versions.items()))

    _report(section, ours, theirs, config=config, versions=versions, setup=theirs_setup, background=background,
            orders_before=orders_before)
    section.duration_s = time.perf_counter() - started
    return section


def _report(section: Section, ours: Side, theirs: Side, *, config, versions, setup, background,
            orders_before) -> None:
    rps = {side.key: [r.rps for r, _ in side.runs] for side in (ours, theirs)}
    for side in (ours, theirs):
        section.figures.append(Figure(f"{side.name}: create over HTTP, {JUDGED_AT} connections", "requests/s",
                                      rps[side.key], higher_is_better=True, note=side.request))
    med_ours, med_theirs = statistics.median(rps["ours"]), statistics.median(rps["theirs"])
    ratio = med_ours / med_theirs if med_theirs else 0.0
    pairs = [o / t for o, t in zip(rps["ours"], rps["theirs"], strict=True) if t]
    section.figures.append(Figure(
        "Order creation over HTTP: ours ÷ django-helpdesk's (ratio of the medians)", "×", [ratio], target=RATIO,
        higher_is_better=True,
        note=f"{med_ours:,.0f}/s ÷ {med_theirs:,.0f}/s; run by run (each of ours against the run of theirs right "
             f"after it): {', '.join(f'{p:.2f}' for p in pairs)}"))

    for side in (ours, theirs):
        every = [r for r, _ in side.runs] + side.warm
        bad = sum(r.not_2xx for r in every)
        socket = sum(r.socket_errors + r.timeouts for r in every)
        sample = next((r.sample for r in every if r.sample), "")
        section.checks.append(Check(
            f"{side.name}: every create response was 2xx (timed runs and warm-ups, counted by the wrk script)",
            bad == 0 and socket == 0,
            f"{sum(r.requests for r in every):,} responses, {bad} not 2xx, {socket} socket errors or timeouts"
            + (f"; first: {sample[:160]}" if sample else "")))
        mismatched = [f"run {i}: {created} created, {r.ok} 2xx + {r.unanswered} unanswered"
                      for i, (r, created) in enumerate(side.runs, 1) if created != r.ok + r.unanswered]
        total_created = sum(c for _, c in side.runs)
        section.checks.append(Check(
            f"{side.name}: the rows created in its database ({side.table}) are its 2xx responses (plus the "
            "requests unanswered when wrk stopped)", not mismatched,
            "; ".join(mismatched)[:600] or f"{total_created:,} rows = {sum(r.ok for r, _ in side.runs):,} 2xx + "
            f"{sum(r.unanswered for r, _ in side.runs)} unanswered, over {len(side.runs)} timed "
            + ("run" if len(side.runs) == 1 else "runs")))

    def med(side: Side, attr: str) -> str:
        return f"{statistics.median(getattr(r, attr) for r, _ in side.runs):.1f}"

    table = ["| | requests/s (median, min–max) | p50 ms | p95 ms | p99 ms | gunicorn CPU per request | rows created |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for side in (ours, theirs):
        total = sum(r.requests for r, _ in side.runs)
        cpu_ms = sum(r.server_cpu_s for r, _ in side.runs) / total * 1000 if total else 0.0
        values = rps[side.key]
        table.append(f"| {side.name} | {statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f}) | "
                     f"{med(side, 'p50_ms')} | {med(side, 'p95_ms')} | {med(side, 'p99_ms')} | {cpu_ms:.1f} ms | "
                     f"{sum(c for _, c in side.runs):,} |")
    theirs_versions = ", ".join(f"{name} {versions.get(name, '?')}" for name in
                                ("django-helpdesk", "Django", "djangorestframework", "gunicorn", "psycopg2-binary"))
    ours_versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                              ("Django", "djangorestframework", "gunicorn", "psycopg2-binary"))
    env_theirs = ", ".join(f"{k}={v}" for k, v in theirs.env.items() if k in ("DJANGO_SETTINGS_MODULE",
                                                                             "ALLOWED_HOSTS"))
    section.intro += "\n\n" + "\n".join([
        f"**Versions.** Theirs: {theirs_versions} (Python {_their_python(theirs)}; every package of the virtualenv "
        f"in `helpdesk-venv-versions.txt`). Ours: {ours_versions} (Python {sys.version.split()[0]}).",
        "",
        f"**Servers.** Both `gunicorn <app> --workers {config.workers} --worker-class {config.worker_class} "
        "--timeout 60 --graceful-timeout 5 --log-level warning` on a free 127.0.0.1 port: ours "
        "`contactcenter.wsgi` with the API suite's environment (Redis cache); theirs `bench.helpdesk_site.wsgi` "
        f"from its virtualenv with {env_theirs} and only PATH and HOME inherited. Database `bench_helpdesk` "
        f"migrated in {setup['migrate_s']:.1f} s; ours had {orders_before:,} work orders when the suite started.",
        "",
        f"**Load.** wrk, 1 thread, {JUDGED_AT} connections, {SECONDS:g} s timed after {WARM_UP_S:g} s of "
        f"warm-up, {len(ours.runs)} runs each in the order ours, theirs, ours, theirs …; a new server for every "
        f"run. Theirs' body, e.g.: `{{\"queue\":{setup['queue']},\"title\":\"停电报修\",\"description\":"
        "\"家中停电，空调不能用\",\"submitter_email\":\"c123456789@example.com\",\"priority\":3}` with "
        "`Authorization: Token …`; ours': `{\"kind\":\"repair\",\"description\":\"家中停电，空调不能用\","
        "\"caller_number\":\"17012345678\"}`.",
        "",
        f"**The machine was {background * 100:.0f} % busy with other work** before the suite started (both cores, "
        "3 s).",
        "",
        *table,
    ])
    listing = ["run  server   requests/s  p50 ms  p95 ms  2xx     other  unanswered  rows created  machine busy"]
    for number, (o, t) in enumerate(zip(ours.runs, theirs.runs, strict=True), 1):
        for side, (r, created) in (("ours", o), ("theirs", t)):
            listing.append(f"{number:<4d} {side:8s} {r.rps:10,.0f}  {r.p50_ms:6.1f}  {r.p95_ms:6.1f}  {r.ok:<7,d} "
                           f"{r.not_2xx:<6d} {r.unanswered:<11d} {created:<13,d} {r.machine_busy * 100:.0f} %")
    section.blocks.append(Block("Every run, in the order they ran", "\n".join(listing), raw=True))


def _their_python(side: Side) -> str:
    python = side.gunicorn.parent / "python" if side.gunicorn else None
    if python is None:
        return "?"
    out = subprocess.run([str(python), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                         text=True, check=False)
    return out.stdout.strip() or "?"


if __name__ == "__main__":  # make bench-tools: the virtualenv, before any run
    print(ensure_venv(Path(__file__).resolve().parents[2]))
