# Local development, tests and CI entry points. Every recipe uses the project venv explicitly.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?= -n auto

.PHONY: help venv run test lint diagrams clean messages bench

help:
	@echo "make venv      create .venv and install the pyproject dependencies (incl. [test])"
	@echo "make run       migrate, collectstatic, seed demo data, start gunicorn + celery worker + beat"
	@echo "make test      run pytest on all cores (PYTEST_ARGS='-k foo' replaces the default '-n auto')"
	@echo "make lint      ruff check"
	@echo "make diagrams  regenerate docs/state-diagrams.md"
	@echo "make clean     remove var/ (SQLite database, broker folder, static files)"
	@echo "make messages  update locale/zh_Hans django.po from the sources, then compile django.mo"
	@echo "make bench     PostgreSQL benchmarks at 1,000,000 orders (recreates database bench), writes BENCHMARKS.md"

venv: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

# Re-installs only when pyproject.toml is newer than the stamp; the stamp is written after success.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# DEBUG=1 unless the caller sets it (settings refuse to start without SECRET_KEY when DEBUG is off).
run: venv
	@set -e; export DEBUG="$${DEBUG:-1}"; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py collectstatic --noinput -v 0; \
	$(PY) manage.py seed_demo; \
	if $(PY) manage.py help setup_beat >/dev/null 2>&1; then $(PY) manage.py setup_beat; fi; \
	exec bin/run-local

test: venv
	SECRET_KEY="$${SECRET_KEY:-test-only-not-secret}" $(PY) -m pytest $(PYTEST_ARGS)

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

# Starts PostgreSQL/Redis if needed (bench/services.sh), drops and recreates the database `bench`, generates
# the data set and writes BENCHMARKS.md (see bench/__init__.py). BENCH_STRICT=1 fails on a missed target.
bench: venv
	bash bench/services.sh
	BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://app:app@127.0.0.1:5432/bench}" $(PY) -m bench
