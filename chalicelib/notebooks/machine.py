"""The notebook state machine: a transition table, `evolve` to fold events, `decide_*` for
commands, and `next_step` to derive the one side effect a notebook waits for.

A notebook is a node running Jupyter only, attached to one cluster of its workspace: in the
cluster's network and zone, with the organization's EFS mounted at /shared, so it sees the
cluster's hostfile (the manual's "Attaching a Notebook to a Cluster").

Creation: NEW while its cluster is still being created -> INPROGRESS once the cluster is
RUNNING (the node launched with a security group of its own; the readiness probes: instance
running, SSM agent online, Jupyter started, then answering on its port with the notebook's
token while the node sees /shared and the hostfile; then its public entry point
(cloud/entry_point.py): a CloudFront VPC origin on the node, deployed, Jupyter's port of the
node's group opened to CloudFront's VPC origins group, a distribution, deployed, and the last
probe: Jupyter answering through it) -> READY. A launch that fails ends FAILED, and what it
made is released. Removal: TERMINATING while the node is terminated, its group deleted, the
distribution disabled then deleted, the VPC origin deleted; then TERMINATED. Each teardown
step also looks for what a step cut short may have made unrecorded (by tag, name, comment).

While READY it watches its cluster (WATCH_CLUSTER, a periodic step the engine's due index
brings back every `heartbeat_seconds`): it reports activity to the cluster's auto shutdown,
and once the cluster goes (TERMINATING, TERMINATED, FAILED, or no longer there), the notebook
removes itself. A FAILED notebook watches too, to go with its cluster.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.service import Period, follow
from ..kernel.state import dump, load
from ..kernel.task import CarriesTasks, Task, TaskMove
from .events import (  # noqa: F401 - the events are the machine's vocabulary
    NotebookRequested, ClusterAttached, NodeLaunched, NodeRunning, NodeOnline, CommandSent,
    JupyterStarted, JupyterAnswered, VpcOriginCreated, VpcOriginDeployed, CloudFrontAdmitted,
    DistributionCreated, DistributionDeployed, NotebookReady, NotebookFailed,
    NotebookRemovalRequested, NodeTerminating, NodeTerminated, NodeGroupDeleted,
    DistributionDisabled, DistributionDeleted, DistributionFound, VpcOriginDeleting,
    VpcOriginDeleted, VpcOriginFound, NotebookRemoved, NotebookStepRetrying)


class NotebookStatus(str, Enum):
    NEW = "NEW"
    INPROGRESS = "INPROGRESS"
    READY = "READY"
    FAILED = "FAILED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"


S = NotebookStatus
KIND = "notebook"
CREATE_NOTEBOOK = "CREATE_NOTEBOOK"
REMOVE_NOTEBOOK = "REMOVE_NOTEBOOK"
# The cluster statuses a notebook may be attached to: running, or on its way there.
ATTACHABLE = frozenset({"NEW", "INPROGRESS", "INITIALIZING", "RUNNING"})
# The cluster statuses in which a notebook goes with its cluster.
CLUSTER_GOING = frozenset({"TERMINATING", "TERMINATED", "FAILED"})
# The cluster statuses that count the notebook's presence as activity.
CLUSTER_ACTIVE = frozenset({"RUNNING", "INITIALIZING"})
CLUSTER_WAIT_TIMEOUT_SECONDS = 45 * 60    # a cluster still being created after that: failed
NODE_READY_TIMEOUT_SECONDS = 15 * 60      # launch -> running and online in SSM
JUPYTER_TIMEOUT_SECONDS = 10 * 60         # online -> Jupyter answering
DEPLOY_TIMEOUT_SECONDS = 45 * 60          # a VPC origin or a distribution to deploy
ENTRY_TIMEOUT_SECONDS = 15 * 60           # deployed -> Jupyter answering through it
HEARTBEAT_MAX_SECONDS = 5 * 60
HEARTBEAT_MIN_SECONDS = 30


@dataclass(frozen=True)
class NotebookSpec:
    name: str
    instance_type: str
    cluster_uuid: str
    region: str


class Node(str, Enum):
    NONE = "NONE"                 # none recorded (a launch may still have raced a removal)
    LAUNCHED = "LAUNCHED"
    TERMINATING = "TERMINATING"
    RELEASED = "RELEASED"         # every instance tagged with the notebook is terminated


class Teardown(str, Enum):
    """Where the removal of an entry point's part stands (PENDING until a teardown acts:
    it may exist, recorded or not)."""
    PENDING = "PENDING"
    ASKED = "ASKED"        # a distribution disabled / a VPC origin's deletion asked
    GONE = "GONE"


LAUNCHING = (S.NEW, S.INPROGRESS)
TEARING_DOWN = (S.FAILED, S.TERMINATING, S.TERMINATED)
REMOVABLE = (S.NEW, S.INPROGRESS, S.READY, S.FAILED)

TRANSITIONS: dict[tuple[NotebookStatus | None, type], NotebookStatus] = {
    (None, NotebookRequested): S.NEW,
    **{(s, ClusterAttached): S.INPROGRESS for s in LAUNCHING},
    (S.INPROGRESS, NodeLaunched): S.INPROGRESS,
    (S.INPROGRESS, NodeRunning): S.INPROGRESS,
    (S.INPROGRESS, NodeOnline): S.INPROGRESS,
    (S.INPROGRESS, CommandSent): S.INPROGRESS,
    (S.INPROGRESS, JupyterStarted): S.INPROGRESS,
    **{(S.INPROGRESS, e): S.INPROGRESS for e in (
        JupyterAnswered, VpcOriginCreated, VpcOriginDeployed, CloudFrontAdmitted,
        DistributionCreated, DistributionDeployed)},
    (S.INPROGRESS, NotebookReady): S.READY,
    **{(s, NotebookFailed): S.FAILED for s in LAUNCHING},
    **{(s, NotebookRemovalRequested): S.TERMINATING for s in REMOVABLE},
    # A launch that raced a failure or a removal is recorded, so the teardown releases it.
    **{(s, NodeLaunched): s for s in TEARING_DOWN},
    **{(s, NodeTerminating): s for s in TEARING_DOWN},
    **{(s, NodeTerminated): s for s in TEARING_DOWN},
    **{(s, e): s for s in TEARING_DOWN for e in (
        NodeGroupDeleted, DistributionDisabled, DistributionDeleted, DistributionFound,
        VpcOriginDeleting, VpcOriginDeleted, VpcOriginFound)},
    (S.TERMINATING, NotebookRemoved): S.TERMINATED,
    **{(s, NotebookStepRetrying): s for s in (*LAUNCHING, S.READY, *TEARING_DOWN)},
}


class Step(str, Enum):
    """The side effect a notebook waits for; derived from state, never stored."""

    AWAIT_CLUSTER = "AWAIT_CLUSTER"
    LAUNCH_NODE = "LAUNCH_NODE"
    AWAIT_NODE = "AWAIT_NODE"
    START_JUPYTER = "START_JUPYTER"
    AWAIT_JUPYTER = "AWAIT_JUPYTER"
    SEND_PROBE = "SEND_PROBE"
    AWAIT_PROBE = "AWAIT_PROBE"
    CREATE_VPC_ORIGIN = "CREATE_VPC_ORIGIN"
    AWAIT_VPC_ORIGIN = "AWAIT_VPC_ORIGIN"
    ADMIT_CLOUDFRONT = "ADMIT_CLOUDFRONT"
    CREATE_DISTRIBUTION = "CREATE_DISTRIBUTION"
    AWAIT_DISTRIBUTION = "AWAIT_DISTRIBUTION"
    PROBE_ENTRY = "PROBE_ENTRY"
    WATCH_CLUSTER = "WATCH_CLUSTER"
    TERMINATE_NODE = "TERMINATE_NODE"
    AWAIT_NODE_TERMINATED = "AWAIT_NODE_TERMINATED"
    DELETE_NODE_GROUP = "DELETE_NODE_GROUP"
    DISABLE_DISTRIBUTION = "DISABLE_DISTRIBUTION"
    DELETE_DISTRIBUTION = "DELETE_DISTRIBUTION"
    DELETE_VPC_ORIGIN = "DELETE_VPC_ORIGIN"
    AWAIT_VPC_ORIGIN_DELETED = "AWAIT_VPC_ORIGIN_DELETED"
    FINISH_REMOVAL = "FINISH_REMOVAL"


START, PROBE = "start", "probe"


@dataclass(frozen=True)
class Notebook(CarriesTasks):
    uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: NotebookSpec
    status: NotebookStatus
    created_at: float
    updated_at: float
    in_state_since: float
    cluster_name: str = ""
    network: dict | None = None       # set once the cluster is attached
    zone: str | None = None
    image_id: str | None = None
    node_key: str | None = None
    hostfile: str | None = None
    node: Node = Node.NONE
    instance_id: str | None = None
    subnet_id: str | None = None
    launched_at: float | None = None
    private_ip: str | None = None     # probe 1: the instance runs
    online_at: float | None = None    # probe 2: its SSM agent is online
    command: dict | None = None       # {"purpose", "command_id", "at"}: the script running
    port: int | None = None           # Jupyter's port on the node, once started
    node_url: str | None = None       # Jupyter's address as the node answered (probe 3)
    group_id: str | None = None       # the node's own security group
    vpc_origin_id: str | None = None  # the entry point: its VPC origin on the node,
    vpc_origin_at: float | None = None
    vpc_origin_deployed: bool = False
    admitted: str | None = None       # CloudFront's group, let in on Jupyter's port
    distribution_id: str | None = None    # its distribution
    domain: str | None = None
    distribution_at: float | None = None
    deployed_at: float | None = None      # the distribution deployed
    url: str | None = None            # where users are sent: the entry point, once READY
    ready_at: float | None = None
    terminating_at: float | None = None
    group_released: bool = False
    distribution_teardown: Teardown = Teardown.PENDING
    distribution_teardown_at: float | None = None
    vpc_origin_teardown: Teardown = Teardown.PENDING
    vpc_origin_teardown_at: float | None = None
    failure: str | None = None
    retrying: str | None = None
    tasks: tuple[Task, ...] = ()
    # When its node was in service (READY), as what: what metering charges (usage/).
    service: tuple[Period, ...] = ()


# ---- folding ------------------------------------------------------------------------------

def released(s: Notebook) -> bool:
    """Nothing of the notebook is left: its node, its group, its entry point."""
    return (s.node == Node.RELEASED and s.group_released
            and s.distribution_teardown == Teardown.GONE
            and s.vpc_origin_teardown == Teardown.GONE)


def allows(state: Notebook | None, e: Any) -> bool:
    """The table, and: a notebook is removed only once everything it made is released."""
    if isinstance(e, NotebookRemoved) and (state is None or not released(state)):
        return False
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: Notebook | None, e: Any) -> Notebook:
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, NotebookRequested):
        task = Task(e.task_uuid, CREATE_NOTEBOOK, e.notebook_uuid, created_at=e.at,
                    updated_at=e.at)
        return Notebook(uuid=e.notebook_uuid, workspace_uuid=e.workspace_uuid,
                        organization_uuid=e.organization_uuid, spec=load(NotebookSpec, e.spec),
                        status=status, created_at=e.at, updated_at=e.at, in_state_since=e.at,
                        tasks=(task,))
    assert state is not None
    applied = _apply(state, e)
    if not isinstance(e, NotebookStepRetrying):
        applied = replace(applied, retrying=None)
    stamped = table.stamp(state, applied, status, e.at)
    # The billing rule (README, Metering): a notebook's node is in service from READY until
    # its removal is requested (or it fails).
    return replace(stamped, service=follow(stamped.service, stamped.status == S.READY, e.at,
                                           stamped.spec.instance_type, 1))


def _apply(s: Notebook, e: Any) -> Notebook:
    at = e.at
    if isinstance(e, NotebookStepRetrying):
        return replace(s, retrying=f"{e.step}: {e.reason}").with_task(
            TaskMove.PROGRESS, f"Retrying {e.step.lower().replace('_', ' ')} shortly: {e.reason}",
            at)
    if isinstance(e, ClusterAttached):
        where = f" in {e.zone}" if e.zone else ""
        return replace(s, cluster_name=e.cluster_name, network=dict(e.network), zone=e.zone,
                       image_id=e.image_id, node_key=e.node_key, hostfile=e.hostfile).with_task(
            TaskMove.PROGRESS, f"Cluster {e.cluster_name} is RUNNING: the node joins its network "
                               f"{e.network.get('vpc_id', '')}{where}, hostfile {e.hostfile}", at)
    if isinstance(e, NodeLaunched):
        group = f", security group {e.group_id}" if e.group_id else ""
        return replace(s, node=Node.LAUNCHED, instance_id=e.instance_id, subnet_id=e.subnet_id,
                       launched_at=at, group_id=e.group_id or s.group_id).with_task(
            TaskMove.PROGRESS, f"Node {e.instance_id} launched ({s.spec.instance_type}) in "
                               f"subnet {e.subnet_id}{group}", at)
    if isinstance(e, NodeRunning):
        return replace(s, private_ip=e.private_ip).with_task(
            TaskMove.PROGRESS, f"Probe passed: instance {s.instance_id} is running "
                               f"({e.private_ip})", at)
    if isinstance(e, NodeOnline):
        return replace(s, online_at=at).with_task(
            TaskMove.PROGRESS, "Probe passed: the node's SSM agent is online", at)
    if isinstance(e, CommandSent):
        return replace(s, command={"purpose": e.purpose, "command_id": e.command_id, "at": at})
    if isinstance(e, JupyterStarted):
        return replace(s, port=e.port, command=None).with_task(
            TaskMove.PROGRESS, f"Jupyter started on port {e.port}", at)
    if isinstance(e, JupyterAnswered):
        return replace(s, node_url=e.url, command=None).with_task(
            TaskMove.PROGRESS, f"Probe passed: {e.detail}", at)
    entry = _entry(s, e)
    if entry is not None:
        return entry
    if isinstance(e, NotebookReady):
        return replace(s, url=e.url, ready_at=at, command=None).with_task(
            TaskMove.FINISH, f"Probe passed: {e.detail}", at)
    if isinstance(e, NotebookFailed):
        return replace(s, failure=e.reason, command=None).with_task(
            TaskMove.FAIL, f"Launch failed: {e.reason}", at)
    if isinstance(e, NotebookRemovalRequested):
        return s.open_task(e.task_uuid, REMOVE_NOTEBOOK, at,
                           "Cancelled: the notebook's removal was requested",
                           details=(f"Removal {e.reason}",))
    if isinstance(e, NodeTerminating):
        ids = tuple(e.instance_ids)
        said = f"Terminating node {', '.join(ids)}" if ids else "No node to terminate"
        return replace(s, node=Node.TERMINATING, terminating_at=at).with_task(
            TaskMove.PROGRESS, said, at)
    if isinstance(e, NodeTerminated):
        return replace(s, node=Node.RELEASED, url=None).with_task(
            TaskMove.PROGRESS, "Node terminated", at)
    teardown = _teardown(s, e)
    if teardown is not None:
        return teardown
    if isinstance(e, NotebookRemoved):
        return s.with_task(TaskMove.FINISH, "Notebook removed", at)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


def _entry(s: Notebook, e: Any) -> Notebook | None:
    """The entry point's creation, each step a line of the task."""
    at = e.at
    if isinstance(e, VpcOriginCreated):
        return replace(s, vpc_origin_id=e.vpc_origin_id, vpc_origin_at=at).with_task(
            TaskMove.PROGRESS, f"CloudFront VPC origin {e.vpc_origin_id} created on node "
                               f"{s.instance_id} (HTTP, port {e.port})", at)
    if isinstance(e, VpcOriginDeployed):
        return replace(s, vpc_origin_deployed=True).with_task(
            TaskMove.PROGRESS, f"VPC origin {s.vpc_origin_id} deployed", at)
    if isinstance(e, CloudFrontAdmitted):
        return replace(s, admitted=e.cloudfront_group_id).with_task(
            TaskMove.PROGRESS, f"Security group {s.group_id} of the node: port {e.port} open "
                               f"to CloudFront's VPC origins group {e.cloudfront_group_id} "
                               f"only", at)
    if isinstance(e, DistributionCreated):
        return replace(s, distribution_id=e.distribution_id, domain=e.domain,
                       distribution_at=at).with_task(
            TaskMove.PROGRESS, f"CloudFront distribution {e.distribution_id} created for "
                               f"{e.domain} (HTTPS, caching disabled, every viewer header "
                               f"forwarded: WebSockets pass)", at)
    if isinstance(e, DistributionDeployed):
        return replace(s, deployed_at=at).with_task(
            TaskMove.PROGRESS, f"Distribution {s.distribution_id} deployed", at)
    return None


