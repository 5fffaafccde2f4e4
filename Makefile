# Two commands do all set-up: `make demo` and `make test`. Each builds its own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The database tests also run on PostgreSQL (make test-postgres, as CI does).
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

# The benchmarks against other tools (statsforecast's AutoETS and MSTL beside our forecasts,
# pyworkforce beside our rosters) run in their own venv: statsforecast pins pandas<3, so it is
# on pandas 2.2 (the oldest pandas the project supports); neither is a product dependency.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: demo test test-postgres screenshots lint clean bench-forecast fuzz loadtest bench-schedule bench-pyworkforce

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vuoro demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto --dist loadfile -m 'not serial'
	$(BIN)/pytest -q -m serial

test-postgres: $(STAMP)
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -m 'database and not serial' -n auto --dist loadfile
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -m 'database and serial'

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]' 'pandas>=2.2,<2.3' 'pyworkforce>=0.5,<0.6'
	touch $(BENCH_STAMP)

bench-forecast: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m forecasts.bench

# the browser tests write their screenshots to a temporary folder; this refreshes the README's
screenshots: $(STAMP)
	BROWSER_SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q tests/browser

# Separate commands that print figures (not tests): >= 10,000 generated inputs across the
# history import, the forms and the API; 50 users for 60 s against a real `vuoro serve`.
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz

loadtest: $(STAMP)
	$(BIN)/python -m web.loadtest

bench-schedule: $(STAMP)
	$(BIN)/vuoro bench schedule --size S M

bench-pyworkforce: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m scheduler.bench_pyworkforce

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(BENCH_VENV) instance *.egg-info
