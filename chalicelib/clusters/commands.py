"""Cluster commands and reads: create, get, list, remove. Each command decides on the current
state, then commits through the engine, which appends and enqueues the step that follows.
Clusters live in their workspace's scope.

Public surface for other concepts (jobs plan a job-dedicated cluster at submission with
`plan_for_job` and create it in the run's step with `create_for_job`, under
`job_cluster_uuid`; notebooks and jobs report activity through `record_activity`): create,
plan_for_job, planned, create_for_job, job_cluster_uuid, get, remove, pause, resume,
record_activity, live_names."""
from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import replace

from ..api.http import ApiError
from ..engine import driver as engine
from ..kernel import admission, clock
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.state import load
from ..kernel.times import iso
from ..kernel.listing import ListQuery
from ..store import aggregates, lists
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from . import machine as c
from . import reconcile
from .machine import KIND, Cluster, ClusterSpec


def create(ws: Workspace, spec: ClusterSpec, cluster_uuid: str | None = None) -> Cluster:
    """Request a cluster in a READY workspace. The creation is written only if the workspace
    is still READY then (its removal may have begun since it was read). `cluster_uuid`: the
    uuid to give it (a job run's own cluster, create_for_job), else a new one. Refused while
    no new work may start in the workspace (kernel.admission: the organization's subscription
    ended, or the workspace's spend cap is reached)."""
    admission.require(ws.organization_uuid, ws.uuid, "clusters")
    _require_ready(ws)
    _watch_region(ws.organization_uuid, spec.region)
    cluster_uuid, task_uuid = cluster_uuid or new_uuid(), new_uuid()
    events = c.decide_create(cluster_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now(), network=ws.network)
    try:
        return engine.create(KIND, ws.uuid, cluster_uuid, events).state
    except aggregates.ContainerClosed:
        now = workspaces.get(ws.organization_uuid, ws.uuid)
        _require_ready(now if now is not None else ws)
        raise DomainError(f"Workspace {ws.name} no longer accepts clusters.") from None


# A job run's own cluster has a uuid made from the run's: whoever creates it for the run (the
# run's step, again after a crash) creates that one cluster or finds it made.
JOB_CLUSTER_NAMESPACE = uuidlib.UUID("7d1f3c2a-5b4e-4f6a-9c8d-2e1b0a9f8c7d")


def job_cluster_uuid(run_uuid: str) -> str:
    return str(uuidlib.uuid5(JOB_CLUSTER_NAMESPACE, run_uuid))


def plan_for_job(ws: Workspace, config: dict, job_name: str) -> ClusterSpec:
    """The cluster a job run would have made for it (the SDK's `clusterConfig`: the create
    keys), checked now and not created: a bad key is a 400 naming `clusterConfig.<key>`, a
    workspace that is not READY a 409. It is never idle-stopped (removed after its run)."""
    from . import shapes   # the HTTP app's (and the cron FIRE step's); the tick never loads it
    _require_ready(ws)
    body = {"name": _job_cluster_name(job_name), **config, "autoStop": 0, "autoPause": 0}
    try:
        spec = shapes.parse_create(ws, body)
    except ApiError as e:
        raise ApiError(e.status, e.error, f"clusterConfig.{e.message}",
                       f"clusterConfig.{e.field}" if e.field else "clusterConfig") from None
    return replace(spec, is_job_dedicated=True)


def planned(ws: Workspace, spec: ClusterSpec, cluster_uuid: str) -> Cluster:
    """What the cluster `create_for_job` makes will be (nothing written): for the checks a
    submission makes against its cluster (an S3 bucket's region, where a git token goes)."""
    events = c.decide_create(cluster_uuid, ws.uuid, ws.organization_uuid, spec, "",
                             clock.now(), network=ws.network)
    return c.evolve(None, events[0])


def create_for_job(ws: Workspace, spec: ClusterSpec, cluster_uuid: str) -> Cluster:
    """The job run's own cluster (`plan_for_job`, `job_cluster_uuid`): created once, found
    made by every later call (a retry after a crash, a racing step)."""
    found = get(ws.uuid, cluster_uuid)
    if found is not None:
        return found
    try:
        return create(ws, spec, cluster_uuid)
    except DomainError:
        found = get(ws.uuid, cluster_uuid)    # made meanwhile: the row's write lost the race
        if found is None:
            raise
        return found


def _job_cluster_name(job_name: str) -> str:
    return ("job-" + re.sub(r"[^A-Za-z0-9_-]+", "-", job_name))[:60].rstrip("-")


def _watch_region(org_uuid: str, region: str) -> None:
    """Arm the region's reconciler (one read when it watches already) before the cluster's
    row is written: whatever its launch leaves behind is looked at (reconcile.py)."""
    engine.execute(reconcile.KIND, org_uuid, reconcile.reconciler_uuid(org_uuid, region),
                   lambda s: reconcile.decide_arm(s, org_uuid, region, clock.now()))


def _require_ready(ws: Workspace) -> None:
    if ws.status != WorkspaceStatus.READY:
        raise DomainError(f"Workspace {ws.name} is {ws.status.value}: clusters can be created "
                          f"only in a READY workspace. Wait until it is READY, or create another "
                          f"workspace if it FAILED.")


