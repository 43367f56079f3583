# `make run` and `make test` are the only commands a newcomer needs: each creates or
# updates the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACELINE_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export PACELINE_TEST_POSTGRES_URL

.PHONY: setup run console test test-fast lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Paceline needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Says which database it uses (DATABASE_URL, default sqlite:///paceline.db) as it starts.
run: setup
	$(BIN)/paceline run

# The console with a demo team, in a database of its own (paceline-console.db), never the
# one `make run` uses; `paceline console --demo --database-url URL` picks another.
console: setup
	$(BIN)/paceline console --demo

test: setup
	$(BIN)/python -m pytest

# Style, formatting, the layers (import-linter contracts in pyproject.toml) and types.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) *.egg-info
