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
from ..kernel.listing import ListQuery
from ..store import aggregates, lists
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from . import machine as c
from .machine import KIND, Cluster, ClusterSpec


def create(ws: Workspace, spec: ClusterSpec) -> Cluster:
    """Request a cluster in a READY workspace. The creation is written only if the workspace
    is still READY then (its removal may have begun since it was read)."""
    _require_ready(ws)
    cluster_uuid, task_uuid = new_uuid(), new_uuid()
    events = c.decide_create(cluster_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now(), network=ws.network)
    try:
        return engine.create(KIND, ws.uuid, cluster_uuid, events).state
    except aggregates.ContainerClosed:
        now = workspaces.get(ws.organization_uuid, ws.uuid)
        _require_ready(now if now is not None else ws)
        raise DomainError(f"Workspace {ws.name} no longer accepts clusters.") from None


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
    return [load(Cluster, r.state).spec.name
            for r in aggregates.rows(KIND, workspace_uuid, live_only=True)]


def live_names_in_organization(org_uuid: str, _container: str = "") -> list[str]:
    """Names of the organization's clusters that are not TERMINATED, in every workspace (what
    its linked account still holds: registered with kernel.holds at wiring time)."""
    return [name for ws in workspaces.live(org_uuid) for name in live_names(org_uuid, ws.uuid)]


def any_in_organization(org_uuid: str) -> bool:
    """Whether the organization has made a cluster (the Onboarding step): one row read per
    live workspace at most."""
    return any(next(aggregates.rows(KIND, ws.uuid), None) is not None
               for ws in workspaces.live(org_uuid))


def remove(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    """Request the removal. None if there is no such cluster; DomainError if not allowed."""
    task_uuid = new_uuid()
    return engine.execute(
        KIND, workspace_uuid, cluster_uuid,
        lambda s: [] if s is None else c.decide_remove(s, task_uuid, clock.now()),
        busy="The cluster is changing too fast right now; try again.").state