def get(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    row = aggregates.get(KIND, workspace_uuid, cluster_uuid)
    return load(Cluster, row.state) if row else None


def list_page(workspace_uuid: str, q: ListQuery) -> tuple[list[Cluster], int]:
    """One page of the workspace's clusters and how many match in all (read in DynamoDB:
    store/lists.py says what each kind of request reads)."""
    return lists.list_page(KIND, workspace_uuid, q, lambda data: load(Cluster, data))


def live_names(org_uuid: str, workspace_uuid: str) -> list[str]:
    """Names of the workspace's clusters that are not TERMINATED (what the workspace still
    holds: registered with kernel.holds at wiring time), read without the ended ones."""
    return [c.spec.name for c in live(workspace_uuid)]


def live_names_in_organization(org_uuid: str, _container: str = "") -> list[str]:
    """Names of the organization's clusters that are not TERMINATED, in every workspace (what
    its linked account still holds: registered with kernel.holds at wiring time)."""
    return [name for ws in workspaces.live(org_uuid) for name in live_names(org_uuid, ws.uuid)]


def any_in_organization(org_uuid: str) -> bool:
    """Whether the organization has made a cluster (the Onboarding step): one row read per
    live workspace at most."""
    return any(next(aggregates.rows(KIND, ws.uuid), None) is not None
               for ws in workspaces.live(org_uuid))


BUSY = "The cluster is changing too fast right now; try again."


def _command(workspace_uuid: str, cluster_uuid: str, decide) -> Cluster | None:
    """Decide `decide(state, task_uuid, now)` on the cluster and commit it. None if there is
    no such cluster; DomainError (409) if its state does not allow it."""
    task_uuid = new_uuid()
    return engine.execute(
        KIND, workspace_uuid, cluster_uuid,
        lambda s: [] if s is None else decide(s, task_uuid, clock.now()), busy=BUSY).state


def remove(workspace_uuid: str, cluster_uuid: str, by: str = "",
           reason: str = "") -> Cluster | None:
    """Request the removal; `by` says who asked, or `reason` why (recorded in the task and the
    events: "Removal <reason>")."""
    return _command(workspace_uuid, cluster_uuid,
                    lambda s, task, now: c.decide_remove(s, task, now, by=by, reason=reason))


def live(workspace_uuid: str) -> list[Cluster]:
    """The workspace's clusters that are not TERMINATED (read without the ended ones)."""
    return [load(Cluster, r.state) for r in aggregates.rows(KIND, workspace_uuid, live_only=True)]


def pause(workspace_uuid: str, cluster_uuid: str, by: str = "",
          reason: str = "") -> Cluster | None:
    """Request a pause; `by` says who asked, or `reason` why ("Pause <reason>" in the task)."""
    return _command(workspace_uuid, cluster_uuid,
                    lambda s, task, now: c.decide_pause(s, task, by, now, reason=reason))


def _admit(workspace_uuid: str, cluster_uuid: str, doing: str) -> None:
    """Starting a cluster again is new work: refused as a creation would be
    (kernel.admission: the workspace's spend cap reached, the subscription ended)."""
    found = get(workspace_uuid, cluster_uuid)
    if found is not None:
        admission.require(found.organization_uuid, workspace_uuid, "clusters",
                          refused=f"Cluster {found.spec.name} cannot be {doing}")


def resume(workspace_uuid: str, cluster_uuid: str, by: str) -> Cluster | None:
    _admit(workspace_uuid, cluster_uuid, "resumed")
    return _command(workspace_uuid, cluster_uuid,
                    lambda s, task, now: c.decide_resume(s, task, by, now))


def stop(workspace_uuid: str, cluster_uuid: str, by: str) -> Cluster | None:
    return _command(workspace_uuid, cluster_uuid,
                    lambda s, task, now: c.decide_stop(s, task, by, now))


def restart(workspace_uuid: str, cluster_uuid: str, by: str) -> Cluster | None:
    _admit(workspace_uuid, cluster_uuid, "restarted")
    return _command(workspace_uuid, cluster_uuid,
                    lambda s, task, now: c.decide_restart(s, task, by, now))


def update(workspace_uuid: str, cluster_uuid: str, changes: dict, upgrade: c.Upgrade | None,
           workers: int | None, by: str) -> Cluster | None:
    """PATCH: fields at once, a scale as a task, an upgrade at the next restart."""
    return _command(workspace_uuid, cluster_uuid, lambda s, task, now: c.decide_update(
        s, task, changes, upgrade, workers, by, now))


def record_activity(workspace_uuid: str, cluster_uuid: str, at: float) -> Cluster | None:
    """Notebooks and jobs say the cluster is in use at `at`: its idle deadline moves on (the
    due index with it). Ignored unless the cluster runs and `at` is newer than what it has."""
    if not isinstance(at, (int, float)):
        raise DomainError(f"activity time must be epoch seconds, not {at!r}")
    if at > clock.now() + 60:
        raise DomainError(f"activity at {iso(at)} is in the future")
    return engine.execute(KIND, workspace_uuid, cluster_uuid,
                          lambda s: [] if s is None else c.decide_activity(s, at),
                          busy=BUSY).state
