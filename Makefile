# ropa: two commands on a fresh machine, `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# WeasyPrint renders PDFs with Pango and HarfBuzz from the system.
DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

.PHONY: run test lint test-sqlite test-postgres bench syslibs clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "ropa needs Python 3.11 or newer"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

syslibs:
	@command -v dpkg >/dev/null || { echo "not Debian: make sure Pango, HarfBuzz (subset) and DejaVu fonts are installed"; exit 0; }; \
	missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing$$missing"; \
	    apt-get install -y -q $$missing >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null; }; \
	  else echo "WeasyPrint (PDF export) needs these Debian packages: sudo apt-get install$$missing"; exit 1; fi; \
	fi

run: $(STAMP) syslibs
	$(BIN)/ropa migrate
	$(BIN)/ropa seed --if-empty
	$(BIN)/ropa serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ropa audit exports

test-sqlite: $(STAMP) syslibs
	ROPA_TEST_ENGINE=sqlite $(PYTEST)

test-postgres: $(STAMP) syslibs
	@test -n "$$ROPA_TEST_POSTGRES_URL" || { echo "set ROPA_TEST_POSTGRES_URL=postgresql://..."; exit 1; }
	ROPA_TEST_ENGINE=postgres $(PYTEST)

# The whole suite on SQLite and, when ROPA_TEST_POSTGRES_URL is set, again on PostgreSQL.
test: lint test-sqlite
	@if [ -n "$$ROPA_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "ROPA_TEST_POSTGRES_URL not set: PostgreSQL run skipped (CI always sets it)"; fi

bench: $(STAMP) syslibs
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
