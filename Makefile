# ropa: two commands on a fresh machine, `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# WeasyPrint renders PDFs with Pango and HarfBuzz from the system.
DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# The end-to-end tests (tests/e2e) drive Debian's Chromium through Playwright; Playwright's own browser
# download is never used. Only the tests need it, not `make run`.
CHROMIUM ?= $(or $(ROPA_E2E_CHROMIUM),/usr/bin/chromium)

.PHONY: lock run test lint test-sqlite test-postgres test-wheel soak bench bench-merge syslibs chromium clean

# Every version comes from requirements.lock (`make lock` rewrites it after a change of pyproject.toml).
$(STAMP): pyproject.toml requirements.lock
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "ropa needs Python 3.11 or newer"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip>=25.1'
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

lock: $(STAMP)
	$(BIN)/python .ci/lock.py

syslibs:
	@command -v dpkg >/dev/null || { echo "not Debian: make sure Pango, HarfBuzz (subset) and DejaVu fonts are installed"; exit 0; }; \
	missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing$$missing"; \
	    apt-get install -y -q $$missing >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null; }; \
	  else echo "WeasyPrint (PDF export) needs these Debian packages: sudo apt-get install$$missing"; exit 1; fi; \
	fi

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$(CHROMIUM)" = /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (Debian package) for the end-to-end tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	  else echo "the end-to-end tests (tests/e2e) need Chromium at $(CHROMIUM): sudo apt-get install chromium"; \
	    echo "(elsewhere: install Chromium and set ROPA_E2E_CHROMIUM=/path/to/chromium)"; exit 1; fi; \
	fi

run: $(STAMP) syslibs
	$(BIN)/ropa migrate
	$(BIN)/ropa seed --if-empty
	$(BIN)/ropa serve $(if $(PORT),--port $(PORT))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ropa audit exports tests
	$(BIN)/lint-imports

test-sqlite: $(STAMP) syslibs chromium
	ROPA_TEST_ENGINE=sqlite ROPA_E2E_CHROMIUM=$(CHROMIUM) $(PYTEST)

test-postgres: $(STAMP) syslibs chromium
	@test -n "$$ROPA_TEST_POSTGRES_URL" || { echo "set ROPA_TEST_POSTGRES_URL=postgresql://..."; exit 1; }
	ROPA_TEST_ENGINE=postgres ROPA_E2E_CHROMIUM=$(CHROMIUM) $(PYTEST)

# The wheel, built and installed into a fresh venv outside the checkout, migrates, seeds and serves.
test-wheel: $(STAMP)
	$(BIN)/python tests/package/check_wheel.py

# The whole suite on SQLite and, when ROPA_TEST_POSTGRES_URL is set, again on PostgreSQL, and the wheel:
# the three side by side (each waits on disk, the database server or a subprocess much of its time, so
# together they take about the time of the longest). `-Otarget` prints each run's output whole when it
# ends, so the two suites' reports do not interleave.
test: lint $(STAMP) syslibs chromium
	@if [ -n "$$ROPA_TEST_POSTGRES_URL" ]; then \
	  $(MAKE) --no-print-directory -j3 -Otarget test-sqlite test-postgres test-wheel; \
	else echo "ROPA_TEST_POSTGRES_URL not set: PostgreSQL run skipped (CI always sets it)"; \
	  $(MAKE) --no-print-directory -j2 -Otarget test-sqlite test-wheel; fi

bench: $(STAMP) syslibs
	$(BIN)/python bench/run.py

# The long variants of the fault and load runs (docs/reliability.md), for what shows only after many
# rounds or a long run, which `make test` is too short for: the kill -9 loop
# $(SOAK_ROUNDS) times and every other slow test (real server processes), then $(SOAK_SECONDS) s of
# mixed load per engine with the nothing-lost checks. PostgreSQL too when ROPA_TEST_POSTGRES_URL is set.
SOAK_ROUNDS ?= 30
SOAK_SECONDS ?= 600
soak: $(STAMP) syslibs
	ROPA_SOAK_ROUNDS=$(SOAK_ROUNDS) ROPA_TEST_ENGINE=sqlite $(PYTEST) -m slow tests/integration
	@if [ -n "$$ROPA_TEST_POSTGRES_URL" ]; then \
	  ROPA_SOAK_ROUNDS=$(SOAK_ROUNDS) ROPA_TEST_ENGINE=postgres $(PYTEST) -m slow tests/integration; fi
	$(BIN)/python -m bench.load --engine sqlite --seconds $(SOAK_SECONDS) --out /tmp/ropa-soak-sqlite.json
	@if [ -n "$$ROPA_TEST_POSTGRES_URL" ]; then \
	  ROPA_BENCH_POSTGRES_URL=$$ROPA_TEST_POSTGRES_URL $(BIN)/python -m bench.load --engine postgres \
	    --seconds $(SOAK_SECONDS) --out /tmp/ropa-soak-postgres.json; fi

# Some figures again, merged into docs/benchmarks.md: `make bench-merge FIGURES=exports,auth`. Their
# sections and summary rows are replaced (or added), the others kept; the report records both runs.
bench-merge: $(STAMP) syslibs
	@test -n "$(FIGURES)" || { echo "name the figures: make bench-merge FIGURES=exports,auth"; exit 1; }
	$(BIN)/python bench/run.py --merge --only $(FIGURES)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
