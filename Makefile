# Sales Inquiries — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies

run: $(STAMP) ## Start embedded PostgreSQL + Redis (unless DATABASE_URL/REDIS_URL) and every service
	$(BIN)/inquiries run

test: $(STAMP) ## Run the whole suite against real PostgreSQL and Redis
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## Measure the services next to their peers; writes bench/results/latest.json
	$(BIN)/python -m bench

lock: ## Re-resolve requirements.lock from pyproject.toml (names, versions, hashes only)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 \
		--no-header --universal -o requirements.lock
	@echo "now: make install"

clean: ## Remove .venv and the embedded servers' data
	rm -rf $(VENV) .data

.PHONY: help install run test lint format bench lock clean
