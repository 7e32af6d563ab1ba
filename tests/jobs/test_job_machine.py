"""The job run machine, pure: its statuses as the SDK knows them, the manual's task view, and
what each command is allowed."""
from __future__ import annotations

import pytest

from chalicelib.jobs import machine as j
from chalicelib.jobs.machine import JobStatus as S
from chalicelib.jobs.machine import RunSpec, Source, Step
from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.task import TaskStatus

SPEC = RunSpec(name="r", cluster_uuid="c", source=Source("WORKSPACE", "/shared/app"),
               exec_file="main.py", args=("1",), timeout_seconds=60, submitter="API key k")


def submitted(at=0.0) -> j.JobRun:
    return j.evolve(None, j.decide_submit("r1", "w", "o", SPEC, "t1", at)[0])


def started(at=1.0) -> j.JobRun:
    return j.evolve(submitted(), j.RunStarted("cmd", "i-1", 8, "jobs/r1", "b", "us-east-1", at))


def test_a_run_goes_pending_running_succeeded_and_finishes_its_task():
    s = submitted()
    assert s.status == S.PENDING and s.reason == "in queue" and j.next_step(s) == Step.START_RUN
    assert s.task.status == TaskStatus.NEW
    s = started()
    assert s.status == S.RUNNING and j.next_step(s) == Step.AWAIT_RUN
    assert s.task.status == TaskStatus.INPROGRESS
    s = j.evolve(s, j.RunEnded("SUCCEEDED", 0, "exit code 0", 5))
    assert s.status == S.SUCCEEDED and s.finished_at == 5 and j.next_step(s) is None
    assert s.task.status == TaskStatus.FINISHED and not j.live(s)


@pytest.mark.parametrize("status", ["FAILED", "TIMEOUT"])
def test_failures_and_timeouts_fail_the_task_with_the_reason(status):
    s = j.evolve(started(), j.RunEnded(status, 3, "why", 5))
    assert s.status == S(status) and s.reason == "why"
    assert s.task.status == TaskStatus.FAILED and s.task.details[-1] == f"{status}: why"


def test_a_cancel_before_the_start_ends_at_once_after_it_stops_the_command():
    s = j.evolve(submitted(), j.decide_cancel(submitted(), "user a@b.c", 1)[0])
    assert s.status == S.CANCELLED and s.reason == "cancelled by user a@b.c"
    assert j.next_step(s) is None
    s = j.evolve(started(), j.decide_cancel(started(), "user a@b.c", 2)[0])
    assert s.status == S.CANCELLING and j.next_step(s) == Step.CANCEL_COMMAND
    assert j.decide_cancel(s, "again", 3) == []
    s = j.evolve(s, j.CommandCancelled(4))
    assert s.status == S.CANCELLED and s.task.status == TaskStatus.FAILED
    with pytest.raises(DomainError, match="already ended CANCELLED"):
        j.decide_cancel(s, "x", 5)


def test_a_command_that_ended_on_its_own_while_cancelling_keeps_its_own_status():
    s = j.evolve(started(), j.CancelRequested("u", 2))
    s = j.evolve(s, j.RunEnded("SUCCEEDED", 0, "exit code 0", 3))
    assert s.status == S.SUCCEEDED
    assert not j.allows(s, j.CommandCancelled(4))


def test_a_run_says_once_why_it_waits_and_gives_up_after_an_hour():
    s = submitted()
    [said] = j.waiting(s, "cluster c is INPROGRESS", 10)
    s = j.evolve(s, said)
    assert s.reason == "cluster c is INPROGRESS" and s.status == S.PENDING
    assert j.waiting(s, "cluster c is INPROGRESS", 20) == []
    [ended] = j.waiting(s, "cluster c is INPROGRESS", j.CLUSTER_WAIT_SECONDS + 1)
    assert j.evolve(s, ended).status == S.FAILED


def test_the_timeout_counts_from_the_start():
    s = started(at=100.0)
    assert not j.timed_out(s, 160.0) and j.timed_out(s, 161.0)
    assert not j.timed_out(submitted(), 10_000)


def _with(**retry) -> j.JobRun:
    from dataclasses import replace
    s = started()
    return replace(s, spec=replace(s.spec, **retry))


