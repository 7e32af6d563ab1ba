"""The job run state machine: a run of a user's Python code on a RUNNING cluster, as
`mpiexec -n <TOTAL_CORE_COUNT> -f <hostfile> python <exec file> <args>` on its head node
through SSM.

PENDING (waiting for its cluster, and for its turn: a cluster runs one job at a time, the
others wait in line) -> RUNNING (the source fetched onto /shared and the command running) ->
SUCCEEDED (exit 0), FAILED (a non-zero exit, a source that could not be fetched, the cluster
failed or went away), TIMEOUT (the run's timeout passed: the command cancelled). A cancel:
PENDING -> CANCELLED at once; RUNNING -> CANCELLING (the command cancelled) -> CANCELLED.
An ended run then lets the next one in line have the cluster (RELEASE_LANE), and a run on a
cluster made for it (clusterConfig) has that cluster removed (REMOVE_CLUSTER). The statuses are the SDK's (BODOSDK.md §5); the run's task shows them as the
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
MAX_QUEUE = 100                   # runs waiting for one cluster
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
LIVE_STATUSES = frozenset(s.value for s in JobStatus if s not in ENDED)


@dataclass(frozen=True)
class Source:
    """Where the code comes from: GIT (an https URL, a reference: branch, tag or commit), S3
    (s3://bucket/prefix in the cluster's region) or WORKSPACE (a folder on /shared)."""
    type: str
    location: str
    reference: str = ""
    credentials: str = ""    # the parameter (in the customer's account) holding the git token
    username: str = ""       # the git user name the token goes with (not a secret)


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
    dedicated: bool = False            # the cluster was made for this run: removed after it
    region: str = ""                   # the cluster's (its secrets are there too)
    retries: int = 0                   # the retry strategy: attempts after the first,
    retry_delay_seconds: int = 60      # the wait before each,
    retry_on_timeout: bool = False     # and whether a timeout is retried too
    template_uuid: str = ""            # the job template it was run from, if any
    cron_job_uuid: str = ""            # the cron job that started it, if any
    # The cluster made for it (dedicated): its checked spec (clusters' ClusterSpec), created
    # by the run's CREATE_CLUSTER step under a uuid made from the run's.
    cluster_spec: dict | None = None
    # Pause the cluster once the run ended, if nothing else uses it (no other run queued or
    # running, no notebook attached). Not for a cluster made for the run (it is removed).
    pause_cluster_when_finished: bool = False


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
class AttemptFailed:
    """An attempt ended FAILED or TIMEOUT and the retry strategy allows another: the run waits
    `retry_delay_seconds`, then starts again. `cause`: code (a non-zero exit), timeout or
    infrastructure (the source, the head node, SSM)."""
    status: str
    exit_code: int | None
    reason: str
    cause: str
    at: float


@event
class CancelRequested:
    by: str
    at: float


@event
class CommandCancelled:
    at: float


@event
class LaneTaken:
    """The run has its cluster to itself (the lane: store/records, one row per cluster)."""
    at: float


@event
class LaneReleased:
    at: float


@event
class SecretDeleted:
    """The run's git token is gone from the customer's Parameter Store."""
    at: float


@event
class ClusterCreated:
    """The cluster made for the run exists (created, or found made by an earlier try)."""
    cluster_uuid: str
    at: float


@event
class ClusterPauseDecided:
    """Whether the run, having ended, paused its cluster (pauseClusterWhenFinished), and why
    or why not."""
    paused: bool
    reason: str
    at: float


@event
class ClusterRemovalAsked:
    """The run's own cluster (clusterConfig) was asked to go, the run having ended."""
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
    lane: bool = False                 # holds its cluster's lane (released once it ended)
    attempt: int = 1
    attempts: tuple = ()               # the earlier attempts: {attempt, status, reason, ...}
    retry_at: float | None = None      # the next attempt starts then
    cluster_made: bool = False         # its own cluster (dedicated) was created
    cluster_removed: bool = False      # its own cluster was asked to go
    cluster_pause: str = ""            # pauseClusterWhenFinished: what was done, and why
    secret_deleted: bool = False       # its git token (if it had one) deleted
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
    (S.PENDING, LaneTaken): S.PENDING,
    (S.PENDING, ClusterCreated): S.PENDING,
    (S.PENDING, AttemptFailed): S.PENDING,    # failed before its command ran (the lane, SSM)
    (S.RUNNING, AttemptFailed): S.PENDING,
    **{(s, LaneReleased): s for s in ENDED},
    **{(s, ClusterRemovalAsked): s for s in ENDED},
    **{(s, ClusterPauseDecided): s for s in ENDED},
    **{(s, SecretDeleted): s for s in ENDED},
    # A creation of its cluster still under way when the run ended: a fact all the same, and
    # the cluster goes (REMOVE_CLUSTER again).
    **{(s, ClusterCreated): s for s in ENDED},
}


