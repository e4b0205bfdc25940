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
# checkov pins its own boto3 (1.35), which the project's pin excludes: it gets its own venv,
# like the SAM CLI, instead of a place in the dev extras.
CHECKOV_VENV := .tools/checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := 3.3.30
# sam build for the python3.13 runtime needs python3.13 on PATH: the project venv provides it.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup demo up test lint typecheck unit bench eval load train sam-cli build clean

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

$(CHECKOV): | $(STAMP)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet "checkov==$(CHECKOV_VERSION)"

demo: setup  ## replay the sample through the local stack, then keep serving (PORT=8000)
	$(BIN)/crowdcare demo $(if $(PORT),--port $(PORT))

# checkov runs offline; each skip is justified beside its resource (# checkov:skip=...).
lint: setup $(CHECKOV)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint template.yaml
	$(CHECKOV) --file template.yaml --framework cloudformation --compact --quiet --skip-download

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit -q

test: setup sam-cli lint typecheck  ## everything CI runs
	# The workflow suite runs in a session of its own: its session-wide local stack must not share
	# a process with the moto mocks and environment the other suites set up and tear down.
	CROWDCARE_SAM=$(abspath $(SAM)) $(BIN)/pytest --ignore=tests/workflow
	CROWDCARE_SAM=$(abspath $(SAM)) $(BIN)/pytest tests/workflow

bench: setup
	$(BIN)/python -m tools.bench.run_bench
	$(BIN)/python -m tools.bench.insight
	$(BIN)/python -m tools.bench.rewards
	$(BIN)/python -m tools.bench.analytics
	$(BIN)/python -m tools.bench.language_tables
	$(BIN)/python -m tools.bench.scaling

# Bounded: N deliveries (C in flight), at most 60 s of sending, then a bounded drain.
load: setup  ## N signed generic deliveries into the local stack; deliveries/s, p50/p99 ack, drain
	$(BIN)/python -m tools.load.run_load --deliveries $(or $(N),200) --concurrency $(or $(C),8)

train: setup  ## retrain the embedded triage models from ../shared/data (deterministic)
	$(BIN)/python -m tools.train_triage

eval: setup
	$(BIN)/python -m tools.eval.run_eval

build: sam-cli
	$(SAM) build

clean:
	rm -rf .aws-sam .crowdcare .pytest_cache .mypy_cache .ruff_cache
