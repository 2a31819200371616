# Two commands do everything: `make run` and `make test` (`make test-fast` while working).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000
# The app, its worker and the links in its emails follow these (config.py: BASE_URL's default).
export HOST PORT
# Every file of the instance (database, queue, mail, uploads, the worker's log) lives here.
INSTANCE := $(or $(PLENARY_INSTANCE_DIR),instance)

.PHONY: run test test-fast lint serve worker seed migrate clean bench

# The compiled message catalogues (not in git): built from each language's .po file.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po | $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -i $< -o $@

## make run: install, migrate, load the demo programme if empty, serve with a queue worker
run: $(VENV)/.runtime $(CATALOGUES)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo "Plenary on http://$(HOST):$(PORT)  (mail without MAIL_SERVER goes to $(INSTANCE)/mail/)"
	@$(BIN)/python scripts/serve.py $(HOST) $(PORT) $(INSTANCE)

# axe-core for the accessibility checks of the browser tests (pinned in tests/browser/package-lock.json).
AXE := tests/browser/node_modules/axe-core/axe.min.js
NPM := $(shell command -v npm)

$(AXE): tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

# Compiled modules, and the test modules pytest rewrites, kept under .pytest_cache/ from one run
# to the next, even where PYTHONDONTWRITEBYTECODE is set (nothing is written beside the sources):
# compiling them at every run took 5 s of CPU before the first test.
# The suite runs in PYTEST_WORKERS pytest-xdist workers, one a core, each with its own database
# and instance folder (tests/conftest.py); the tests of one xdist_group run in one worker.
# PYTEST_WORKERS=0: all in this process (a debugger, --pdb). PYTEST_ARGS is passed on too.
PYTEST_WORKERS ?= 2
PYTEST_ALONE := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/.pytest_cache/pycache $(BIN)/python -m pytest
PYTEST := $(PYTEST_ALONE) -n $(PYTEST_WORKERS) $(if $(filter 0,$(PYTEST_WORKERS)),,--dist loadgroup)
# The scale test (2,000 registrations through gunicorn and two queue workers, one killed) has
# the machine to itself: beside the other worker's tests it missed its 120 s wait. Exit code 5
# is "no test selected", as when PYTEST_ARGS names other tests. On SQLite it is not started: it
# would only collect the suite again (3 s) to skip the one test.
SCALE_ALONE = $(PYTEST_ALONE) -m scale $(PYTEST_ARGS) || test $$? -eq 5

# mypy (20 s from a fresh clone, on one core) and bandit run beside the tests, which leave a core
# idle about a fifth of the time: `make test` took 15-20 s less. What they say is printed when the
# tests end, and either failing fails the target. $(1): the tests' command.
CHECKS_BESIDE := $(BIN)/mypy && $(BIN)/bandit -q -r app -lll
define BESIDE_THE_TESTS
	@checks=$$(mktemp); ($(CHECKS_BESIDE)) > $$checks 2>&1 & pid=$$!; \
	echo '$(1)'; $(1); tests=$$?; \
	wait $$pid; checked=$$?; echo '$(CHECKS_BESIDE)'; cat $$checks; rm -f $$checks; \
	test $$tests -eq 0 && test $$checked -eq 0
endef

## make test: lint, then the whole suite (SQLite; PostgreSQL with TEST_DATABASE_URL)
test: $(VENV)/.dev $(CATALOGUES) | $(if $(NPM),$(AXE))
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium is missing: the browser tests will NOT run (apt-get install -y chromium)."
	@test -n "$(NPM)" || echo "NOTE: npm is missing: axe-core is not installed and the accessibility checks will NOT run (apt-get install -y npm)."
	$(call BESIDE_THE_TESTS,$(PYTEST) -m "not scale" $(PYTEST_ARGS))
	$(if $(TEST_DATABASE_URL),$(SCALE_ALONE),@echo "NOTE: the scale test runs on PostgreSQL only (TEST_DATABASE_URL): skipped.")

## make test-fast: lint, then the suite without the browser tests and the scale test (the inner loop)
test-fast: $(VENV)/.dev $(CATALOGUES)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(call BESIDE_THE_TESTS,$(PYTEST) -m "not browser and not scale" $(PYTEST_ARGS))

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## make bench: every benchmark; each prints its figures, the last line one JSON object
bench: $(VENV)/.dev $(CATALOGUES)
	@command -v wrk >/dev/null || { echo "bench/registration.py needs wrk: apt-get install -y wrk"; exit 1; }
	@for script in registrations mail registration summaries attendance_import demo exports audience badges; do $(BIN)/python bench/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