def test_retries_by_cause_as_the_strategy_allows():
    none = _with()
    assert [type(e) for e in j.ended(none, "FAILED", 3, "exit 3", "code", 5)] == [j.RunEnded]
    two = _with(retries=2, retry_delay_seconds=60)
    for cause in ("code", "infrastructure"):
        assert [type(e) for e in j.ended(two, "FAILED", 3, "x", cause, 5)] == [j.AttemptFailed]
    assert [type(e) for e in j.ended(two, "TIMEOUT", None, "t", "timeout", 5)] == [j.RunEnded]
    on_timeout = _with(retries=1, retry_on_timeout=True)
    assert [type(e) for e in j.ended(on_timeout, "TIMEOUT", None, "t", "timeout", 5)] == [
        j.AttemptFailed]
    assert [type(e) for e in j.ended(two, "SUCCEEDED", 0, "ok", "code", 5)] == [j.RunEnded]


def test_an_attempt_that_fails_waits_its_delay_then_starts_again_until_none_are_left():
    s = _with(retries=1, retry_delay_seconds=60)
    s = j.evolve(s, j.ended(s, "FAILED", 3, "non-zero exit code 3", "code", 10)[0])
    assert s.status == S.PENDING and s.attempt == 2 and s.command_id is None
    assert s.reason == "retrying in 60 s (attempt 2 of 2) after FAILED: non-zero exit code 3"
    assert s.attempts[0]["reason"] == "non-zero exit code 3" and s.attempts[0]["commandId"]
    assert j.next_step(s) == Step.START_RUN and j.not_before(s) == 70
    s = j.evolve(s, j.RunStarted("cmd-2", "i-1", 8, "jobs/r1", "b", "us-east-1", 70))
    [last] = j.ended(s, "FAILED", 3, "non-zero exit code 3", "code", 80)
    assert isinstance(last, j.RunEnded) and j.evolve(s, last).status == S.FAILED


def test_an_ended_run_releases_its_lane_then_deletes_its_token_then_its_cluster():
    from dataclasses import replace
    s = started()
    s = replace(s, lane=True, spec=replace(s.spec, dedicated=True, source=replace(
        s.spec.source, credentials="/corral/o/jobs/r1/git-token")))
    s = j.evolve(s, j.RunEnded("FAILED", 2, "non-zero exit code 2", 5))
    order = []
    for event in (j.LaneReleased(6), j.SecretDeleted(7), j.ClusterRemovalAsked(8)):
        order.append(j.next_step(s))
        s = j.evolve(s, event)
    assert order == [Step.RELEASE_LANE, Step.DELETE_SECRET, Step.REMOVE_CLUSTER]
    assert j.next_step(s) is None and s.status == S.FAILED and j.settled(s)


def test_a_run_with_a_cluster_of_its_own_creates_it_first_and_once():
    from dataclasses import replace
    spec = replace(SPEC, dedicated=True, cluster_spec={"name": "job-r"})
    s = j.evolve(None, j.decide_submit("r1", "w", "o", spec, "t1", 0)[0])
    assert s.reason == "creating its cluster" and j.next_step(s) == Step.CREATE_CLUSTER
    made = j.ClusterCreated("c", 1)
    assert j.allows(s, made)
    s = j.evolve(s, made)
    assert s.cluster_made and j.next_step(s) == Step.START_RUN
    assert "Cluster c created for this run" in s.task.details[-1]
    assert not j.allows(s, j.ClusterCreated("c", 2))      # a repeated creation: nothing


def test_a_cluster_created_after_its_run_ended_and_was_cleaned_up_is_removed_again():
    from dataclasses import replace
    spec = replace(SPEC, dedicated=True, cluster_spec={"name": "job-r"})
    s = j.evolve(None, j.decide_submit("r1", "w", "o", spec, "t1", 0)[0])
    s = j.evolve(s, j.CancelRequested("user u", 1))
    assert s.status == S.CANCELLED and j.next_step(s) == Step.REMOVE_CLUSTER
    s = j.evolve(s, j.ClusterRemovalAsked(2))
    assert j.settled(s)
    late = j.ClusterCreated("c", 3)                        # a step begun before the cancel
    assert j.allows(s, late)
    s = j.evolve(s, late)
    assert s.status == S.CANCELLED and j.next_step(s) == Step.REMOVE_CLUSTER


def test_runs_whose_cluster_was_made_at_submission_never_create_one():
    from dataclasses import replace
    s = j.evolve(None, j.decide_submit("r1", "w", "o", replace(SPEC, dedicated=True), "t1",
                                       0)[0])
    assert j.next_step(s) == Step.START_RUN and s.reason == "in queue"
