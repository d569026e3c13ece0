# Gongkai — the commands a newcomer needs. See README.md and docs/development.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ONLY ?=
# PostgreSQL used by `make test` when reachable (override with DATABASE_URL=postgres://…)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite test-postgres bench lint typecheck messages check-migrations install clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Gongkai needs Python >= 3.11 / 需要 Python 3.11 或更高版本")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py $(wildcard gongkai/opinion/analysis/*.c gongkai/opinion/analysis/*.h) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	@# The cache tables first: migrations that create pages already empty the page cache.
	$(BIN)/gongkai createcachetable
	$(BIN)/gongkai migrate --no-input
	$(BIN)/gongkai demo load
	@echo ""
	@echo "公开 Gongkai:  http://$(HOST):$(PORT)/   工作人员后台 / staff: http://$(HOST):$(PORT)/admin/"
	$(BIN)/gongkai serve --host $(HOST) --port $(PORT)

test: install
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ] || $(BIN)/python -c 'import psycopg,sys; psycopg.connect("$(PG_TEST_URL)", connect_timeout=3).close()' 2>/dev/null; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable: suite ran on SQLite only / 未连接 PostgreSQL，仅在 SQLite 上运行"; fi

test-sqlite: install
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -n 2 -q $(ARGS)

test-postgres: install
	@echo "== tests on PostgreSQL =="
	DATABASE_URL=$${DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/pytest -n 2 -q $(ARGS)

bench: install
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY),)

lint: install
	$(BIN)/ruff check gongkai bench tests
	$(BIN)/ruff format --check gongkai bench tests

typecheck: install
	$(BIN)/mypy gongkai

check-migrations: install
	$(BIN)/gongkai makemigrations --check --dry-run

messages: install
	cd gongkai && ../$(BIN)/python ../manage.py makemessages -l en --no-location --no-obsolete --ignore '*/tests/*'
	cd gongkai && ../$(BIN)/python ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var build *.egg-info
