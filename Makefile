# Corral: `make run` starts the platform locally, `make test` runs the whole suite.
# Both create the virtualenvs they need on first use.
PYTHON ?= python3
VENV := .venv
SDK_VENV := .venv-sdk
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SDK_STAMP := $(SDK_VENV)/.installed

.PHONY: run test bench clean sdk-venv

# The `corral` command (pyproject.toml): editable, so .venv/bin/corral runs cli/ as it is.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The official client pins pydantic v1: it gets a virtualenv of its own (with boto3, which
# the stories use to look at the customer's emulated account).
$(SDK_STAMP): Makefile
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/python -m pip install --quiet bodosdk==2.3.2 boto3
	touch $@

sdk-venv: $(SDK_STAMP)

run: $(STAMP)
	$(PY) -m local.run

test: $(STAMP) $(SDK_STAMP)
	scripts/ensure-chromium
	$(PY) -m pytest -q -n 4 tests

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(SDK_VENV) .corral .pytest_cache .hypothesis
