"""Notebook commands and reads: create, get, list, remove, and the address a signed-in person
is sent to. Each command decides on the current state, then commits through the engine, which
appends and enqueues the step that follows. Notebooks live in their workspace's scope; the
cluster is read through its concept's public commands.

Public surface for other concepts: create, get, remove, live_names, any_ready_in_organization."""
from __future__ import annotations

from ..clusters import commands as clusters
from ..clusters.machine import Cluster
from ..engine import driver as engine
from ..kernel import admission, clock
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.listing import ListQuery
from ..kernel.state import load
from ..store import aggregates, lists
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from . import machine as m
from .machine import KIND, Notebook, NotebookSpec
from .tokens import token

BUSY = "The notebook is changing too fast right now; try again."


def cluster_of(workspace_uuid: str, cluster_uuid: str) -> Cluster | None:
    """The cluster a notebook would attach to, in this workspace only."""
    return clusters.get(workspace_uuid, cluster_uuid)


def create(ws: Workspace, spec: NotebookSpec) -> Notebook:
    """Request a notebook in a READY workspace, written only while the workspace still
    accepts children (shapes.parse_create checked the cluster; the machine checks it again
    before the node launches). Refused while no new work may start in the workspace
    (kernel.admission: the organization's subscription ended, or its spend cap is reached)."""
    admission.require(ws.organization_uuid, ws.uuid, "notebooks")
    if ws.status != WorkspaceStatus.READY:
        raise DomainError(f"Workspace {ws.name} is {ws.status.value}: notebooks can be created "
                          f"only in a READY workspace.")
    notebook_uuid, task_uuid = new_uuid(), new_uuid()
    events = m.decide_create(notebook_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now())
    try:
        return engine.create(KIND, ws.uuid, notebook_uuid, events).state
    except aggregates.ContainerClosed:
        raise DomainError(f"Workspace {ws.name} no longer accepts notebooks.") from None


def get(workspace_uuid: str, notebook_uuid: str) -> Notebook | None:
    row = aggregates.get(KIND, workspace_uuid, notebook_uuid)
    return load(Notebook, row.state) if row else None


def list_page(workspace_uuid: str, q: ListQuery) -> tuple[list[Notebook], int]:
    return lists.list_page(KIND, workspace_uuid, q, lambda data: load(Notebook, data))


def live_names(org_uuid: str, workspace_uuid: str) -> list[str]:
    """Names of the workspace's notebooks not TERMINATED (what the workspace still holds)."""
    return [n.spec.name for n in live(workspace_uuid)]


def live(workspace_uuid: str) -> list[Notebook]:
    """The workspace's notebooks that are not TERMINATED (read without the ended ones)."""
    return [load(Notebook, r.state) for r in aggregates.rows(KIND, workspace_uuid, live_only=True)]


def any_ready_in_organization(org_uuid: str) -> bool:
    """Whether a notebook of the organization is, or was, READY (the Onboarding step: a
    notebook was attached): the READY ones are read first, then the removed ones."""
    for ws in workspaces.live(org_uuid):
        if next(aggregates.rows(KIND, ws.uuid, statuses=[m.S.READY.value]), None) is not None:
            return True
        gone = (m.S.TERMINATING.value, m.S.TERMINATED.value)
        if any(load(Notebook, r.state).ready_at is not None
               for r in aggregates.rows(KIND, ws.uuid, statuses=gone)):
            return True
    return False


def remove(workspace_uuid: str, notebook_uuid: str, by: str = "",
           reason: str = "") -> Notebook | None:
    """Request the removal (None: no such notebook; 409 when it is being removed already);
    `by` says who asked, or `reason` why ("Removal <reason>" in the task)."""
    task_uuid = new_uuid()
    reason = reason or (f"requested by {by}" if by else "requested")
    return engine.execute(
        KIND, workspace_uuid, notebook_uuid,
        lambda s: [] if s is None else m.decide_remove(s, task_uuid, clock.now(), reason),
        busy=BUSY).state


def find_in_organization(org_uuid: str, notebook_uuid: str) -> Notebook | None:
    """The notebook among the organization's live workspaces (one read per workspace)."""
    for ws in workspaces.live(org_uuid):
        found = get(ws.uuid, notebook_uuid)
        if found is not None:
            return found
    return None


def jupyter_address(s: Notebook) -> str:
    """Where a signed-in person of the notebook's organization is sent: the notebook's entry
    point (its CloudFront distribution, in front of Jupyter on the node), with the notebook's
    token (Jupyter then keeps its own login cookie)."""
    if s.status != m.S.READY or not s.url:
        raise DomainError(f"Notebook {s.spec.name} is {s.status.value}: it can be opened once "
                          f"it is READY.")
    return f"{s.url}?token={token(s.uuid)}"