def allows(state: JobRun | None, e: Any) -> bool:
    """The table; and a cluster is created for a run once (a repeated creation, a retry
    that found it made, commits nothing)."""
    if isinstance(e, ClusterCreated) and state is not None and state.cluster_made:
        return False
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: JobRun | None, e: Any) -> JobRun:
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, RunSubmitted):
        task = Task(e.task_uuid, RUN_JOB, e.run_uuid, created_at=e.at, updated_at=e.at)
        spec = load(RunSpec, e.spec)
        return JobRun(uuid=e.run_uuid, workspace_uuid=e.workspace_uuid,
                      organization_uuid=e.organization_uuid, spec=spec,
                      status=status, created_at=e.at, updated_at=e.at, in_state_since=e.at,
                      submitted_at=e.at, tasks=(task,),
                      reason=CREATING_CLUSTER if creates_cluster(spec) else "in queue")
    assert state is not None
    if isinstance(e, RunEnded):
        status = S(e.status)
    return table.stamp(state, _apply(state, e), status, e.at)


def _apply(s: JobRun, e: Any) -> JobRun:
    at = e.at
    if isinstance(e, LaneTaken):
        return replace(s, lane=True, reason="starting").with_task(
            TaskMove.PROGRESS, f"Cluster {s.spec.cluster_uuid} is this run's until it ends", at)
    if isinstance(e, AttemptFailed):
        past = {"attempt": s.attempt, "status": e.status, "exitCode": e.exit_code,
                "reason": e.reason, "commandId": s.command_id, "instanceId": s.instance_id,
                "startedAt": s.started_at, "finishedAt": at}
        nxt, of = s.attempt + 1, s.spec.retries + 1
        again = f"retrying in {s.spec.retry_delay_seconds} s (attempt {nxt} of {of})"
        return replace(s, attempts=(*s.attempts, past), attempt=nxt, command_id=None,
                       started_at=None, exit_code=e.exit_code,
                       reason=f"{again} after {e.status}: {e.reason}",
                       retry_at=at + s.spec.retry_delay_seconds).with_task(
            TaskMove.PROGRESS, f"Attempt {s.attempt} {e.status}: {e.reason}; {again}", at)
    if isinstance(e, LaneReleased):
        return replace(s, lane=False)
    if isinstance(e, SecretDeleted):
        return replace(s, secret_deleted=True)
    if isinstance(e, ClusterRemovalAsked):
        return replace(s, cluster_removed=True)
    if isinstance(e, ClusterPauseDecided):
        return replace(s, cluster_pause=e.reason).with_task(TaskMove.PROGRESS, e.reason, at)
    if isinstance(e, ClusterCreated):
        # Made after the run ended (its removal may have found nothing yet): removed again.
        s = replace(s, cluster_made=True, cluster_removed=False,
                    reason="waiting for its cluster" if s.status == S.PENDING else s.reason)
        return s.with_task(TaskMove.PROGRESS, f"Cluster {e.cluster_uuid} created for this "
                                              f"run (removed when it ends)", at)
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
    CREATE_CLUSTER = "CREATE_CLUSTER"
    START_RUN = "START_RUN"
    AWAIT_RUN = "AWAIT_RUN"
    CANCEL_COMMAND = "CANCEL_COMMAND"
    RELEASE_LANE = "RELEASE_LANE"
    DELETE_SECRET = "DELETE_SECRET"
    PAUSE_CLUSTER = "PAUSE_CLUSTER"
    REMOVE_CLUSTER = "REMOVE_CLUSTER"


