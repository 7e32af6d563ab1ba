"""Workspace commands and reads: create, get, list, remove. Each command decides on the current
state, then commits through the engine, which appends and enqueues the step that follows. A
workspace lives in its organization's scope (its row is one GetItem under the organization)."""
from __future__ import annotations

from ..engine import driver as engine
from ..kernel import clock, holds
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.state import load
from ..kernel.listing import ListQuery
from ..store import aggregates, lists
from . import machine as w
from .machine import KIND, Workspace, WorkspaceSpec, WorkspaceStatus


def create(org_uuid: str, spec: WorkspaceSpec) -> Workspace:
    """Request a workspace. Refused while another live workspace has the name."""
    taken = [s for s in live(org_uuid) if s.name == spec.name]
    if taken:
        raise DomainError(f"A workspace named {spec.name} already exists ({taken[0].uuid}, "
                          f"{taken[0].status.value}): choose another name, or remove that "
                          f"workspace first.", "name")
    ws_uuid, task_uuid = new_uuid(), new_uuid()
    events = w.decide_create(ws_uuid, org_uuid, spec, task_uuid, clock.now())
    return engine.create(KIND, org_uuid, ws_uuid, events).state


def get(org_uuid: str, ws_uuid: str) -> Workspace | None:
    row = aggregates.get(KIND, org_uuid, ws_uuid)
    return load(Workspace, row.state) if row else None


def live(org_uuid: str) -> list[Workspace]:
    """The organization's workspaces that are not TERMINATED, oldest first (the removed ones
    are not read)."""
    return [load(Workspace, r.state) for r in aggregates.rows(KIND, org_uuid, live_only=True)]


def pick(org_uuid: str, wanted: str | None) -> tuple[Workspace | None, list[Workspace]]:
    """The workspace a page shows (the one asked for, else the first READY one, else the
    first) and every live one, for its picker."""
    found = live(org_uuid)
    chosen = next((w for w in found if w.uuid == wanted), None) if wanted else None
    if chosen is None and found:
        chosen = next((w for w in found if w.status == WorkspaceStatus.READY), found[0])
    return chosen, found


def list_page(org_uuid: str, q: ListQuery) -> tuple[list[Workspace], int]:
    """One page of the organization's workspaces and how many match in all."""
    return lists.list_page(KIND, org_uuid, q, lambda data: load(Workspace, data))


def live_names(org_uuid: str, _container: str = "") -> list[str]:
    """Names of the organization's workspaces that are not TERMINATED (what its linked
    account still holds: registered with kernel.holds at wiring time)."""
    return [s.name for s in live(org_uuid)]


def live_names_in_region(org_uuid: str, region: str) -> list[str]:
    """Names of the organization's workspaces in `region` that are not TERMINATED (what the
    region's organization network still serves: registered with kernel.holds)."""
    return [s.name for s in live(org_uuid) if s.region == region]


def remove(org_uuid: str, ws_uuid: str) -> Workspace | None:
    """Request the removal. None if there is no such workspace; DomainError if not allowed
    (already removed, or something still lives in it)."""
    task_uuid = new_uuid()

    def decide(state: Workspace | None) -> list:
        if state is None:
            return []
        inside = holds.held(holds.WORKSPACE, org_uuid, ws_uuid)
        return w.decide_remove(state, [n for names in inside.values() for n in names],
                               task_uuid, clock.now())

    return engine.execute(KIND, org_uuid, ws_uuid, decide,
                          busy="The workspace is changing too fast right now; try again.").state
