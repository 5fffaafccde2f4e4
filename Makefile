# Two commands do all set-up: `make demo` and `make test`. Each builds its own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The database tests also run on PostgreSQL (make test-postgres, as CI does).
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-postgres lint clean bench-schedule bench-pyworkforce

# pyworkforce is only for the side-by-side benchmark: its own venv, never a product dependency
BENCH_VENV := .venv-bench

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
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q tests/web

bench-schedule: $(STAMP)
	$(BIN)/vuoro bench schedule --size S M

$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e . 'pyworkforce>=0.5,<0.6'
	touch $(BENCH_VENV)/.installed

bench-pyworkforce: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m scheduler.bench_pyworkforce

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(BENCH_VENV) instance *.egg-info
