# Two commands do everything: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint serve worker seed migrate clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## make run: install, migrate, load the demo programme if empty, serve with a queue worker
run: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo "Plenary on http://$(HOST):$(PORT)  (mail without MAIL_SERVER goes to instance/mail/)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/huey_consumer app.queue.huey --workers 1 --delay 0.1 --max-delay 1 --logfile instance/worker.log & \
	  $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 wsgi:app

## make test: lint, then the whole suite (SQLite; PostgreSQL with TEST_DATABASE_URL)
test: $(VENV)/.dev
	$(BIN)/ruff check .
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium is missing: the browser tests will NOT run (apt-get install -y chromium)."
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .

## make bench: every benchmark; each prints its figures, the last line one JSON object
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || { echo "bench/registration.py needs wrk: apt-get install -y wrk"; exit 1; }
	@for script in registrations mail registration summaries attendance_import; do $(BIN)/python bench/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
