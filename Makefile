# The only commands people need. Everything installs itself from PyPI on first use:
# a fresh machine needs Python 3.11+, make and a C compiler, nothing else.

SHELL := /bin/bash
PYTHON ?= python3
# uv from PATH, else a private copy bootstrapped from PyPI into .tools/
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
MOTILAL_SIM_PORT ?= 8100

.PHONY: install run test test-fast sim lint fmt clean help bench drill contracts

help:
	@echo "make run    - the whole platform on embedded PostgreSQL, Redis and Kafka (Ctrl-C stops it)"
	@echo "make test   - every test, against real servers started for the run"
	@echo "make sim    - only the Motilal simulator, on 127.0.0.1:$(MOTILAL_SIM_PORT)"
	@echo "make bench  - benchmarks on the embedded stack (free ports): table + bench/results/*.json"
	@echo "make drill  - fault drills (DLQ, broker down, kills, replicas, PostgreSQL/Redis outages, API fuzz): PASS/FAIL"
	@echo "make contracts - regenerate docs/asyncapi.yaml, docs/schemas/, docs/samples/ from the code"
	@echo "make lint / make fmt / make clean"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.installed: $(UV) pyproject.toml uv.lock $(wildcard libs/*/pyproject.toml tools/*/pyproject.toml services/*/pyproject.toml)
	$(UV) sync --locked
	@touch $@

install: .venv/.installed

run: install
	$(UV) run --locked python -m stack run

test: install
	$(UV) run --locked pytest

test-fast: install
	$(UV) run --locked pytest -m "not slow"

sim: install
	$(UV) run --locked python -m motilal_sim --host 127.0.0.1 --port $(MOTILAL_SIM_PORT)

bench: install
	$(UV) run --locked python -m bench

drill: install
	$(UV) run --locked python -m bench.drill

contracts: install
	$(UV) run --locked python -m common.asyncapi write --docs docs

lint: install
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy libs/*/src tools/*/src services/*/src

fmt: install
	$(UV) run --locked ruff format .
	$(UV) run --locked ruff check --fix .

clean:
	rm -rf .state