def _teardown(s: Notebook, e: Any) -> Notebook | None:
    """The removal of the node's group and of the entry point, each step a line."""
    at, G = e.at, Teardown
    if isinstance(e, NodeGroupDeleted):
        ids = tuple(e.group_ids)
        return replace(s, group_released=True).with_task(
            TaskMove.PROGRESS, f"Security group {', '.join(ids)} deleted" if ids
            else "No security group to delete", at)
    if isinstance(e, DistributionDisabled):
        return replace(s, distribution_id=e.distribution_id, distribution_teardown=G.ASKED,
                       distribution_teardown_at=at).with_task(
            TaskMove.PROGRESS, f"Distribution {e.distribution_id} disabled (deleted once "
                               f"that is deployed)", at)
    if isinstance(e, DistributionDeleted):
        return replace(s, distribution_teardown=G.GONE, domain=None).with_task(
            TaskMove.PROGRESS, f"Distribution {e.distribution_id} deleted"
            if e.distribution_id else "No distribution to delete", at)
    if isinstance(e, DistributionFound):
        return replace(s, distribution_id=e.distribution_id,
                       distribution_teardown=G.PENDING).with_task(
            TaskMove.PROGRESS, f"Distribution {e.distribution_id} found (enabled, or made by "
                               f"a step cut short): removing it too", at)
    if isinstance(e, VpcOriginDeleting):
        return replace(s, vpc_origin_id=e.vpc_origin_id, vpc_origin_teardown=G.ASKED,
                       vpc_origin_teardown_at=at).with_task(
            TaskMove.PROGRESS, f"VPC origin {e.vpc_origin_id} being deleted", at)
    if isinstance(e, VpcOriginDeleted):
        return replace(s, vpc_origin_teardown=G.GONE).with_task(
            TaskMove.PROGRESS, f"VPC origin {e.vpc_origin_id} deleted" if e.vpc_origin_id
            else "No VPC origin to delete", at)
    if isinstance(e, VpcOriginFound):
        return replace(s, vpc_origin_id=e.vpc_origin_id,
                       vpc_origin_teardown=G.PENDING).with_task(
            TaskMove.PROGRESS, f"VPC origin {e.vpc_origin_id} found (made by a step cut "
                               f"short): removing it too", at)
    return None


