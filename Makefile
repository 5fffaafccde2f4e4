# Two commands do all set-up: `make demo` and `make test`. Each builds its own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The database tests also run on PostgreSQL (make test-postgres, as CI does).
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

# The forecast benchmark runs statsforecast's AutoETS and MSTL beside ours. statsforecast pins
# pandas<3, so it gets its own venv on pandas 2.2 (the oldest pandas the project supports).
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: demo test test-postgres screenshots lint clean bench-forecast fuzz loadtest

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vuoro demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -m database

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]' 'pandas>=2.2,<2.3'
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

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(BENCH_VENV) instance *.egg-info
