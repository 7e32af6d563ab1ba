"""Cluster commands: create and remove. Each decides on the current state, then commits through
the engine, which appends and enqueues the step that follows."""
from __future__ import annotations

from . import clock, engine, identity
from .identity import Workspace
from .lifecycle import DomainError
from .lifecycle import cluster as c
from .lifecycle.cluster import Cluster, ClusterSpec
from .store import aggregates

KIND = "cluster"


def create(ws: Workspace, spec: ClusterSpec) -> Cluster:
    if ws.status != "READY":
        raise DomainError(f"Workspace {ws.name} is {ws.status}: clusters can be created only in a "
                          f"READY workspace. Wait until it is READY, or create another workspace "
                          f"if it FAILED.")
    cluster_uuid, task_uuid = identity.new_uuid(), identity.new_uuid()
    events = c.decide_create(cluster_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now(), network=ws.network)
    return engine.commit(KIND, ws.uuid, cluster_uuid, 0, None, events).state


def get(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    row = aggregates.get(KIND, workspace_uuid, cluster_uuid)
    return Cluster.from_dict(row.state) if row else None


def list_all(workspace_uuid: str) -> list[Cluster]:
    return [Cluster.from_dict(r.state) for r in aggregates.list_rows(KIND, workspace_uuid)]


def remove(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    """Request the removal. None if there is no such cluster; DomainError if not allowed."""
    task_uuid = identity.new_uuid()
    for _ in range(3):
        row = aggregates.get(KIND, workspace_uuid, cluster_uuid)
        if row is None:
            return None
        state = Cluster.from_dict(row.state)
        events = c.decide_remove(state, task_uuid, clock.now())
        done = engine.commit(KIND, workspace_uuid, cluster_uuid, row.version, state, events)
        if done is not None:
            return done.state
    raise DomainError("The cluster is changing too fast right now; try again.")
