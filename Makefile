# Two commands matter: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

.PHONY: run test ui bench validate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp files re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# torch first, alone and pinned, so pip takes the local CPU build and never resolves another torch
# for the [semantic] extra (which pins the same version).
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,semantic,ray,ner]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python -m data_assets run

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# `dg dev` (pyproject's [tool.dg]) where dagster-dg-cli is installed; it has no release for every
# dagster patch (none for 1.13.28 yet, and it pins dagster to its own version), so it is not a
# declared dependency and `dagster dev` on the same workspace is the fallback.
ui: $(VENV)/.installed
	if [ -x $(BIN)/dg ]; then $(BIN)/dg dev; else $(BIN)/dagster dev -w workspace.yaml; fi

validate: $(VENV)/.installed
	$(BIN)/dagster definitions validate -w workspace.yaml

bench: $(VENV)/.installed-dev
	$(BIN)/python -m data_assets_tests.benchmarks

clean:
	rm -rf .data
