"""The one step runner every machine shares: a table from step to function, and a lasting AWS
error turned into the machine's failed event only where the state says so."""
from __future__ import annotations

from enum import Enum

import pytest

from chalicelib.engine.steps import Wait, runner
from chalicelib.kernel.errors import CloudError


class Step(str, Enum):
    GO = "GO"
    STOP = "STOP"


def _raise(code, transient):
    def fn(state, now):
        raise CloudError(code, "no", transient)
    return fn


def test_each_step_runs_its_function_with_the_state_and_the_time():
    run = runner({Step.GO: lambda s, now: [("went", s, now)],
                  Step.STOP: lambda s, now: Wait(5, "later")})
    assert run(Step.GO, "s")[0][:2] == ("went", "s")
    assert run(Step.STOP, "s") == Wait(5, "later")


def test_a_table_that_misses_a_step_is_refused_when_it_is_built():
    with pytest.raises(ValueError, match="STOP"):
        runner({Step.GO: lambda s, now: []})


def test_a_lasting_error_becomes_the_failed_event_where_the_state_allows_it():
    failed = lambda s, reason, now: [("failed", reason)] if s == "launching" else []  # noqa: E731
    run = runner({Step.GO: _raise("AccessDenied", False), Step.STOP: _raise("X", False)},
                 failed=failed)
    assert run(Step.GO, "launching") == [("failed", "AccessDenied: no")]
    with pytest.raises(CloudError):          # in a teardown: the engine retries and says why
        run(Step.GO, "tearing down")


def test_a_passing_error_is_always_raised_for_the_engine_to_retry():
    run = runner({Step.GO: _raise("Throttling", True), Step.STOP: _raise("Throttling", True)},
                 failed=lambda s, reason, now: [("failed", reason)])
    with pytest.raises(CloudError):
        run(Step.GO, "launching")


def test_without_a_failed_rule_every_error_is_raised():
    run = runner({Step.GO: _raise("AccessDenied", False), Step.STOP: _raise("X", False)})
    with pytest.raises(CloudError):
        run(Step.GO, "launching")
