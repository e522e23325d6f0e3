# fleetopt — every target creates .venv when missing and installs what it needs (offline
# except for the package installers). See README.md.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP_CORE := $(VENV)/.stamp-core
STAMP_APP := $(VENV)/.stamp-app
STAMP_TEST := $(VENV)/.stamp-test
PIPFLAGS := --only-binary=:all: --disable-pip-version-check -q

.PHONY: demo app test bench install clean lint

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install $(PIPFLAGS) --upgrade pip

$(STAMP_CORE): pyproject.toml | $(BIN)/python
	$(PIP) install $(PIPFLAGS) -e .
	touch $@

$(STAMP_APP): pyproject.toml $(STAMP_CORE)
	$(PIP) install $(PIPFLAGS) -e '.[app]'
	touch $@

$(STAMP_TEST): pyproject.toml $(STAMP_APP)
	$(PIP) install $(PIPFLAGS) -e '.[app,dask,dev,bench]'
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; browser tests will be skipped"; }
	touch $@

install: $(STAMP_CORE)

demo: $(STAMP_CORE)
	$(BIN)/fleetopt demo

app: $(STAMP_APP)
	$(BIN)/streamlit run apps/streamlit_app.py --server.address 127.0.0.1 --server.port 8501 \
	  --browser.gatherUsageStats false --server.headless true

test: $(STAMP_TEST)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check fleetopt apps tests benchmarks demand networks
	$(BIN)/mypy fleetopt
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) runs .pytest_cache build *.egg-info
