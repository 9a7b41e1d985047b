# The two commands: `make run` (service + worker on embedded SQLite/Redis) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

CONSTRAINTS := .ci/constraints.txt

.PHONY: run test lint install install-test bench clean lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(BIN)/fraudwatch serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Lint (ruff, rules in pyproject.toml) and the layer contracts (import-linter, [tool.importlinter]).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.installed-test
	$(BIN)/python bench/lookup.py
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/crawl.py

# Resolve pyproject.toml's dependencies afresh in a scratch venv and pin what came.
lock:
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet '.[test]'
	{ sed -n '1,3p' $(CONSTRAINTS); build/lock-venv/bin/pip freeze --exclude-editable | grep -v '^fraudwatch'; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS) && rm -rf build/lock-venv

# Known vulnerabilities in the pinned versions (pip-audit in a venv of its own).
audit:
	test -x build/audit-venv/bin/pip-audit || { $(PYTHON) -m venv build/audit-venv && build/audit-venv/bin/pip install --quiet pip-audit; }
	build/audit-venv/bin/pip-audit --requirement $(CONSTRAINTS) --no-deps --disable-pip --progress-spinner off

clean:
	rm -rf $(VENV) build *.egg-info
