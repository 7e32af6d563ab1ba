"""Cluster commands and reads: create, get, list, remove. Each command decides on the current
state, then commits through the engine, which appends and enqueues the step that follows.
Clusters live in their workspace's scope.

Public surface for other concepts (jobs will start job-dedicated clusters through `create`):
create, get, remove, live_names."""
from __future__ import annotations

from ..engine import driver as engine
from ..kernel import clock
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.state import load
from ..store import aggregates
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from . import machine as c
from .machine import KIND, Cluster, ClusterSpec, ClusterStatus


def create(ws: Workspace, spec: ClusterSpec) -> Cluster:
    if ws.status != WorkspaceStatus.READY:
        raise DomainError(f"Workspace {ws.name} is {ws.status.value}: clusters can be created "
                          f"only in a READY workspace. Wait until it is READY, or create another "
                          f"workspace if it FAILED.")
    cluster_uuid, task_uuid = new_uuid(), new_uuid()
    events = c.decide_create(cluster_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now(), network=ws.network)
    return engine.create(KIND, ws.uuid, cluster_uuid, events).state


def get(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    row = aggregates.get(KIND, workspace_uuid, cluster_uuid)
    return load(Cluster, row.state) if row else None


def list_all(workspace_uuid: str) -> list[Cluster]:
    return [load(Cluster, r.state) for r in aggregates.list_rows(KIND, workspace_uuid)]


def live_names(org_uuid: str, workspace_uuid: str) -> list[str]:
    """Names of the workspace's clusters that are not TERMINATED (what the workspace still
    holds: registered with kernel.holds at wiring time)."""
    return [s.spec.name for s in list_all(workspace_uuid) if s.status != ClusterStatus.TERMINATED]


def live_names_in_organization(org_uuid: str, _container: str = "") -> list[str]:
    """Names of the organization's clusters that are not TERMINATED, in every workspace (what
    its linked account still holds: registered with kernel.holds at wiring time)."""
    return [name for ws in workspaces.list_all(org_uuid) for name in live_names(org_uuid, ws.uuid)]


def remove(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    """Request the removal. None if there is no such cluster; DomainError if not allowed."""
    task_uuid = new_uuid()
    return engine.execute(
        KIND, workspace_uuid, cluster_uuid,
        lambda s: [] if s is None else c.decide_remove(s, task_uuid, clock.now()),
        busy="The cluster is changing too fast right now; try again.").state
