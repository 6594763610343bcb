# redbag: two commands on a fresh machine.
#   make demo   set up and convert the bundled examples (no server needed)
#   make test   set up everything the tests need (packages, HAPI FHIR, PostgreSQL, Chromium) and run them
#   make test-helios  build helios-hfs (a third FHIR server; a long Rust build) and run the tests that use it
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-helios setup lint bench clean

$(BIN)/redbag: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/redbag

demo: setup
	$(BIN)/redbag convert examples/*.summary.json --out out/
	$(BIN)/redbag return examples/return-journey.discharge.json --summary examples/return-journey.summary.json --out out/
	$(BIN)/redbag readiness examples/return-journey.readiness.json --summary examples/return-journey.summary.json --out out/
	$(BIN)/redbag convert examples/csv --mapping care-home-csv --out out/csv/

test: setup
	bash scripts/test-setup.sh
	$(BIN)/ruff check adapter tests benchmarks
	$(BIN)/mypy
	REDBAG_REQUIRE_HAPI=1 REDBAG_REQUIRE_POSTGRES=1 REDBAG_REQUIRE_SEKMET=1 $(BIN)/pytest

test-helios: setup
	bash scripts/install-helios.sh
	REDBAG_REQUIRE_HELIOS=1 $(BIN)/pytest -m helios

lint: setup
	$(BIN)/ruff check adapter tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/convert.py

clean:
	rm -rf out $(VENV) .venv-sekmet .pytest_cache .mypy_cache .ruff_cache
