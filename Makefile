# Every target the README names. `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
# The first Python 3.13 that actually runs (a pyenv shim for a version that is not selected
# exists but fails, so each candidate is tried).
PYTHON ?= $(shell for c in $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $$(command -v python3.13); do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$c"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
# sam build for the python3.13 runtime needs python3.13 on PATH: the project venv provides it.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup demo up test lint typecheck unit bench eval train sam-cli build clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found: install it or run make PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(SAM): | $(STAMP)
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet "aws-sam-cli==$(SAM_VERSION)"

sam-cli: $(SAM)

demo: setup  ## replay the sample through the local stack, then keep serving
	$(BIN)/crowdcare demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/cfn-lint template.yaml

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit -q

test: setup sam-cli lint typecheck  ## everything CI runs
	CROWDCARE_SAM=$(abspath $(SAM)) $(BIN)/pytest

bench: setup
	$(BIN)/python -m tools.bench.run_bench

train: setup  ## retrain the embedded triage models from ../shared/data (deterministic)
	$(BIN)/python -m tools.train_triage

eval: setup
	$(BIN)/python -m tools.eval.run_eval

build: sam-cli
	$(SAM) build

clean:
	rm -rf .aws-sam .crowdcare .pytest_cache .mypy_cache .ruff_cache
