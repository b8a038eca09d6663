# Two front doors: `make demo` (set up + index the default libraries + a sample search and question)
# and `make test` (set up + boundaries + lint + test suite). Both create .venv if missing.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
QUESTION ?= how do I set a timeout on every request of a client
ASK ?= which exception does httpx raise when a read times out, and what is its base class

.PHONY: setup demo test lint bench eval clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/workbench ingest
	$(BIN)/workbench search "$(QUESTION)" -k 5
	$(BIN)/workbench ask "$(ASK)" --explain

lint: setup
	$(BIN)/lint-imports
	$(BIN)/ruff check workbench tests

test: lint
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/workbench eval

bench: setup
	$(BIN)/workbench bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
