# mikrobot: `make demo` runs the main job, `make test` runs the tests.
# Both create .venv when it is missing and install what they need into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint bench clean-venv

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mikrobot needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.base: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PIP) install -e ".[dev]"
	@touch $@ $(VENV)/.base

# The demo runs the daily-validation pipeline (papermill, nbconvert, ipykernel; no Dask: its
# short walk-forward runs in the kernel's own process).
$(VENV)/.pipelines: pyproject.toml | $(PY)
	$(PIP) install -e ".[pipelines]"
	@touch $@ $(VENV)/.base

demo: $(VENV)/.pipelines
	$(VENV)/bin/mikrobot demo

# Notebooks run in their own pytest call, in this venv's kernel: nbval runs a notebook's cells in
# one kernel, and xdist would spread them over workers (its loadgroup ignores xdist_group marks
# under pytest 9.2; loadfile would pin each big test module to one worker).
test: $(VENV)/.dev
	$(VENV)/bin/ruff check mikrobot tests benchmarks
	$(PY) -m pytest -q --nbval-lax --nbval-current-env notebooks
	$(PY) -m pytest -n auto -q

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check mikrobot tests benchmarks
	$(VENV)/bin/ruff format --check mikrobot tests benchmarks

bench: $(PY)
	$(PIP) install -e ".[bench]"
	$(PY) benchmarks/run.py

clean-venv:
	rm -rf $(VENV)
