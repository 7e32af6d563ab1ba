"""Shared fixtures: `platform` is the whole platform in-process on moto, with a fake clock."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def platform():
    from local.harness import Platform
    with Platform() as p:
        yield p


@pytest.fixture(scope="module")
def shared_platform():
    """One platform for a module of tests that only read (or undo what they change)."""
    from local.harness import Platform
    with Platform() as p:
        yield p
