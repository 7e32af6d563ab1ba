"""Workspace commands: create, get, list, remove. Each decides on the current state, then commits
through the engine, which appends and enqueues the step that follows. A workspace lives in its
organization's scope (the projection row is one GetItem under the organization)."""
from __future__ import annotations

from . import clock, clusters, engine, identity
from .lifecycle import DomainError
from .lifecycle import workspace as w
from .lifecycle.cluster import ClusterStatus
from .lifecycle.workspace import Workspace, WorkspaceSpec
from .store import aggregates

KIND = "workspace"


def create(org_uuid: str, spec: WorkspaceSpec) -> Workspace:
    ws_uuid, task_uuid = identity.new_uuid(), identity.new_uuid()
    events = w.decide_create(ws_uuid, org_uuid, spec, task_uuid, clock.now())
    return engine.commit(KIND, org_uuid, ws_uuid, 0, None, events).state


def get(org_uuid: str, ws_uuid: str) -> Workspace | None:
    row = aggregates.get(KIND, org_uuid, ws_uuid)
    return Workspace.from_dict(row.state) if row else None


def list_all(org_uuid: str) -> list[Workspace]:
    found = [Workspace.from_dict(r.state) for r in aggregates.list_rows(KIND, org_uuid)]
    return sorted(found, key=lambda s: s.created_at)


def live_clusters(ws_uuid: str) -> list[str]:
    return [c.spec.name for c in clusters.list_all(ws_uuid)
            if c.status != ClusterStatus.TERMINATED]


def remove(org_uuid: str, ws_uuid: str) -> Workspace | None:
    """Request the removal. None if there is no such workspace; DomainError if not allowed
    (already removed, or clusters still alive)."""
    task_uuid = identity.new_uuid()
    for _ in range(3):
        row = aggregates.get(KIND, org_uuid, ws_uuid)
        if row is None:
            return None
        state = Workspace.from_dict(row.state)
        events = w.decide_remove(state, live_clusters(ws_uuid), task_uuid, clock.now())
        done = engine.commit(KIND, org_uuid, ws_uuid, row.version, state, events)
        if done is not None:
            return done.state
    raise DomainError("The workspace is changing too fast right now; try again.")