CREATING_CLUSTER = "creating its cluster"


def creates_cluster(spec: RunSpec) -> bool:
    """A run whose cluster is made for it by its own step (runs submitted before that
    design had theirs made at submission: spec.cluster_spec None)."""
    return spec.dedicated and spec.cluster_spec is not None


def pauses_cluster(spec: RunSpec) -> bool:
    """pauseClusterWhenFinished, on a cluster the run did not have made for it."""
    return spec.pause_cluster_when_finished and not spec.dedicated


def next_step(s: JobRun) -> Step | None:
    if s.status == S.PENDING:
        if creates_cluster(s.spec) and not s.cluster_made:
            return Step.CREATE_CLUSTER
        return Step.START_RUN
    if s.status == S.RUNNING:
        return Step.AWAIT_RUN
    if s.status == S.CANCELLING:
        return Step.CANCEL_COMMAND
    if s.lane:
        return Step.RELEASE_LANE
    if s.spec.source.credentials and not s.secret_deleted:
        return Step.DELETE_SECRET
    if pauses_cluster(s.spec) and not s.cluster_pause:
        return Step.PAUSE_CLUSTER
    if s.spec.dedicated and not s.cluster_removed:
        return Step.REMOVE_CLUSTER
    return None


def waiting(s: JobRun, reason: str, at: float, for_cluster: bool = True) -> list:
    """Say once why the run waits. Waiting for its cluster to be RUNNING ends after an hour
    (FAILED); waiting in line behind other runs does not."""
    if for_cluster and at - s.submitted_at > CLUSTER_WAIT_SECONDS:
        return [RunEnded(S.FAILED.value, None, f"the cluster was not RUNNING within "
                                               f"{CLUSTER_WAIT_SECONDS // 60} minutes: {reason}",
                         at)]
    return [] if s.reason == reason else [RunWaiting(reason, at)]


RETRIED_CAUSES = ("code", "infrastructure")


def ended(s: JobRun, status: str, exit_code: int | None, reason: str, cause: str,
          at: float) -> list:
    """An attempt's end: another attempt when the retry strategy allows it for this cause (a
    failure of the code or of the infrastructure while retries are left; a timeout only with
    retryOnTimeout), else the run's end. A success or a cancel is never retried."""
    retry = status != S.SUCCEEDED.value and s.attempt <= s.spec.retries and (
        cause in RETRIED_CAUSES or (cause == "timeout" and s.spec.retry_on_timeout))
    if retry:
        return [AttemptFailed(status, exit_code, reason, cause, at)]
    return [RunEnded(status, exit_code, reason, at)]


def not_before(s: JobRun) -> float | None:
    """A retry starts after its delay: the engine queues the start for then."""
    return s.retry_at if next_step(s) == Step.START_RUN and s.retry_at else None


def timed_out(s: JobRun, now: float) -> bool:
    return bool(s.spec.timeout_seconds and s.started_at is not None
                and now - s.started_at > s.spec.timeout_seconds)


def run_failed(s: JobRun, reason: str, at: float) -> list:
    """A lasting AWS error: a failure of the infrastructure, retried as the strategy allows."""
    if s.status in (S.PENDING, S.RUNNING):
        return ended(s, S.FAILED.value, None, reason, "infrastructure", at)
    return []


def live(s: JobRun) -> bool:
    return s.status not in ENDED


def template_group(template_uuid: str) -> str:
    return f"template#{template_uuid}"


def groups(s: JobRun) -> tuple[str, ...]:
    """A run from a template is filed under it (its latest runs read with one Query)."""
    return (template_group(s.spec.template_uuid),) if s.spec.template_uuid else ()


def settled(s: JobRun) -> bool:
    return not live(s) and next_step(s) is None
