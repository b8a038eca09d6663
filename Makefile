# Two front doors: `make demo` (set up + index the default libraries + a sample search and question)
# and `make test` (set up + boundaries + lint + test suite). Both create .venv if missing.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
QUESTION ?= how do I set a timeout on every request of a client
ASK ?= which exception does httpx raise when a read times out, and what is its base class

.PHONY: setup sysdeps demo test lint bench eval clean

# System packages the tests drive for real: tmux (the TUI in a terminal), chromium (pages and
# notebooks in a headless browser), haproxy (replicas behind a load balancer), wrk (load).
SYSDEPS := tmux chromium haproxy wrk

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

sysdeps:
	@missing=""; for cmd in $(SYSDEPS); do command -v $$cmd >/dev/null || missing="$$missing $$cmd"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: sysdeps lint
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/workbench eval

bench: setup
	$(BIN)/workbench bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
