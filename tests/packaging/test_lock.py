"""Reproducible builds: what ships to Lambda is requirements.txt, a lock compiled by uv from
requirements.in (`make lock`), every package pinned and hashed; the Python that builds it is
the one the Lambda runtime names. Offline: the lock is read, never re-resolved."""
from __future__ import annotations

import importlib.metadata as metadata
import json
import os
import re
import stat
import subprocess
import sys

import pytest
from locked import INPUT, LOCK, ROOT, entries, pins
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Lambda's python3.11 on x86_64: the environment the lock is compiled for (markers).
LAMBDA_ENV = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0",
              "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
              "platform_machine": "x86_64", "implementation_name": "cpython",
              "platform_python_implementation": "CPython", "extra": ""}
FUNCTIONS = ("APIHandler", "OnWork", "Tick", "MarketplaceEvents")
SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


def makefile_variable(name: str) -> str:
    (value,) = re.findall(rf"^{name}\s*[:?]?=\s*(\S+)\s*$", (ROOT / "Makefile").read_text(), re.M)
    return value


def test_every_locked_package_is_pinned_exactly_and_hashed():
    locked = pins()
    assert locked, "requirements.txt pins nothing"
    for pin in locked:
        assert pin.version, f"{pin.requirement} is not pinned with =="
        assert pin.hashes, f"{pin.requirement} carries no --hash"
        for digest in pin.hashes:
            assert SHA256.fullmatch(digest), f"{pin.requirement}: {digest}"
    names = [p.name for p in locked]
    assert len(names) == len(set(names)), "a package is locked twice"


def test_the_lock_is_in_sync_with_its_input():
    """Every direct requirement is locked at a version it allows, and the lock holds exactly
    the closure of requirements.in for Lambda's Python (followed through the metadata of the
    locked versions, which are the ones installed here): nothing missing, nothing stale."""
    locked = {p.name: p for p in pins()}
    direct = [Requirement(line) for line in entries(INPUT)]
    assert direct
    for req in direct:
        name = canonicalize_name(req.name)
        assert name in locked, f"requirements.in's {req} is not in requirements.txt: make lock"
        assert locked[name].version in req.specifier, \
            f"requirements.txt locks {name}=={locked[name].version}, requirements.in wants {req}: make lock"
    closure, todo = set(), list(direct)
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(LAMBDA_ENV):
            continue
        name = canonicalize_name(req.name)
        if name in closure:
            continue
        closure.add(name)
        assert name in locked, f"{name} (needed by requirements.in) is not locked: make lock"
        dist = metadata.distribution(name)
        assert dist.version == locked[name].version, \
            f"installed {name} {dist.version}, locked {locked[name].version}: reinstall .venv"
        todo.extend(Requirement(r) for r in dist.requires or [])
    assert set(locked) == closure, f"locked but not needed: {sorted(set(locked) - closure)}"


def test_the_lock_is_made_and_installed_the_way_the_makefile_says():
    header = LOCK.read_text().splitlines()[:3]
    assert any("uv" in line for line in header) and "#    make lock" in header, header
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    for option in ("uv pip compile requirements.in", "--generate-hashes",
                   "--python-version $(PYTHON_VERSION)", "--python-platform x86_64-manylinux2014",
                   "-o requirements.txt"):
        assert option in recipe, option
    assert "pip install --quiet --require-hashes -r requirements.txt" in makefile
    # One unhashed line would turn pip's hash checking off for, or against, the lock.
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "requirements.txt" not in [w for line in entries(ROOT / "requirements-dev.txt")
                                      for w in line.split()], dev


def test_the_lambda_runtime_is_the_makefiles_python_and_this_one():
    version = makefile_variable("PYTHON_VERSION")
    assert makefile_variable("PYTHON") == "python$(PYTHON_VERSION)"
    template = json.loads((ROOT / ".chalice/merge-template.json").read_text())
    for function in FUNCTIONS:
        assert template["Resources"][function]["Properties"]["Runtime"] == f"python{version}", \
            function
    # chalice vendors wheels for the interpreter it runs on: the suite's is the pinned one.
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" == version


def _fake_python(tmp_path, prints: str):
    exe = tmp_path / "python"
    exe.write_text(f"#!/bin/sh\necho {prints}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def _make_python_version(python) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "PYTHON"))}
    return subprocess.run(["make", "--no-print-directory", "-s", "python-version",
                           f"PYTHON={python}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)


def test_make_accepts_the_pinned_python():
    run = _make_python_version(sys.executable)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""


@pytest.mark.parametrize("other", ["3.13", "3.10"])
def test_make_refuses_another_python_naming_both_versions(tmp_path, other):
    run = _make_python_version(_fake_python(tmp_path, other))
    assert run.returncode != 0
    version = makefile_variable("PYTHON_VERSION")
    assert f"is Python {other}; Corral needs Python {version}" in run.stderr, run.stderr
    assert f"python{version} in .chalice/merge-template.json" in run.stderr


def test_make_refuses_a_missing_python_naming_what_to_install(tmp_path):
    run = _make_python_version(tmp_path / "no-such-python")
    assert run.returncode != 0
    version = makefile_variable("PYTHON_VERSION")
    assert "is not a working Python" in run.stderr
    assert f"python{version}-venv" in run.stderr, run.stderr


def test_make_refuses_a_python_without_its_venv_module(tmp_path):
    version = makefile_variable("PYTHON_VERSION")
    exe = tmp_path / "python"   # Debian's python3.11 without python3.11-venv: no ensurepip
    exe.write_text(f'#!/bin/sh\ncase "$2" in *ensurepip*) exit 1;; *) echo {version};; esac\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    run = _make_python_version(exe)
    assert run.returncode != 0
    assert f"has no venv module (ensurepip): install python{version}-venv" in run.stderr, \
        run.stderr
