# Local development, tests and CI entry points. Every recipe uses the project venv explicitly.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?= -n auto
# The fault tests (tests/faults, marker `faults`) are left out of `make test`: `make test-faults` runs them.
# A -m in PYTEST_ARGS comes later on the command line and so replaces this selection.
TEST_SELECTION := -m "not faults"

.PHONY: help venv run test test-faults lint diagrams clean messages bench bench-live bench-tools vendor fonts clients

help:
	@echo "make venv      create .venv and install the pyproject dependencies (incl. [test])"
	@echo "make run       migrate, collectstatic, seed demo data, start gunicorn + uvicorn (live) + celery worker + beat"
	@echo "make test      run pytest on all cores (PYTEST_ARGS='-k foo' replaces the default '-n auto'), without tests/faults"
	@echo "make test-faults  kill / restart Redis, PostgreSQL and Celery workers of their own under the running app (~5 min)"
	@echo "make lint      ruff check"
	@echo "make diagrams  regenerate docs/state-diagrams.md"
	@echo "make clean     remove var/ (SQLite database, broker folder, static files)"
	@echo "make messages  update locale/zh_Hans django.po from the sources, then compile django.mo"
	@echo "make bench     PostgreSQL benchmarks at 1,000,000 orders (recreates database bench), writes BENCHMARKS.md"
	@echo "make bench-live  only the live suite (500 WebSocket consoles vs 1 s polling, PostgreSQL + Redis): its section of BENCHMARKS.md"
	@echo "make vendor    re-copy the browser libraries (Chart.js, axe-core for the tests) from package-lock.json into static/vendor/ (needs npm)"

venv: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

# Re-installs only when pyproject.toml is newer than the stamp; the stamp is written after success.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The PDF report's Chinese font (kpi/reports/writers/pdf.py); without it (not root) the PDF uses a built-in font.
WQY := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
fonts:
	@[ -f $(WQY) ] || if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-wqy-zenhei >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	         --no-install-recommends fonts-wqy-zenhei >/dev/null; } \
	    || echo "fonts-wqy-zenhei could not be installed: PDF reports use the built-in STSong-Light font"; \
	else echo "fonts-wqy-zenhei is missing (install it as root): PDF reports use the built-in STSong-Light font"; fi

# DEBUG=1 unless the caller sets it (settings refuse to start without SECRET_KEY when DEBUG is off).
run: venv fonts
	@set -e; export DEBUG="$${DEBUG:-1}"; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py collectstatic --noinput -v 0; \
	$(PY) manage.py seed_demo; \
	exec bin/run-local

test: venv fonts clients
	$(PY) -m pytest $(TEST_SELECTION) $(PYTEST_ARGS)

# The TypeScript client's generator and compiler (tests/test_generated_clients.py), from package-lock.json.
clients: node_modules/.installed
node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Fault tests: each starts its own PostgreSQL cluster and redis-server on free ports (never the shared ones) and
# real gunicorn / Celery worker / beat processes, then stops, kills and restarts them. One at a time (no -n).
# Needs the postgresql and redis-server packages (skipped without them unless REQUIRE_POSTGRES / REQUIRE_REDIS=1).
# FAULTS_KILL_TRIALS (10) worker kills; FAULTS_SEED repeats a run's kill moments; FAULTS_ARGS go to pytest.
test-faults: venv
	$(PY) -m pytest -m faults -rA tests/faults $(FAULTS_ARGS)

lint: venv
	$(PY) -m ruff check .

diagrams: venv
	DEBUG="$${DEBUG:-1}" $(PY) manage.py state_diagrams

clean:
	rm -rf var/

# New source strings come out with an empty msgstr: translate them in locale/zh_Hans/LC_MESSAGES/django.po, run again.
messages: venv
	DEBUG="$${DEBUG:-1}" $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --no-obsolete
	DEBUG="$${DEBUG:-1}" $(PY) manage.py compilemessages --ignore=.venv

# Starts PostgreSQL/Redis if needed (bench/services.sh), drops and recreates the databases `bench` and
# `bench_helpdesk`, generates the data set and writes BENCHMARKS.md (the summary, the method, the plans) and the
# run's full report with the raw tool output under var/bench/<UTC time>/ (see bench/__init__.py).
# BENCH_STRICT=1 fails on a missed target.
# The load generators of the HTTP suites: locust (the [bench] extra) and wrk (Debian's package, installed when root);
# django-helpdesk for the side-by-side suite, pinned in bench/suites/helpdesk.py, in its own virtualenv
# var/bench-helpdesk/venv (python3 -m venv + pip; redone only when the pins change).
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench-tools: $(BENCH_STAMP)
	@command -v wrk >/dev/null || if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	         --no-install-recommends wrk >/dev/null; } \
	    || echo "wrk could not be installed: the api suite says so in BENCHMARKS.md"; \
	else echo "wrk is missing (apt-get install wrk as root): the api suite says so in BENCHMARKS.md"; fi
	@$(PY) -m bench.suites.helpdesk >/dev/null \
	    || echo "django-helpdesk could not be installed in var/bench-helpdesk/venv: the helpdesk suite says so"

bench: venv bench-tools
	bash bench/services.sh
	BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://app:app@127.0.0.1:5432/bench}" $(PY) -m bench

# Issue 20: 500 agents' consoles on WebSockets (uvicorn, channels-redis on the local Redis) against the 1 s poll
# (bench/suites/live.py, the load in bench/live_load.py). Recreates the database and the data set like `make bench`
# (the wallboard's refresh is timed at 1,000,000 orders), then runs this suite only: BENCHMARKS.md keeps every other
# section and gets this one, its Summary rows and checks replaced. BENCH_KEEP_DATA=1 make bench-live measures again on
# the data set the last run left (no drop, no generation: about 3 minutes). A quick try on a small data set, written
# elsewhere: BENCH_ORDERS=20000 BENCH_DUE=1000 BENCH_CUSTOMERS=10000 BENCH_DATABASE_URL=postgres://app:app@
# 127.0.0.1:5432/bench_try .venv/bin/python -m bench --only live --output /tmp/live.md (BENCH_LIVE_* in the suite).
bench-live: venv
	bash bench/services.sh
	BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://app:app@127.0.0.1:5432/bench}" $(PY) -m bench --only live

# The browser libraries are committed under static/vendor/ (so `make run` needs no npm); this re-does the copy from
# the versions pinned in package-lock.json. Chart.js's UMD bundle includes @kurkle/color: both licences go along.
# axe-core (MPL-2.0) is for the browser tests only (tests/browser/test_mobile_browser.py injects it): no page links it.
CHARTJS := static/vendor/chart.js
AXE := static/vendor/axe-core
vendor:
	npm ci --no-audit --no-fund
	mkdir -p $(CHARTJS) $(AXE)
	cp node_modules/chart.js/dist/chart.umd.min.js $(CHARTJS)/chart.umd.min.js
	cp node_modules/chart.js/LICENSE.md $(CHARTJS)/LICENSE.md
	cp node_modules/@kurkle/color/LICENSE.md $(CHARTJS)/LICENSE-kurkle-color.md
	cp node_modules/axe-core/axe.min.js $(AXE)/axe.min.js
	cp node_modules/axe-core/LICENSE $(AXE)/LICENSE
