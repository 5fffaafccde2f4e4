# Two commands do all set-up: `make demo` and `make test`. Each builds its own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The database tests also run on PostgreSQL (make test-postgres, as CI does).
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-postgres lint clean fuzz loadtest

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

# Separate commands that print figures (not tests): >= 10,000 generated inputs across the
# history import, the forms and the API; 50 users for 60 s against a real `vuoro serve`.
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz

loadtest: $(STAMP)
	$(BIN)/python -m web.loadtest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance *.egg-info
