# rbg-operator developer entry points. `make demo` and `make test` are the README's two set-up commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.11 is required" >&2; exit 1; }
	@echo ">> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP) ## create .venv with the pinned dependencies and the rbg-operator command

binaries: $(STAMP) ## build (once per machine) the pinned control-plane binaries
	$(BIN)/rbg-operator devcluster build

crds: $(STAMP) ## regenerate crds/, schemas/ (JSON Schemas for kubeconform) and docs/api.md from the API models
	$(BIN)/python -m rbg_operator.gen.crdgen crds
	cp crds/*.yaml charts/rbg-operator/crds/
	$(BIN)/python -m rbg_operator.gen.jsonschemagen schemas
	$(BIN)/python -m rbg_operator.gen.docgen docs/api.md

test: binaries ## run every test: unit, then end-to-end against the devcluster
	@echo ">> unit tests"
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)
	@echo ">> end-to-end tests (the devcluster starts once for the session)"
	$(BIN)/pytest -v tests/e2e $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy and the import-layer contract
	$(BIN)/ruff check rbg_operator tests benchmarks
	$(BIN)/ruff format --check rbg_operator tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

demo: binaries ## the main job: devcluster + operator + an example PD-disaggregated RBG, status printed
	$(BIN)/python -m rbg_operator.demo

bench: binaries ## run the benchmarks (see benchmarks/README.md)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

down: ## stop the devcluster
	-$(BIN)/rbg-operator devcluster down

clean: down ## remove the venv and local state (not the per-user binary cache)
	rm -rf $(VENV) .devcluster .pytest_cache .mypy_cache .ruff_cache

.PHONY: help setup binaries crds test lint demo bench down clean
