"""The job run state machine: a run of a user's Python code on a RUNNING cluster, as
`mpiexec -n <TOTAL_CORE_COUNT> -f <hostfile> python <exec file> <args>` on its head node
through SSM.

PENDING (waiting for its cluster) -> RUNNING (the source fetched onto /shared and the command
running) -> SUCCEEDED (exit 0), FAILED (a non-zero exit, a source that could not be fetched,
the cluster failed or went away), TIMEOUT (the run's timeout passed: the command cancelled).
A cancel: PENDING -> CANCELLED at once; RUNNING -> CANCELLING (the command cancelled) ->
CANCELLED. The statuses are the SDK's (BODOSDK.md §5); the run's task shows them as the
manual's NEW -> INPROGRESS -> FINISHED / FAILED, with a detail per phase.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.events import event
from ..kernel.state import dump, load
from ..kernel.task import CarriesTasks, Task, TaskMove

KIND = "job"
RUN_JOB = "RUN_JOB"
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
CLUSTER_WAIT_SECONDS = 60 * 60    # a run waits this long for its cluster to be RUNNING


class JobStatus(str, Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"


S = JobStatus
ENDED = (S.SUCCEEDED, S.FAILED, S.CANCELLED, S.TIMEOUT)


@dataclass(frozen=True)
class Source:
    """Where the code comes from: GIT (an https URL, a reference: branch, tag or commit), S3
    (s3://bucket/prefix in the cluster's region) or WORKSPACE (a folder on /shared)."""
    type: str
    location: str
    reference: str = ""
    credentials: str = ""    # the parameter (in the customer's account) holding git secrets


@dataclass(frozen=True)
class RunSpec:
    """What the user asked for, validated."""
    name: str
    cluster_uuid: str
    source: Source
    exec_file: str
    args: tuple[str, ...] = ()         # split as a shell would, never evaluated
    env: dict[str, str] = field(default_factory=dict)
    timeout_seconds: int = 0           # 0 = no timeout
    submitter: str = ""
    template_uuid: str = ""            # the job template it was run from, if any
    cron_job_uuid: str = ""            # the cron job that started it, if any


# ---- events --------------------------------------------------------------------------------

@event
class RunSubmitted:
    run_uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: dict
    task_uuid: str
    at: float


@event
class RunStarted:
    """The command (fetch, then mpiexec) was sent to the head node of the cluster."""
    command_id: str
    instance_id: str
    total_cores: int
    log_prefix: str      # where SSM writes the command's output in the organization's bucket
    bucket: str
    region: str
    at: float


@event
class RunEnded:
    """The command ended: `status` SUCCEEDED, FAILED or TIMEOUT, with the reason."""
    status: str
    exit_code: int | None
    reason: str
    at: float


@event
class CancelRequested:
    by: str
    at: float


@event
class CommandCancelled:
    at: float


@event
class RunWaiting:
    """The run waits (its cluster is not RUNNING yet, say): said once per reason."""
    reason: str
    at: float


# ---- state ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobRun(CarriesTasks):
    uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: RunSpec
    status: JobStatus
    created_at: float
    updated_at: float
    in_state_since: float
    submitted_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    command_id: str | None = None
    instance_id: str | None = None
    total_cores: int = 0
    log_prefix: str | None = None
    bucket: str | None = None
    region: str | None = None
    exit_code: int | None = None
    reason: str = "in queue"
    cancel_by: str | None = None
    tasks: tuple[Task, ...] = ()


TRANSITIONS: dict[tuple[JobStatus | None, type], JobStatus] = {
    (None, RunSubmitted): S.PENDING,
    (S.PENDING, RunWaiting): S.PENDING,
    (S.PENDING, RunStarted): S.RUNNING,
    (S.PENDING, RunEnded): S.FAILED,          # the cluster failed, the source was refused
    (S.RUNNING, RunEnded): S.RUNNING,         # the target is the event's own status
    (S.PENDING, CancelRequested): S.CANCELLED,
    (S.RUNNING, CancelRequested): S.CANCELLING,
    (S.CANCELLING, CommandCancelled): S.CANCELLED,
    (S.CANCELLING, RunEnded): S.CANCELLING,   # ended on its own meanwhile: its status wins
}


def allows(state: JobRun | None, e: Any) -> bool:
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: JobRun | None, e: Any) -> JobRun:
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, RunSubmitted):
        task = Task(e.task_uuid, RUN_JOB, e.run_uuid, created_at=e.at, updated_at=e.at)
        return JobRun(uuid=e.run_uuid, workspace_uuid=e.workspace_uuid,
                      organization_uuid=e.organization_uuid, spec=load(RunSpec, e.spec),
                      status=status, created_at=e.at, updated_at=e.at, in_state_since=e.at,
                      submitted_at=e.at, tasks=(task,))
    assert state is not None
    if isinstance(e, RunEnded):
        status = S(e.status)
    return table.stamp(state, _apply(state, e), status, e.at)


