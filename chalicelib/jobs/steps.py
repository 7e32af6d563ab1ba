"""Each pending job-run step as one side effect in the customer's account, through SSM on the
head node of the run's cluster, returning the events that say what happened (or Wait)."""
from __future__ import annotations

import logging

from ..cloud import ssm
from ..cloud.sessions import customer_client
from ..clusters import commands as clusters
from ..clusters.machine import ClusterSpec, ClusterStatus, total_core_count
from ..engine.steps import Wait, runner
from ..kernel import config, holds
from ..kernel.errors import DomainError
from ..kernel.state import load
from ..linking.links import link_for
from ..store import aggregates, queue
from ..store.queue import Work
from ..workspaces import commands as workspaces
from . import commands, lanes, scripts, secrets
from . import machine as j
from .machine import JobRun, Step

log = logging.getLogger("corral.jobs")
POLL_SECONDS = 5            # how often a running command is looked at (and activity said)
CLUSTER_POLL_SECONDS = 30   # how often a run waiting for its cluster looks again


def _ssm(s: JobRun, region: str):
    return customer_client(link_for(s.organization_uuid), "ssm", region)


def comment(s: JobRun) -> str:
    """Names the attempt's command: a retried start finds the one it sent."""
    return f"corral job run {s.uuid} attempt {s.attempt}"


def _start_run(s: JobRun, now: float):
    if s.retry_at is not None and now < s.retry_at:
        return Wait(s.retry_at - now, "waiting to retry")
    cluster = clusters.get(s.workspace_uuid, s.spec.cluster_uuid)
    if cluster is None or cluster.status in (ClusterStatus.TERMINATING,
                                             ClusterStatus.TERMINATED):
        return [j.RunEnded(j.S.FAILED.value, None, "the cluster was removed", now)]
    if cluster.status == ClusterStatus.FAILED:
        return [j.RunEnded(j.S.FAILED.value, None, f"the cluster failed: {cluster.failure}",
                           now)]
    refused = ""
    if cluster.status == ClusterStatus.PAUSED:   # a run submitted to a paused cluster resumes it
        try:
            clusters.resume(s.workspace_uuid, cluster.uuid, f"job run {s.spec.name}")
        except DomainError as e:
            # Resumed (or removed) meanwhile: the next look says which. A rule that refuses
            # new work (the workspace's spend cap) is said in the run's reason.
            refused = f" ({e.message})" if e.code != "Conflict" else ""
    if cluster.status != ClusterStatus.RUNNING or not cluster.hostfile:
        why = f"cluster {cluster.spec.name} is {cluster.status.value}{refused}"
        return j.waiting(s, why, now) or Wait(CLUSTER_POLL_SECONDS, why)
    if not s.lane:
        return _take_lane(s, cluster.spec.name, now)
    region, head = cluster.spec.region, cluster.nodes[0]["instance_id"]
    bucket, prefix = cluster.network["bucket"], f"jobs/{s.uuid}"
    total = total_core_count(cluster)
    client = _ssm(s, region)
    command_id = ssm.find(client, head, comment(s))
    if command_id is None:
        timeout = s.spec.timeout_seconds + 300 if s.spec.timeout_seconds else j.MAX_TIMEOUT_SECONDS
        script = scripts.run_script(s.uuid, s.spec, total, cluster.hostfile, region, bucket,
                                    prefix, s.attempt)
        command_id = ssm.send(client, [head], script,
                              comment(s), min(timeout, 172800), output=(bucket, prefix))
    if command_id is None:
        return Wait(POLL_SECONDS, "SSM does not take commands for the head node yet")
    clusters.record_activity(s.workspace_uuid, s.spec.cluster_uuid, now)
    return [j.RunStarted(command_id, head, total, prefix, bucket, region, now)]


def _take_lane(s: JobRun, cluster_name: str, now: float):
    """The cluster for this run, once the runs before it in line have had it."""
    line = commands.live_on(s.workspace_uuid, s.spec.cluster_uuid)   # in submission order
    mine = next((i for i, r in enumerate(line) if r.uuid == s.uuid), len(line))
    ahead = [r for i, r in enumerate(line)
             if r.uuid != s.uuid and (i < mine or r.lane or r.status != j.S.PENDING)]
    if not ahead and lanes.take(s.spec.cluster_uuid, s.uuid) == s.uuid:
        return [j.LaneTaken(now)]
    why = f"in queue: {max(len(ahead), 1)} run(s) ahead on cluster {cluster_name}"
    return j.waiting(s, why, now, for_cluster=False) or Wait(CLUSTER_POLL_SECONDS, why)


def _release_lane(s: JobRun, now: float) -> list:
    lanes.release(s.spec.cluster_uuid, s.uuid)
    _wake_next(s)
    return [j.LaneReleased(now)]


def _wake_next(s: JobRun) -> None:
    """The next run in line goes on at once (its pending step queued at its version) rather
    than at its next look, CLUSTER_POLL_SECONDS later, which stays the safety net."""
    waiting = [r for r in commands.live_on(s.workspace_uuid, s.spec.cluster_uuid)
               if r.uuid != s.uuid and r.status == j.S.PENDING]
    if not waiting:
        return
    try:
        row = aggregates.get(j.KIND, s.workspace_uuid, waiting[0].uuid)
        if row is not None:
            queue.send([Work(j.KIND, s.workspace_uuid, row.uuid, row.version)])
    except Exception:  # noqa: BLE001 - a lost wake-up only costs that run its next look
        log.exception("could not wake job run %s", waiting[0].uuid)


def _delete_secret(s: JobRun, now: float) -> list:
    secrets.delete_in(s.organization_uuid, s.spec.region or s.region, s.spec.source.credentials)
    return [j.SecretDeleted(now)]