# ---- commands -----------------------------------------------------------------------------

def decide_create(notebook_uuid: str, workspace_uuid: str, organization_uuid: str,
                  spec: NotebookSpec, task_uuid: str, at: float) -> list:
    return [NotebookRequested(notebook_uuid, workspace_uuid, organization_uuid, dump(spec),
                              task_uuid, at)]


def decide_remove(s: Notebook, task_uuid: str, at: float, reason: str) -> list:
    if s.status in (S.TERMINATING, S.TERMINATED):
        raise DomainError(f"Notebook {s.spec.name} is already "
                          f"{'being removed' if s.status == S.TERMINATING else 'removed'}.")
    return [NotebookRemovalRequested(task_uuid, reason, at)]


def cluster_going(s: Notebook, cluster_status: str | None, cluster_name: str, task_uuid: str,
                  at: float) -> list:
    """What the watch decides from its cluster's status (None: the cluster is gone)."""
    if s.status not in REMOVABLE:
        return []
    if cluster_status is None:
        return [NotebookRemovalRequested(task_uuid, f"with its cluster {s.spec.cluster_uuid}, which "
                                            f"is gone", at)]
    if cluster_status in CLUSTER_GOING:
        return [NotebookRemovalRequested(task_uuid, f"with its cluster {cluster_name}, which is "
                                            f"{cluster_status}", at)]
    return []


