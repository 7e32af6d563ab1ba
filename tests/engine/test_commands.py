"""The one command helper: load, decide, commit; when another writer got there first, load and
decide again on what it wrote (never re-apply a stale decision)."""
from __future__ import annotations

import pytest

from chalicelib.clusters import machine as c
from chalicelib.engine import driver as engine
from chalicelib.kernel.errors import DomainError
from chalicelib.store import aggregates


def test_a_conflict_makes_the_command_decide_again_on_the_newer_state(platform, monkeypatch):
    created = platform.create_cluster(name="raced")
    ws = platform.demo.workspace.uuid
    seen, real = [], aggregates.append
    calls = {"n": 0}

    def append_losing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise aggregates.Conflict("another writer")
        return real(*args, **kwargs)

    monkeypatch.setattr(aggregates, "append", append_losing_once)

    def decide(state):
        seen.append(state.status)
        return c.decide_remove(state, "t-remove", platform.clock())

    done = engine.execute(c.KIND, ws, created["uuid"], decide)
    assert len(seen) == 2 and done.state.status == c.ClusterStatus.TERMINATING


def test_a_command_that_keeps_losing_says_so(platform, monkeypatch):
    created = platform.create_cluster(name="busy")

    def always_conflict(*args, **kwargs):
        raise aggregates.Conflict("another writer")

    monkeypatch.setattr(aggregates, "append", always_conflict)
    with pytest.raises(DomainError, match="too fast"):
        engine.execute(c.KIND, platform.demo.workspace.uuid, created["uuid"],
                       lambda s: c.decide_remove(s, "t", platform.clock()))


def test_a_command_on_nothing_decides_on_none_and_writes_nothing(platform):
    done = engine.execute(c.KIND, platform.demo.workspace.uuid,
                          "00000000-0000-4000-8000-000000000000", lambda s: [] if s is None else 1)
    assert done.state is None and done.version == 0
