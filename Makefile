# Corral: `make run` starts the platform locally, `make test` runs the whole suite.
# Both create the virtualenvs they need on first use.
# The Lambda runtime: .chalice/merge-template.json pins python$(PYTHON_VERSION) on every function,
# and chalice vendors wheels for the Python it runs on, so the virtualenv must be this version.
PYTHON_VERSION := 3.11
PYTHON ?= python$(PYTHON_VERSION)
VENV := .venv
SDK_VENV := .venv-sdk
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SDK_STAMP := $(SDK_VENV)/.installed

.PHONY: run test bench clean sdk-venv python-version lock

# What ships to Lambda from the lock, every file checked against its hash; then the tools,
# and the `corral` command (pyproject.toml): editable, so .venv/bin/corral runs cli/ as it is.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | python-version
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Fails, naming what to install, unless $(PYTHON) is Python $(PYTHON_VERSION) with its venv module.
python-version:
	@found=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || { \
	  echo "make: '$(PYTHON)' is not a working Python. Corral needs Python $(PYTHON_VERSION) (the Lambda runtime, python$(PYTHON_VERSION) in .chalice/merge-template.json): install python$(PYTHON_VERSION) and python$(PYTHON_VERSION)-venv (Debian/Ubuntu), or run make PYTHON=/path/to/python$(PYTHON_VERSION)." >&2; exit 1; }; \
	[ "$$found" = "$(PYTHON_VERSION)" ] || { \
	  echo "make: '$(PYTHON)' is Python $$found; Corral needs Python $(PYTHON_VERSION) (the Lambda runtime, python$(PYTHON_VERSION) in .chalice/merge-template.json). Run make PYTHON=/path/to/python$(PYTHON_VERSION)." >&2; exit 1; }; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "make: '$(PYTHON)' has no venv module (ensurepip): install python$(PYTHON_VERSION)-venv (Debian/Ubuntu)." >&2; exit 1; }

# Re-pins requirements.txt from requirements.in, with hashes, for Lambda's platform whatever
# this machine is; keeps the versions already locked unless requirements.in rules them out
# (make lock UPGRADE=--upgrade takes the newest allowed).
lock:
	@test -x $(VENV)/bin/uv || { echo "make lock: $(VENV)/bin/uv is missing: run make run or make test first (they install it from requirements-dev.txt)." >&2; exit 1; }
	$(VENV)/bin/uv pip compile requirements.in --quiet --generate-hashes \
	  --python-version $(PYTHON_VERSION) --python-platform x86_64-manylinux2014 \
	  --custom-compile-command "make lock" $(UPGRADE) -o requirements.txt

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