# ---- what is pending ----------------------------------------------------------------------

def next_step(s: Notebook) -> Step | None:
    if s.status in LAUNCHING:
        if s.network is None:
            return Step.AWAIT_CLUSTER
        if s.node == Node.NONE:
            return Step.LAUNCH_NODE
        if s.private_ip is None or s.online_at is None:
            return Step.AWAIT_NODE
        purpose = (s.command or {}).get("purpose")
        if s.port is None:
            return Step.AWAIT_JUPYTER if purpose == START else Step.START_JUPYTER
        if s.node_url is None:
            return Step.AWAIT_PROBE if purpose == PROBE else Step.SEND_PROBE
        return _entry_step(s)
    if s.status == S.READY:
        return Step.WATCH_CLUSTER
    if s.status in TEARING_DOWN:
        if s.node in (Node.NONE, Node.LAUNCHED):
            return Step.TERMINATE_NODE
        if s.node == Node.TERMINATING:
            return Step.AWAIT_NODE_TERMINATED
        if not s.group_released:
            return Step.DELETE_NODE_GROUP
        if s.distribution_teardown != Teardown.GONE:
            return (Step.DISABLE_DISTRIBUTION if s.distribution_teardown == Teardown.PENDING
                    else Step.DELETE_DISTRIBUTION)
        if s.vpc_origin_teardown != Teardown.GONE:
            return (Step.DELETE_VPC_ORIGIN if s.vpc_origin_teardown == Teardown.PENDING
                    else Step.AWAIT_VPC_ORIGIN_DELETED)
        if s.status == S.TERMINATING:
            return Step.FINISH_REMOVAL
        if s.status == S.FAILED:
            return Step.WATCH_CLUSTER
    return None


