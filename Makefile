# Liangxin — every target works on a fresh machine with Python 3.11.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` and `make demo` are development conveniences: debug on, demo mode on.
DEV_ENV := LIANGXIN_DEBUG=1
TEST_ENV := LIANGXIN_DEBUG=1 LIANGXIN_DEMO=0

.PHONY: install run test lint typecheck pytest migrations-check demo bench bench-install clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PY) >/dev/null || { echo "Python 3.11 ($(PY)) is required"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Benchmark-only packages (baselines, the independent recomputation): `make bench` alone needs them.
$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

bench-install: $(BENCH_STAMP)

run: install
	@mkdir -p "$${LIANGXIN_VAR_DIR:-var}"
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v0
	@if [ "$${LIANGXIN_DEMO:-1}" != "0" ]; then $(DEV_ENV) $(BIN)/python manage.py load_demo --if-empty; fi
	$(DEV_ENV) $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	@if [ "$${LIANGXIN_DEMO:-1}" != "0" ]; then $(DEV_ENV) $(BIN)/python manage.py demo_totp; fi
	@# The census import worker runs beside the server, in the same foreground process group;
	@# Ctrl-C stops the server, and the trap stops the worker with it.
	@$(DEV_ENV) $(BIN)/python manage.py run_import_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

demo: install
	@mkdir -p "$${LIANGXIN_VAR_DIR:-var}"
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v0
	$(DEV_ENV) $(BIN)/python manage.py load_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(TEST_ENV) $(BIN)/mypy liangxin bench

migrations-check: install
	$(TEST_ENV) $(BIN)/python manage.py check
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	$(TEST_ENV) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck migrations-check pytest

bench: bench-install
	$(TEST_ENV) $(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