def _apply(s: JobRun, e: Any) -> JobRun:
    at = e.at
    if isinstance(e, RunWaiting):
        return replace(s, reason=e.reason).with_task(TaskMove.PROGRESS, f"Waiting: {e.reason}", at)
    if isinstance(e, RunStarted):
        return replace(s, command_id=e.command_id, instance_id=e.instance_id,
                       total_cores=e.total_cores, log_prefix=e.log_prefix, bucket=e.bucket,
                       region=e.region, started_at=at, reason="running").with_task(
            TaskMove.PROGRESS, f"Running on head node {e.instance_id}: fetching the "
                               f"{s.spec.source.type} source, then mpiexec -n {e.total_cores} "
                               f"python {s.spec.exec_file}", at)
    if isinstance(e, RunEnded):
        move = TaskMove.FINISH if e.status == S.SUCCEEDED.value else TaskMove.FAIL
        return replace(s, exit_code=e.exit_code, reason=e.reason, finished_at=at).with_task(
            move, f"{e.status}: {e.reason}", at)
    if isinstance(e, CancelRequested):
        why = f"cancelled by {e.by}" if e.by else "cancelled"
        if s.status == S.PENDING:
            return replace(s, cancel_by=e.by, reason=why, finished_at=at).with_task(
                TaskMove.FAIL, f"CANCELLED: {why} before it started", at)
        return replace(s, cancel_by=e.by, reason=f"cancelling: {why}").with_task(
            TaskMove.PROGRESS, f"Cancelling the command: {why}", at)
    if isinstance(e, CommandCancelled):
        why = f"cancelled by {s.cancel_by}" if s.cancel_by else "cancelled"
        return replace(s, reason=why, finished_at=at).with_task(
            TaskMove.FAIL, f"CANCELLED: {why}", at)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


# ---- commands ------------------------------------------------------------------------------

def decide_submit(run_uuid: str, workspace_uuid: str, organization_uuid: str, spec: RunSpec,
                  task_uuid: str, at: float) -> list:
    return [RunSubmitted(run_uuid, workspace_uuid, organization_uuid, dump(spec), task_uuid, at)]


def decide_cancel(s: JobRun, by: str, at: float) -> list:
    if s.status in ENDED:
        raise DomainError(f"Job run {s.spec.name} already ended {s.status.value}.")
    if s.status == S.CANCELLING:
        return []
    return [CancelRequested(by, at)]


# ---- what is pending -----------------------------------------------------------------------

class Step(str, Enum):
    START_RUN = "START_RUN"
    AWAIT_RUN = "AWAIT_RUN"
    CANCEL_COMMAND = "CANCEL_COMMAND"


def next_step(s: JobRun) -> Step | None:
    if s.status == S.PENDING:
        return Step.START_RUN
    if s.status == S.RUNNING:
        return Step.AWAIT_RUN
    if s.status == S.CANCELLING:
        return Step.CANCEL_COMMAND
    return None


def waiting(s: JobRun, reason: str, at: float) -> list:
    """Say once why the run waits (its cluster not RUNNING yet); after an hour it fails."""
    if at - s.submitted_at > CLUSTER_WAIT_SECONDS:
        return [RunEnded(S.FAILED.value, None, f"the cluster was not RUNNING within "
                                               f"{CLUSTER_WAIT_SECONDS // 60} minutes: {reason}",
                         at)]
    return [] if s.reason == reason else [RunWaiting(reason, at)]


def timed_out(s: JobRun, now: float) -> bool:
    return bool(s.spec.timeout_seconds and s.started_at is not None
                and now - s.started_at > s.spec.timeout_seconds)


def run_failed(s: JobRun, reason: str, at: float) -> list:
    """A lasting AWS error: the run fails with AWS's reason (an infrastructure failure)."""
    if s.status in (S.PENDING, S.RUNNING):
        return [RunEnded(S.FAILED.value, None, reason, at)]
    return []


def live(s: JobRun) -> bool:
    return s.status not in ENDED