def _entry_step(s: Notebook) -> Step:
    """Jupyter answers on the node: the entry point's part still to make or to wait for."""
    if s.vpc_origin_id is None:
        return Step.CREATE_VPC_ORIGIN
    if not s.vpc_origin_deployed:
        return Step.AWAIT_VPC_ORIGIN
    if s.admitted is None:
        return Step.ADMIT_CLOUDFRONT
    if s.distribution_id is None:
        return Step.CREATE_DISTRIBUTION
    if s.deployed_at is None:
        return Step.AWAIT_DISTRIBUTION
    return Step.PROBE_ENTRY


def heartbeat_seconds(auto_pause_minutes: int, auto_stop_minutes: int) -> float:
    """How often a READY notebook reports activity: a third of the cluster's shortest idle
    window, between HEARTBEAT_MIN_SECONDS and HEARTBEAT_MAX_SECONDS (the most a cluster's
    removal waits to take its notebooks along)."""
    windows = [60 * m for m in (auto_pause_minutes, auto_stop_minutes) if m and m > 0]
    if not windows:
        return HEARTBEAT_MAX_SECONDS
    return float(max(HEARTBEAT_MIN_SECONDS, min(HEARTBEAT_MAX_SECONDS, min(windows) / 3)))


def retrying(s: Notebook, step: Step, reason: str, at: float) -> list:
    if s.retrying == f"{step.value}: {reason}":
        return []
    return [NotebookStepRetrying(step.value, reason, at)]


