"""The workspace state machine: a transition table, `evolve` to fold events, `decide_*` for
commands, and `next_step` to derive the one side effect a workspace is waiting for.

Creation: NEW -> (the platform can act in the organization's linked account in the workspace's
region) INPROGRESS -> (the organization network exists there) READY. A lasting AWS error ends
FAILED with AWS's reason in the task (also when the organization network of the region fails).
The workspace does not make the network: it asks the region's organization-network aggregate
(org_network) for it, creating it when absent, and is READY once that is READY. Removal:
TERMINATING -> TERMINATED, refused while the workspace has clusters that are not TERMINATED.
The organization network stays (the organization's other workspaces in the region share it);
only the region's cleanup removes it, and that is refused while workspaces live there.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Sequence

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.events import event
from ..kernel.state import dump, load
from ..kernel.task import CarriesTasks, Task, TaskMove


class WorkspaceStatus(str, Enum):
    NEW = "NEW"
    INPROGRESS = "INPROGRESS"
    READY = "READY"
    FAILED = "FAILED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"


S = WorkspaceStatus
KIND = "workspace"
CREATE_WORKSPACE = "CREATE_WORKSPACE"
REMOVE_WORKSPACE = "REMOVE_WORKSPACE"


@dataclass(frozen=True)
class WorkspaceSpec:
    """What the caller asked for, validated."""

    name: str
    region: str
    cloud_config_uuid: str
    custom_tags: dict[str, str] = field(default_factory=dict)
    workspace_data: dict = field(default_factory=dict)
    created_by: str | None = None


# ---- events -------------------------------------------------------------------------------

@event
class WorkspaceRequested:
    workspace_uuid: str
    organization_uuid: str
    spec: dict
    task_uuid: str
    at: float


@event
class WorkspaceAccessVerified:
    """The platform assumed the organization's role and acted in the workspace's region."""
    account_id: str
    at: float


@event
class WorkspaceNetworkReady:
    """The organization network of the region is READY: `network` is its dict (the shared
    contract, org_network.machine.network), copied into each cluster made here."""
    network: dict
    at: float


@event
class WorkspaceFailed:
    reason: str
    at: float


@event
class WorkspaceRemovalRequested:
    task_uuid: str
    at: float


@event
class WorkspaceRemoved:
    at: float


CREATING = (S.NEW, S.INPROGRESS)
REMOVABLE = (S.NEW, S.INPROGRESS, S.READY, S.FAILED)
LIVE = (S.NEW, S.INPROGRESS, S.READY, S.FAILED, S.TERMINATING)

# (status, event type) -> status. Anything not listed is refused (a creation step that raced a
# removal is dropped: the network it ensured is the organization's, nothing to release).
TRANSITIONS: dict[tuple[WorkspaceStatus | None, type], WorkspaceStatus] = {
    (None, WorkspaceRequested): S.NEW,
    (S.NEW, WorkspaceAccessVerified): S.INPROGRESS,
    (S.INPROGRESS, WorkspaceNetworkReady): S.READY,
    **{(s, WorkspaceFailed): S.FAILED for s in CREATING},
    **{(s, WorkspaceRemovalRequested): S.TERMINATING for s in REMOVABLE},
    (S.TERMINATING, WorkspaceRemoved): S.TERMINATED,
}


class Step(str, Enum):
    """The side effect a workspace waits for; derived from state, never stored."""

    VERIFY_ACCESS = "VERIFY_ACCESS"
    ENSURE_NETWORK = "ENSURE_NETWORK"
    FINISH_REMOVAL = "FINISH_REMOVAL"


@dataclass(frozen=True)
class Workspace(CarriesTasks):
    uuid: str
    organization_uuid: str
    spec: WorkspaceSpec
    status: WorkspaceStatus
    created_at: float
    updated_at: float
    in_state_since: float
    account_id: str | None = None
    network: dict | None = None
    failure: str | None = None
    tasks: tuple[Task, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def region(self) -> str:
        return self.spec.region


# ---- folding ------------------------------------------------------------------------------

def allows(state: Workspace | None, e: Any) -> bool:
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: Workspace | None, e: Any) -> Workspace:
    """Apply one event. An event the table does not allow is a bug in the caller: it raises."""
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, WorkspaceRequested):
        task = Task(e.task_uuid, CREATE_WORKSPACE, e.workspace_uuid, created_at=e.at,
                    updated_at=e.at)
        return Workspace(uuid=e.workspace_uuid, organization_uuid=e.organization_uuid,
                         spec=load(WorkspaceSpec, e.spec), status=status, created_at=e.at,
                         updated_at=e.at, in_state_since=e.at, tasks=(task,))
    assert state is not None
    return table.stamp(state, _apply(state, e), status, e.at)


def _apply(s: Workspace, e: Any) -> Workspace:
    at = e.at
    if isinstance(e, WorkspaceAccessVerified):
        return replace(s, account_id=e.account_id).with_task(
            TaskMove.PROGRESS, f"The platform can act in account {e.account_id} in {s.region}", at)
    if isinstance(e, WorkspaceNetworkReady):
        net = e.network
        private = ", ".join(v for _, v in sorted(net.get("private_subnets", {}).items()))
        return replace(s, network=dict(net)).with_task(
            TaskMove.FINISH, f"Network ready in {s.region}: {net.get('vpc_id')}, private "
                             f"subnets {private}, security group {net.get('security_group_id')}",
            at)
    if isinstance(e, WorkspaceFailed):
        return replace(s, failure=e.reason).with_task(
            TaskMove.FAIL, f"Workspace creation failed: {e.reason}", at)
    if isinstance(e, WorkspaceRemovalRequested):
        return s.open_task(e.task_uuid, REMOVE_WORKSPACE, at,
                           "Cancelled: the workspace's removal was requested")
    if isinstance(e, WorkspaceRemoved):
        return s.with_task(TaskMove.FINISH, "Workspace removed (the organization's network in "
                                            f"{s.region} stays, shared)", at)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


# ---- commands -----------------------------------------------------------------------------

def decide_create(workspace_uuid: str, organization_uuid: str, spec: WorkspaceSpec,
                  task_uuid: str, at: float) -> list:
    # The API accepts only kernel.regions.REGIONS (400 naming `region`).
    return [WorkspaceRequested(workspace_uuid, organization_uuid, dump(spec), task_uuid, at)]


def decide_remove(state: Workspace, live_clusters: Sequence[str], task_uuid: str,
                  at: float) -> list:
    """`live_clusters`: names of the workspace's clusters that are not TERMINATED."""
    if state.status in (S.TERMINATING, S.TERMINATED):
        raise DomainError(f"Workspace {state.name} is already "
                          f"{'being removed' if state.status == S.TERMINATING else 'removed'}.")
    if live_clusters:
        names = ", ".join(sorted(live_clusters))
        raise DomainError(f"Workspace {state.name} still has cluster(s) that are not TERMINATED "
                          f"({names}): remove them and wait until they are TERMINATED, then "
                          f"remove the workspace.")
    if state.status not in REMOVABLE:  # pragma: no cover - every other status is listed
        raise DomainError(f"Workspace {state.name} cannot be removed while {state.status.value}.")
    return [WorkspaceRemovalRequested(task_uuid, at)]


# ---- what is pending ----------------------------------------------------------------------

def next_step(s: Workspace) -> Step | None:
    """The one side effect this workspace waits for, or None when it waits for nothing."""
    if s.status == S.NEW:
        return Step.VERIFY_ACCESS
    if s.status == S.INPROGRESS:
        return Step.ENSURE_NETWORK
    if s.status == S.TERMINATING:
        return Step.FINISH_REMOVAL
    return None


def creation_failed(s: Workspace, reason: str, at: float) -> list:
    """A lasting AWS error fails a creation; anything later has nothing to fail."""
    return [WorkspaceFailed(reason, at)] if s.status in CREATING else []


# ---- where a workspace stands among others -------------------------------------------------

def accepts(s: Workspace) -> bool:
    """Clusters are created only in a READY workspace; it stops being READY (its removal) only
    while none of its clusters is alive, both checked where they are written."""
    return s.status == S.READY


def live(s: Workspace) -> bool:
    return s.status != S.TERMINATED
