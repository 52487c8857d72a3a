# Two entry points for a fresh machine: `make serve` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup serve test browsers node-tools bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

serve: setup
	$(BIN)/feedaudit serve

# Debian's Chromium for the browser tests; Playwright's own build where apt is unavailable.
browsers:
	@if [ -x "$(CHROMIUM)" ]; then echo "chromium: $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y chromium || ($$SUDO apt-get update && $$SUDO apt-get install -y chromium); \
	else $(BIN)/playwright install chromium; fi

# web-ext (npm) lints the Firefox build of the extension.
node-tools:
	@command -v npm >/dev/null || { echo "npm is needed for the extension lint test: install Node.js 20+"; exit 1; }
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

test: setup browsers node-tools
	$(BIN)/pytest

bench: setup
	$(BIN)/python tests/benchmarks/run_all.py