def launch_failed(s: Notebook, reason: str, at: float) -> list:
    """A lasting AWS error fails a launch; in a teardown it is retried (nothing to record)."""
    return [NotebookFailed(reason, at)] if s.status in LAUNCHING else []


def node_overdue(s: Notebook, now: float) -> bool:
    return s.launched_at is not None and now - s.launched_at > NODE_READY_TIMEOUT_SECONDS


def jupyter_overdue(s: Notebook, now: float) -> bool:
    return s.online_at is not None and now - s.online_at > JUPYTER_TIMEOUT_SECONDS


def deploy_overdue(since: float | None, now: float) -> bool:
    return since is not None and now - since > DEPLOY_TIMEOUT_SECONDS


def entry_overdue(s: Notebook, now: float) -> bool:
    return s.deployed_at is not None and now - s.deployed_at > ENTRY_TIMEOUT_SECONDS


def cluster_overdue(s: Notebook, now: float) -> bool:
    return now - s.created_at > CLUSTER_WAIT_TIMEOUT_SECONDS


# ---- where a notebook stands among others --------------------------------------------------

CONTAINER_KIND = "workspace"


def container(s: Notebook) -> tuple[str, str, str]:
    """The workspace it is created in: it must still accept children then."""
    return CONTAINER_KIND, s.organization_uuid, s.workspace_uuid


def metered(s: Notebook) -> str | None:
    """Once it has been in service, the organization it is metered for (the service index
    lists it from then on); None before."""
    return s.organization_uuid if s.service else None


def live(s: Notebook) -> bool:
    return s.status != S.TERMINATED


def is_settled(s: Notebook) -> bool:
    return s.status == S.TERMINATED and next_step(s) is None
