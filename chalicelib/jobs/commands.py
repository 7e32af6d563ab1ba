"""Job-run commands and reads: submit, get, list, cancel. Each decides on the current state,
then commits through the engine, which appends and enqueues the step that follows. Runs live
in their workspace's scope; the cluster is reached through the clusters concept's public
surface."""
from __future__ import annotations

from ..clusters import commands as clusters
from ..clusters.machine import ClusterStatus
from ..engine import driver as engine
from ..kernel import clock
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.listing import ListQuery
from ..kernel.state import load
from ..store import aggregates, lists
from ..workspaces.machine import Workspace
from . import machine as j
from .machine import KIND, JobRun, RunSpec

BUSY = "The job run is changing too fast right now; try again."


def submit(ws: Workspace, spec: RunSpec, run_uuid: str | None = None) -> JobRun | None:
    """A run on one of the workspace's clusters (None: there is no such cluster). A cluster
    that is removed or failed is refused; one on its way is waited for. `run_uuid`, when the
    caller names the run (a cron job's run for one scheduled time), makes the submission
    idempotent: a run of that uuid is made once (a conditional write), and found after."""
    if run_uuid is not None:
        made = get(ws.uuid, run_uuid)
        if made is not None:
            return made
    cluster = clusters.get(ws.uuid, spec.cluster_uuid)
    if cluster is None:
        return None
    if cluster.status in (ClusterStatus.TERMINATING, ClusterStatus.TERMINATED,
                          ClusterStatus.FAILED):
        raise DomainError(f"Cluster {cluster.spec.name} is {cluster.status.value}: jobs run "
                          f"on a cluster that is RUNNING or on its way.", field="clusterUUID")
    run_uuid, task_uuid = run_uuid or new_uuid(), new_uuid()
    events = j.decide_submit(run_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now())
    return engine.create(KIND, ws.uuid, run_uuid, events).state


def get(workspace_uuid: str, run_uuid: str) -> JobRun | None:
    row = aggregates.get(KIND, workspace_uuid, run_uuid)
    return load(JobRun, row.state) if row else None


def list_page(workspace_uuid: str, q: ListQuery) -> tuple[list[JobRun], int]:
    return lists.list_page(KIND, workspace_uuid, q, lambda data: load(JobRun, data))


def cancel(workspace_uuid: str, run_uuid: str, by: str) -> JobRun | None:
    """Cancel the run: at once if it has not started, else its command is cancelled."""
    return engine.execute(KIND, workspace_uuid, run_uuid,
                          lambda s: [] if s is None else j.decide_cancel(s, by, clock.now()),
                          busy=BUSY).state