def _pause_cluster(s: JobRun, now: float) -> list:
    """pauseClusterWhenFinished: the run ended and has let its lane go; the cluster is paused
    if nothing else uses it: no other run of it queued or running, no notebook attached. A run
    submitted meanwhile resumes it (_start_run)."""
    cluster = clusters.get(s.workspace_uuid, s.spec.cluster_uuid)
    if cluster is None or cluster.status != ClusterStatus.RUNNING:
        status = cluster.status.value if cluster else "gone"
        return [j.ClusterPauseDecided(False, f"Cluster not paused: it is {status}", now)]
    name = cluster.spec.name
    others = [r for r in commands.live_on(s.workspace_uuid, cluster.uuid) if r.uuid != s.uuid]
    if others:
        return [j.ClusterPauseDecided(False, f"Cluster {name} not paused: {len(others)} other "
                                             f"job run(s) queued or running on it", now)]
    attached = holds.held(holds.CLUSTER, s.workspace_uuid, cluster.uuid)
    if attached:
        said = "; ".join(f"{what} {', '.join(names)}" for what, names in attached.items())
        return [j.ClusterPauseDecided(False, f"Cluster {name} not paused: {said} attached",
                                      now)]
    try:
        clusters.pause(s.workspace_uuid, cluster.uuid,
                       f"job run {s.spec.name} (pauseClusterWhenFinished), which ended "
                       f"{s.status.value}")
    except DomainError as e:
        return [j.ClusterPauseDecided(False, f"Cluster {name} not paused: {e.message}", now)]
    return [j.ClusterPauseDecided(True, f"Cluster {name} paused: nothing else uses it "
                                        f"(pauseClusterWhenFinished)", now)]


def _create_cluster(s: JobRun, now: float) -> list:
    """The cluster made for this run, under the uuid made from the run's: a step that crashed
    after creating it finds it made when tried again, so a run never has two."""
    ws = workspaces.get(s.organization_uuid, s.workspace_uuid)
    if ws is None:
        return [j.RunEnded(j.S.FAILED.value, None, "its workspace no longer exists", now)]
    try:
        clusters.create_for_job(ws, load(ClusterSpec, s.spec.cluster_spec), s.spec.cluster_uuid)
    except DomainError as e:
        return [j.RunEnded(j.S.FAILED.value, None,
                           f"its cluster could not be created: {e.message}", now)]
    return [j.ClusterCreated(s.spec.cluster_uuid, now)]


def _remove_cluster(s: JobRun, now: float):
    """The cluster made for this run goes with it, whatever the outcome. None found may be a
    creation still under way (a step begun before the run ended, or one that crashed after
    creating it): it is looked for until a step's lease has passed since the end; a creation
    that commits later says so (ClusterCreated) and this step comes again."""
    if clusters.get(s.workspace_uuid, s.spec.cluster_uuid) is None:
        settled = (s.finished_at or s.updated_at) + config.get().step_lease_seconds
        if now < settled:
            return Wait(settled - now, "its cluster's creation may still be under way")
        return [j.ClusterRemovalAsked(now)]
    try:
        clusters.remove(s.workspace_uuid, s.spec.cluster_uuid,
                        by=f"job run {s.spec.name}, which it was made for, ended {s.status.value}")
    except DomainError:
        pass   # already being removed, or removed
    return [j.ClusterRemovalAsked(now)]


def _await_run(s: JobRun, now: float):
    client = _ssm(s, s.region)
    outcome = ssm.outcomes(client, s.command_id, [s.instance_id])[s.instance_id]
    if not outcome.done:
        if j.timed_out(s, now):
            ssm.cancel(client, s.command_id)
            return j.ended(s, j.S.TIMEOUT.value, None,
                           f"timeout after {s.spec.timeout_seconds} s", "timeout", now)
        clusters.record_activity(s.workspace_uuid, s.spec.cluster_uuid, now)
        return Wait(POLL_SECONDS, "running")
    failed = j.S.FAILED.value
    if outcome.ok:
        return [j.RunEnded(j.S.SUCCEEDED.value, 0, "exit code 0", now)]
    if outcome.status in ("TimedOut", "ExecutionTimedOut"):
        return j.ended(s, j.S.TIMEOUT.value, None, "the command's execution timeout passed",
                       "timeout", now)
    if outcome.code < 0:   # Cancelled, Undeliverable, Terminated, DeliveryTimedOut
        return j.ended(s, failed, None, f"the head node did not run the command to its end: "
                                        f"SSM says {outcome.status}", "infrastructure", now)
    if outcome.code == scripts.FETCH_FAILED:
        why = ssm.error_tail(client, s.command_id, s.instance_id).removeprefix("corral: ")
        src = s.spec.source
        where = src.location + (f" at {src.reference}" if src.reference else "")
        return j.ended(s, failed, outcome.code, f"the {src.type} source {where} could not be "
                                                f"fetched: {why}", "infrastructure", now)
    return j.ended(s, failed, outcome.code, f"non-zero exit code {outcome.code}", "code", now)


def _cancel_command(s: JobRun, now: float) -> list:
    if s.command_id:
        ssm.cancel(_ssm(s, s.region), s.command_id)
    return [j.CommandCancelled(now)]


run = runner({
    Step.CREATE_CLUSTER: _create_cluster,
    Step.START_RUN: _start_run,
    Step.AWAIT_RUN: _await_run,
    Step.CANCEL_COMMAND: _cancel_command,
    Step.RELEASE_LANE: _release_lane,
    Step.DELETE_SECRET: _delete_secret,
    Step.PAUSE_CLUSTER: _pause_cluster,
    Step.REMOVE_CLUSTER: _remove_cluster,
}, failed=j.run_failed)
