# Two commands for a newcomer: `make run` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HOTLINE_CONFIG ?= config/examples/rhein-sieg.toml
# Where `make run` serves: `make run PORT=8081` (HOST=0.0.0.0 to be reached from other machines).
PORT ?= 8080
HOST ?= 127.0.0.1

.PHONY: run test lint check bench clean vendor

# The lock is a prerequisite too, so a new pinned version is fetched by the next `make run`/`make test`.
$(STAMP): pyproject.toml service/vendor.lock.json
	$(PYTHON) -c 'import sys; sys.exit("hotline needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m service.vendor_assets  # offline: says so and carries on (only Twilio Video and the charts need it)
	touch $(STAMP)

# The npm packages the pages serve from /static/vendor/ (service/vendor.lock.json: Twilio Video, Chart.js):
# downloaded, checked against the lock, nothing done when already in place.
vendor: $(STAMP)
	$(BIN)/python -m service.vendor_assets $(VENDOR_FLAGS)

# Links, the first-start message and webhook signatures use the public URL: the served one
# unless HOTLINE_PUBLIC_URL is set.
run: export HOTLINE_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/hotline db upgrade
	$(BIN)/hotline users bootstrap
	$(BIN)/hotline demo seed --days 365 --if-empty  # a year of synthetic contacts for the planner's pages, once
	$(BIN)/hotline serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -n auto --durations=15  # one worker per core: each has its own PostgreSQL database and ports; the slowest tests listed

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

check: lint test

bench: $(STAMP)
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/idle_memory.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/webhooks.py --postgres
	$(BIN)/python bench/claims.py
	$(BIN)/python bench/worklist.py
	$(BIN)/python bench/database_faults.py
	$(BIN)/python bench/erlang.py
	$(BIN)/python bench/recommend.py
	$(BIN)/python bench/capacity.py --events 1e5,1e6
	$(BIN)/python bench/audit_search.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
