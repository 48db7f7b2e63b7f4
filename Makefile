# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format bench fuzz test-deps clean i18n lock

$(BASE_STAMP): pyproject.toml constraints.txt
	@$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): $(BASE_STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,dev]'
	@touch $@

## Start web, worker and beat in one process on embedded MongoDB (mongomock) and Redis (valkey).
run: $(BASE_STAMP)
	INBOX_DEMO=$${INBOX_DEMO:-1} $(BIN)/inbox serve

## Run every test (installs Chromium and dovecot, as root, when missing), in parallel
## processes: most tests wait on sockets, so three share two cores well.
TEST_WORKERS ?= 3
test: $(TEST_STAMP) test-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-deps:
	@scripts/ensure-test-deps

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks.ingest
	$(BIN)/python -m benchmarks.delivery
	$(BIN)/python -m benchmarks.rules
	$(BIN)/python -m benchmarks.sla_tick
	$(BIN)/python -m benchmarks.search
	$(BIN)/python -m benchmarks.reports

## The API fuzzed from its OpenAPI description for longer than `make test` does (about 20 min).
fuzz: $(TEST_STAMP)
	INBOX_FUZZ_EXAMPLES=100 INBOX_FUZZ_SECONDS=1200 $(BIN)/python -m pytest tests/test_fuzz.py

## Extract user-facing strings and update the Vietnamese catalogue.
i18n: $(TEST_STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --omit-header -o inbox/web/locale/messages.pot .
	$(BIN)/pybabel update --omit-header -i inbox/web/locale/messages.pot -d inbox/web/locale -l vi

## Resolve pyproject.toml afresh into constraints.txt (then run `make test` before committing).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[test,dev]'
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
