# The two commands: `make run` and `make test` (both work on a fresh clone).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck imports unit bench bench-search bench-booking clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: install, migrate the SQLite database (var/), seed demo accounts and a week of flights, serve on http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/funflights db upgrade
	$(BIN)/funflights demo seed
	$(BIN)/funflights demo generate --days 7 --scale 0.3
	FUNFLIGHTS_DEMO=true $(BIN)/funflights serve --host $(HOST) --port $(PORT)

## make test: ruff, mypy --strict, import-linter, then every test suite
test: lint typecheck imports unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

## make bench: routes, identity, pricing, margin-rule change, booking and search benchmarks (figures printed, nothing asserted; search loads 1.1M flights into PostgreSQL first)
bench: $(STAMP)
	$(BIN)/python bench/routes_bench.py
	$(BIN)/python bench/identity_bench.py
	$(BIN)/python bench/pricing_bench.py
	$(BIN)/python bench/margin_change_bench.py
	$(BIN)/python bench/booking_bench.py
	$(BIN)/python bench/booking_bench.py --offers-ahead 250 --no-bare
	$(BIN)/python bench/search_bench.py --load

## make bench-booking: the booking benchmark only (with the offer in each booking, then without)
bench-booking: $(STAMP)
	$(BIN)/python bench/booking_bench.py
	$(BIN)/python bench/booking_bench.py --offers-ahead 250 --no-bare

## make bench-search: the search benchmark only, reusing the loaded PostgreSQL database
bench-search: $(STAMP)
	$(BIN)/python bench/search_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build src/*.egg-info
