"""The cluster state machine: a transition table, `evolve` to fold events, `decide` for commands,
and `next_step` to derive the one side effect a cluster is waiting for.

Creation: NEW -> INPROGRESS (network, the pre-flight of the launch in each zone, placement
group, launch template, fleet in one zone after the other until one has capacity, every node
running and online in SSM, then the MPI checks) -> RUNNING once the cluster is MPI-ready. A
launch that fails ends FAILED; whatever it had created is then released. Removal:
TERMINATING while the fleet is terminated and the cluster's own resources are deleted, then
TERMINATED. Organization-level resources (the network) stay.

The events are in events.py and the polling schedule in polling.py, both reachable from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.service import Period, follow
from ..kernel.state import dump, load
from ..kernel.task import TERMINAL, CarriesTasks, Task, TaskMove
from ..kernel.times import iso
from .events import (  # noqa: F401 - the events are the machine's vocabulary
    ClusterRequested, NetworkReady, ZonesChecked, ZoneRefused, LaunchTemplateZoned,
    NodeKeyStored, NodeKeyDeleted, AccessGroupReady, PlacementGroupReady, LaunchTemplateReady,
    FleetLaunched, NodesReady, MpiCheckSent, MpiCheckPassed, MpiReady,
    LaunchFailed, RemovalRequested, InstancesTerminating, InstancesTerminated, LaunchTemplateDeleted,
    PlacementGroupDeleted, AccessGroupDeleted, ClusterRemoved, StepRetrying, PauseRequested,
    StopRequested, InstancesStopping, InstancesStopped, ResumeRequested, RestartRequested,
    InstancesStarting, ClusterUpdated, ScaleRequested, NodesAdded, NodesRemoved,
    ScaleFailed, LaunchTemplateUpdated, InstanceTypeChanged, ActivityRecorded)
from .polling import Polling, first_poll


class ClusterStatus(str, Enum):
    NEW = "NEW"
    INPROGRESS = "INPROGRESS"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
    PAUSING = "PAUSING"
    PAUSED = "PAUSED"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"


S = ClusterStatus
KIND = "cluster"
CREATE_CLUSTER = "CREATE_CLUSTER"
REMOVE_CLUSTER = "REMOVE_CLUSTER"
PAUSE_CLUSTER = "PAUSE_CLUSTER"
RESUME_CLUSTER = "RESUME_CLUSTER"
STOP_CLUSTER = "STOP_CLUSTER"
RESTART_CLUSTER = "RESTART_CLUSTER"
UPDATE_CLUSTER = "UPDATE_CLUSTER"
READINESS_TIMEOUT_SECONDS = 15 * 60
MPI_READY_TIMEOUT_SECONDS = 10 * 60   # from every node online to mpiexec answering
# The MPI-readiness checks, in order, run through SSM once every node is online: the head
# node writes the hostfile; every node finds /shared mounted, the hostfile readable and (with
# EFA) the EFA device; the head node's `mpiexec -n TOTAL -f hostfile hostname` answers TOTAL
# lines.
MPI_CHECKS = ("hostfile", "nodes", "mpiexec")


@dataclass(frozen=True)
class ClusterSpec:
    """What the user asked for, validated, with what validation learned (image, vCPUs)."""

    name: str
    instance_type: str
    workers_quantity: int
    bodo_version: str
    image_id: str
    vcpus: int
    region: str
    accelerated_networking: bool = False
    description: str = ""
    auto_stop: int = 0           # minutes of inactivity before removal; 0 = never
    auto_pause: int = 0
    auto_upgrade: bool = False
    ssh_public_key: str | None = None
    allowed_ips: tuple[str, ...] = ()
    custom_tags: dict[str, str] = field(default_factory=dict)
    memory_report_enabled: bool = False
    is_job_dedicated: bool = False
    availability_zone: str | None = None   # asked for: launch there only; else any that can

    @property
    def cores_per_worker(self) -> int:
        # The manual: a node's MPI core count is half its vCPUs.
        return max(1, self.vcpus // 2)


LAUNCHING = (S.NEW, S.INPROGRESS)
# Statuses in which whatever the cluster still holds is released. TERMINATED is here only for
# a launch fact that arrives after the removal finished (a step that raced it): it is recorded,
# then released like the rest.
TEARING_DOWN = (S.FAILED, S.TERMINATING, S.TERMINATED)
REMOVABLE = (S.NEW, S.INPROGRESS, S.INITIALIZING, S.RUNNING, S.PAUSED, S.STOPPED, S.FAILED)

# (status, event type) -> status. Anything not listed is refused. A launch step that raced
# with a failure or a removal still records what it created, so the teardown releases it.
TRANSITIONS: dict[tuple[ClusterStatus | None, type], ClusterStatus] = {
    (None, ClusterRequested): S.NEW,
    **{(s, NetworkReady): S.INPROGRESS for s in LAUNCHING},
    **{(s, ZonesChecked): S.INPROGRESS for s in LAUNCHING},
    (S.INPROGRESS, ZoneRefused): S.INPROGRESS,
    (S.INPROGRESS, LaunchTemplateZoned): S.INPROGRESS,
    # The first step is the network's, or the access group's or placement group's when the
    # cluster starts from its workspace's network: whichever comes first starts the creation.
    **{(s, AccessGroupReady): S.INPROGRESS for s in LAUNCHING},
    **{(s, NodeKeyStored): S.INPROGRESS for s in LAUNCHING},
    **{(s, PlacementGroupReady): S.INPROGRESS for s in LAUNCHING},
    (S.INPROGRESS, LaunchTemplateReady): S.INPROGRESS,
    (S.INPROGRESS, FleetLaunched): S.INPROGRESS,
    (S.INPROGRESS, NodesReady): S.INPROGRESS,
    (S.INPROGRESS, MpiCheckSent): S.INPROGRESS,
    (S.INPROGRESS, MpiCheckPassed): S.INPROGRESS,
    (S.INPROGRESS, MpiReady): S.RUNNING,
    **{(s, LaunchFailed): S.FAILED for s in LAUNCHING},
    **{(s, RemovalRequested): S.TERMINATING for s in REMOVABLE},
    **{(s, late): s for s in TEARING_DOWN
       for late in (NodeKeyStored, AccessGroupReady, PlacementGroupReady, LaunchTemplateReady,
                    FleetLaunched)},
    **{(s, InstancesTerminating): s for s in TEARING_DOWN},
    **{(s, InstancesTerminated): s for s in TEARING_DOWN},
    **{(s, LaunchTemplateDeleted): s for s in TEARING_DOWN},
    **{(s, PlacementGroupDeleted): s for s in TEARING_DOWN},
    **{(s, AccessGroupDeleted): s for s in TEARING_DOWN},
    **{(s, NodeKeyDeleted): s for s in TEARING_DOWN},
    (S.TERMINATING, ClusterRemoved): S.TERMINATED,
    # A retried step started the creation too, or keeps the status it happens in.
    **{(s, StepRetrying): S.INPROGRESS for s in LAUNCHING},
    **{(s, StepRetrying): s for s in TEARING_DOWN},
}

# ---- the cluster's life once it runs: statuses and transitions (merged into TRANSITIONS) ----
# Pause and stop both stop the instances, disks kept (PAUSING/STOPPING -> PAUSED/STOPPED); a
# resume (from PAUSED) or a restart (from STOPPED) starts the same instances again and a scale
# adds or removes nodes: all three are INITIALIZING until the creation's readiness path has
# run again (RUNNING). A restart first applies an upgrade PATCH asked for (BODOSDK.md 6.6).
POWERING_DOWN = (S.PAUSING, S.STOPPING)
LIFECYCLE_STATUSES = (S.RUNNING, S.PAUSING, S.PAUSED, S.STOPPING, S.STOPPED, S.INITIALIZING)
UPDATABLE = (S.NEW, S.INPROGRESS, *LIFECYCLE_STATUSES)
# The creation's readiness facts that a start re-runs: a fact that makes a launching cluster
# RUNNING makes a starting one RUNNING; any other keeps it INITIALIZING. (A readiness check
# added after NodesReady belongs here too.)
READINESS_EVENTS = (NodesReady, MpiCheckSent, MpiCheckPassed, MpiReady)
LIFECYCLE_TRANSITIONS: dict[tuple[ClusterStatus | None, type], ClusterStatus] = {
    (S.RUNNING, PauseRequested): S.PAUSING,
    (S.RUNNING, StopRequested): S.STOPPING,
    **{(s, InstancesStopping): s for s in POWERING_DOWN},
    (S.PAUSING, InstancesStopped): S.PAUSED,
    (S.STOPPING, InstancesStopped): S.STOPPED,
    (S.PAUSED, ResumeRequested): S.INITIALIZING,
    (S.STOPPED, RestartRequested): S.INITIALIZING,
    (S.RUNNING, ScaleRequested): S.INITIALIZING,
    **{(S.INITIALIZING, e): S.INITIALIZING
       for e in (LaunchTemplateUpdated, InstanceTypeChanged, InstancesStarting, NodesAdded,
                 NodesRemoved, ScaleFailed)},
    **{(S.INITIALIZING, e): S.RUNNING if TRANSITIONS[(S.INPROGRESS, e)] == S.RUNNING
       else S.INITIALIZING for e in READINESS_EVENTS},
    (S.INITIALIZING, LaunchFailed): S.FAILED,
    **{(s, ClusterUpdated): s for s in UPDATABLE},
    **{(s, ActivityRecorded): s for s in (S.RUNNING, S.INITIALIZING)},
    **{(s, StepRetrying): s for s in (*POWERING_DOWN, S.INITIALIZING)},
    # Nodes a scale launched as a removal began are recorded, so the teardown releases them.
    **{(s, NodesAdded): s for s in TEARING_DOWN},
}
TRANSITIONS.update(LIFECYCLE_TRANSITIONS)


class Step(str, Enum):
    """The side effect a cluster waits for; derived from state, never stored."""

    ENSURE_NETWORK = "ENSURE_NETWORK"
    PREFLIGHT = "PREFLIGHT"
    ENSURE_NODE_KEY = "ENSURE_NODE_KEY"
    ENSURE_ACCESS_GROUP = "ENSURE_ACCESS_GROUP"
    ENSURE_PLACEMENT_GROUP = "ENSURE_PLACEMENT_GROUP"
    ENSURE_LAUNCH_TEMPLATE = "ENSURE_LAUNCH_TEMPLATE"
    ZONE_LAUNCH_TEMPLATE = "ZONE_LAUNCH_TEMPLATE"
    LAUNCH_FLEET = "LAUNCH_FLEET"
    AWAIT_NODES = "AWAIT_NODES"
    SEND_MPI_CHECK = "SEND_MPI_CHECK"
    AWAIT_MPI_CHECK = "AWAIT_MPI_CHECK"
    TERMINATE_INSTANCES = "TERMINATE_INSTANCES"
    AWAIT_TERMINATION = "AWAIT_TERMINATION"
    DELETE_LAUNCH_TEMPLATE = "DELETE_LAUNCH_TEMPLATE"
    DELETE_PLACEMENT_GROUP = "DELETE_PLACEMENT_GROUP"
    DELETE_ACCESS_GROUP = "DELETE_ACCESS_GROUP"
    DELETE_NODE_KEY = "DELETE_NODE_KEY"
    FINISH_REMOVAL = "FINISH_REMOVAL"
    # the cluster's life once it runs
    STOP_INSTANCES = "STOP_INSTANCES"
    AWAIT_STOPPED = "AWAIT_STOPPED"
    UPDATE_LAUNCH_TEMPLATE = "UPDATE_LAUNCH_TEMPLATE"
    MODIFY_INSTANCE_TYPE = "MODIFY_INSTANCE_TYPE"
    START_INSTANCES = "START_INSTANCES"
    LAUNCH_NODES = "LAUNCH_NODES"
    TERMINATE_NODES = "TERMINATE_NODES"
    CHECK_IDLE = "CHECK_IDLE"


class Instances(str, Enum):
    NONE = "NONE"                # none recorded (a launch may still have raced a removal)
    LAUNCHED = "LAUNCHED"
    TERMINATING = "TERMINATING"
    RELEASED = "RELEASED"        # every instance tagged with the cluster is terminated


class Power(str, Enum):
    """Whether the cluster's instances run: a pause or a stop stops them (disks kept)."""
    ON = "ON"
    STOPPING = "STOPPING"        # StopInstances called, waiting for every one to be stopped
    OFF = "OFF"


class NodeChange(str, Enum):
    """What a restart does to the stopped instances for an upgrade (the template first)."""
    RETYPE = "RETYPE"            # a new instance type: modified while stopped, same instances
    REPLACE = "REPLACE"          # a new image (Bodo version): new instances from the template


@dataclass(frozen=True)
class Upgrade:
    """A new instance type and/or Bodo version asked by PATCH, applied at the next restart."""
    instance_type: str
    vcpus: int
    bodo_version: str
    image_id: str


@dataclass(frozen=True)
class Cluster(CarriesTasks):
    uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: ClusterSpec
    status: ClusterStatus
    created_at: float
    updated_at: float
    in_state_since: float
    network: dict | None = None
    zones: tuple[str, ...] | None = None   # zones left to launch in, the first tried next;
                                           # None until the pre-flight looked
    zone_attempts: tuple[str, ...] = ()    # "zone: AWS's answer" for each zone that refused
    template_zone: str | None = None       # the zone the launch template's nodes land in
    node_key: str | None = None            # the parameter holding the cluster's own SSH key
    access_group_id: str | None = None
    placement_group: str | None = None
    launch_template_id: str | None = None
    instances: Instances = Instances.NONE
    instance_ids: tuple[str, ...] = ()
    launched_at: float | None = None
    terminating_at: float | None = None   # when the instances' termination began
    nodes: tuple = ()
    nodes_ready_at: float | None = None
    mpi_checks: tuple[str, ...] = ()       # the MPI checks passed, in MPI_CHECKS order
    mpi_command: dict | None = None        # {"check", "command_id", "at"}: the check running
    hostfile: str | None = None            # set once MPI-ready
    failure: str | None = None
    retrying: str | None = None      # "<step>: <reason>" while a step keeps failing
    tasks: tuple[Task, ...] = ()
    # ---- the cluster's life once it runs (pause, resume, stop, restart, updates) ----
    last_activity: float | None = None    # the latest activity: RUNNING reached, notebooks, jobs
    power: Power = Power.ON
    stopping_at: float | None = None      # when StopInstances was called
    upgrade: Upgrade | None = None        # waiting for the next restart
    node_change: NodeChange | None = None  # what the restart in progress does to the nodes
    # When its nodes were in service (RUNNING), as what: what metering charges (usage/).
    service: tuple[Period, ...] = ()


# ---- folding ------------------------------------------------------------------------------

def allows(state: Cluster | None, e: Any) -> bool:
    return table.allowed(TRANSITIONS, state, e) and not stale_idle_decision(state, e)


def evolve(state: Cluster | None, e: Any) -> Cluster:
    """Apply one event. An event the table does not allow is a bug in the caller: it raises."""
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, ClusterRequested):
        task = Task(e.task_uuid, CREATE_CLUSTER, e.cluster_uuid, created_at=e.at, updated_at=e.at)
        return Cluster(
            uuid=e.cluster_uuid, workspace_uuid=e.workspace_uuid,
            organization_uuid=e.organization_uuid, spec=load(ClusterSpec, e.spec),
            status=status, created_at=e.at, updated_at=e.at, in_state_since=e.at, tasks=(task,),
            network=e.network,
        )
    assert state is not None
    applied = _apply(state, e) if type(e) not in LIFECYCLE_EVENTS else _apply_lifecycle(state, e)
    if not isinstance(e, StepRetrying):
        applied = replace(applied, retrying=None)
    return in_service(became_running(state, table.stamp(state, applied, status, e.at)))


def in_service(s: Cluster) -> Cluster:
    """The billing rule (README, Metering): a cluster is in service while RUNNING, that is
    from the moment it is MPI-ready (created, resumed, restarted or scaled) until a pause, a
    stop, a scale or its removal is requested. Its instances are stopped while paused or
    stopped, so the platform fee stops too; a creation that never reached RUNNING has none."""
    return replace(s, service=follow(s.service, s.status == S.RUNNING, s.updated_at,
                                     s.spec.instance_type, s.spec.workers_quantity))


def _apply(s: Cluster, e: Any) -> Cluster:
    at = e.at
    if isinstance(e, StepRetrying):
        return replace(s, retrying=f"{e.step}: {e.reason}").with_task(
            TaskMove.PROGRESS, f"Retrying {e.step.lower().replace('_', ' ')} shortly: {e.reason}",
            at)
    if isinstance(e, NetworkReady):
        net = dict(e.network) if e.network else {
            "vpc_id": e.vpc_id, "subnet_id": e.subnet_id, "security_group_id": e.security_group_id}
        return replace(s, network=net).with_task(
            TaskMove.PROGRESS, f"Network ready: {e.vpc_id}, subnet {e.subnet_id}", at)
    if isinstance(e, ZonesChecked):
        refused = tuple(f"{z}: {r}" for z, r in sorted(e.refused.items()))
        said = f"Pre-flight: {launch_words(s)} can launch in {', '.join(e.usable) or 'the subnet'}"
        return replace(s, zones=tuple(e.usable), zone_attempts=refused).with_task(
            TaskMove.PROGRESS, said + (f"; not in {'; '.join(refused)}" if refused else ""), at)
    if isinstance(e, ZoneRefused):
        left = tuple(z for z in (s.zones or ()) if z != e.zone)
        return replace(s, zones=left, zone_attempts=(*s.zone_attempts, f"{e.zone}: {e.reason}"),
                       ).with_task(TaskMove.PROGRESS, f"No launch in {e.zone}: {e.reason}"
                                   + (f"; trying {left[0]}" if left else ""), at)
    if isinstance(e, LaunchTemplateZoned):
        return replace(s, template_zone=e.zone).with_task(
            TaskMove.PROGRESS, f"Launch template version {e.version}: nodes in {e.zone}", at)
    if isinstance(e, NodeKeyStored):
        return replace(s, node_key=e.name).with_task(
            TaskMove.PROGRESS, f"The nodes' SSH key for MPI stored in Parameter Store as {e.name}",
            at)
    if isinstance(e, NodeKeyDeleted):
        return replace(s, node_key=None).with_task(
            TaskMove.PROGRESS, "The nodes' SSH key deleted", at)
    if isinstance(e, AccessGroupReady):
        return replace(s, access_group_id=e.group_id).with_task(
            TaskMove.PROGRESS, f"Security group {e.group_id} lets SSH in from "
                               f"{', '.join(s.spec.allowed_ips)}", at)
    if isinstance(e, PlacementGroupReady):
        return replace(s, placement_group=e.name).with_task(
            TaskMove.PROGRESS, f"Placement group {e.name} ready", at)
    if isinstance(e, LaunchTemplateReady):
        return replace(s, launch_template_id=e.launch_template_id, template_zone=e.zone
                       ).with_task(TaskMove.PROGRESS, f"Launch template {e.launch_template_id} "
                                   f"ready{f' (nodes in {e.zone})' if e.zone else ''}", at)
    if isinstance(e, FleetLaunched):
        return replace(s, instances=Instances.LAUNCHED, instance_ids=tuple(e.instance_ids),
                       launched_at=at).with_task(
            TaskMove.PROGRESS, f"Fleet launched: {len(e.instance_ids)} instance(s) "
                               f"{', '.join(e.instance_ids)}", at)
    if isinstance(e, NodesReady):
        return replace(s, nodes=tuple(e.nodes), nodes_ready_at=at).with_task(
            TaskMove.PROGRESS, f"All {len(e.nodes)} node(s) running and online in SSM", at)
    if isinstance(e, MpiCheckSent):
        return replace(s, mpi_command={"check": e.check, "command_id": e.command_id, "at": at})
    if isinstance(e, MpiCheckPassed):
        return replace(s, mpi_checks=(*s.mpi_checks, e.check), mpi_command=None).with_task(
            TaskMove.PROGRESS, e.detail, at)
    if isinstance(e, MpiReady):
        return replace(s, hostfile=e.hostfile).with_task(
            TaskMove.FINISH, f"MPI-ready: {e.total_core_count} core(s), hostfile {e.hostfile}", at)
    if isinstance(e, LaunchFailed):
        return replace(s, failure=e.reason).with_task(TaskMove.FAIL, f"Launch failed: {e.reason}", at)
    if isinstance(e, RemovalRequested):
        return s.open_task(e.task_uuid, REMOVE_CLUSTER, at,
                           "Cancelled: the cluster's removal was requested",
                           details=(f"Removal {e.reason}",) if e.reason else ())
    if isinstance(e, InstancesTerminating):
        ids = tuple(e.instance_ids)
        return replace(s, instances=Instances.TERMINATING, instance_ids=ids,
                       terminating_at=at).with_task(
            TaskMove.PROGRESS, f"Terminating {len(ids)} instance(s)", at)
    if isinstance(e, InstancesTerminated):
        return replace(s, instances=Instances.RELEASED, nodes=()).with_task(
            TaskMove.PROGRESS, "All instances terminated", at)
    if isinstance(e, LaunchTemplateDeleted):
        return replace(s, launch_template_id=None).with_task(
            TaskMove.PROGRESS, "Launch template deleted", at)
    if isinstance(e, PlacementGroupDeleted):
        return replace(s, placement_group=None).with_task(
            TaskMove.PROGRESS, "Placement group deleted", at)
    if isinstance(e, AccessGroupDeleted):
        return replace(s, access_group_id=None).with_task(
            TaskMove.PROGRESS, "Security group deleted", at)
    if isinstance(e, ClusterRemoved):
        return s.with_task(TaskMove.FINISH, "Cluster removed", at)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


# ---- commands -----------------------------------------------------------------------------

def decide_create(cluster_uuid: str, workspace_uuid: str, organization_uuid: str,
                  spec: ClusterSpec, task_uuid: str, at: float,
                  network: dict | None = None) -> list:
    return [ClusterRequested(cluster_uuid, workspace_uuid, organization_uuid, dump(spec),
                             task_uuid, dict(network) if network else None, at)]


def decide_remove(state: Cluster, task_uuid: str, at: float, by: str = "",
                  reason: str = "") -> list:
    if state.status in (S.TERMINATING, S.TERMINATED):
        raise DomainError(f"Cluster {state.spec.name} is already "
                          f"{'being removed' if state.status == S.TERMINATING else 'removed'}.")
    if state.status not in REMOVABLE:
        raise DomainError(f"Cluster {state.spec.name} cannot be removed while {state.status.value}.")
    return [RemovalRequested(task_uuid, at,
                             reason=reason or (f"requested by {by}" if by else ""))]


# ---- what is pending ----------------------------------------------------------------------

def next_step(s: Cluster) -> Step | None:
    """The one side effect this cluster waits for, or None when it waits for nothing."""
    if s.status in LAUNCHING:
        if s.network is None:
            return Step.ENSURE_NETWORK
        if s.zones is None and s.instances == Instances.NONE:
            return Step.PREFLIGHT
        if s.node_key is None and s.instances == Instances.NONE:   # the nodes read it at boot
            return Step.ENSURE_NODE_KEY
        if ssh_open(s) and s.access_group_id is None:
            return Step.ENSURE_ACCESS_GROUP
        if s.placement_group is None:
            return Step.ENSURE_PLACEMENT_GROUP
        if s.launch_template_id is None:
            return Step.ENSURE_LAUNCH_TEMPLATE
        if s.instances == Instances.NONE:
            if s.zones and s.template_zone != s.zones[0]:
                return Step.ZONE_LAUNCH_TEMPLATE
            return Step.LAUNCH_FLEET
        if not s.nodes:
            return Step.AWAIT_NODES
        check = pending_mpi_check(s)
        if s.mpi_command is None or s.mpi_command["check"] != check:
            return Step.SEND_MPI_CHECK
        return Step.AWAIT_MPI_CHECK
    if s.status in LIFECYCLE_STATUSES:
        return lifecycle_step(s)
    if s.status in TEARING_DOWN:
        if s.instances in (Instances.NONE, Instances.LAUNCHED):
            # The step looks instances up by tag as well as by the recorded ids: a launch
            # may have raced with the removal, or failed half-way.
            return Step.TERMINATE_INSTANCES
        if s.instances == Instances.TERMINATING:
            return Step.AWAIT_TERMINATION
        if s.launch_template_id is not None:
            return Step.DELETE_LAUNCH_TEMPLATE
        if s.placement_group is not None:
            return Step.DELETE_PLACEMENT_GROUP
        if s.access_group_id is not None:
            return Step.DELETE_ACCESS_GROUP
        if s.node_key is not None:
            return Step.DELETE_NODE_KEY
        if s.status == S.TERMINATING:
            return Step.FINISH_REMOVAL
    return None


def ssh_open(s: Cluster) -> bool:
    """Port 22 opens, to the allowed addresses only, when the user can log in: a key given.
    Allowed addresses without a key open nothing."""
    return bool(s.spec.ssh_public_key and s.spec.allowed_ips)


def is_settled(s: Cluster) -> bool:
    """Nothing will ever be pending again."""
    return s.status == S.TERMINATED and next_step(s) is None


def retrying(s: Cluster, step: Step, reason: str, at: float) -> list:
    """What to record when `step` failed for `reason` and will be tried again: nothing if
    that is already what the cluster says it waits for."""
    if s.retrying == f"{step.value}: {reason}":
        return []
    return [StepRetrying(step.value, reason, at)]


def launch_failed(s: Cluster, reason: str, at: float) -> list:
    """A lasting AWS error fails a launch (or a start: lifecycle_failed); in a teardown, a
    pause or a stop it is retried (nothing to record)."""
    if s.status in LAUNCHING:
        return [LaunchFailed(reason, at)]
    return lifecycle_failed(s, reason, at)


# ---- zones: the pre-flight, then one zone after the other --------------------------------

def launch_words(s: Cluster) -> str:
    return f"{s.spec.workers_quantity} x {s.spec.instance_type}"


def zones_checked(s: Cluster, answers: dict, at: float) -> list:
    """The pre-flight's outcome from each zone's answer to the DryRun (None: it would launch).
    The zone the user asked for, or else every zone that would, in name order; none: the
    creation is refused with each zone's answer, and the zones that would work named."""
    usable = sorted(z for z, why in answers.items() if why is None)
    refused = {z: why for z, why in answers.items() if why is not None}
    wanted = s.spec.availability_zone
    if wanted and wanted not in usable:
        why = refused.get(wanted, "the organization network has no subnet there")
        others = f"; zones that would work: {', '.join(usable)}" if usable else ""
        return [LaunchFailed(f"{launch_words(s)} cannot launch in {wanted}: {why}{others}", at)]
    if answers and not usable:
        return [LaunchFailed(f"no availability zone of {s.spec.region} can launch "
                             f"{launch_words(s)} now: "
                             f"{'; '.join(f'{z}: {r}' for z, r in sorted(refused.items()))}", at)]
    return [ZonesChecked(tuple([wanted] if wanted else usable), refused, at)]


def zone_refused(s: Cluster, zone: str, reason: str, at: float) -> list:
    """The launch in `zone` was refused for capacity: the next zone, or, with none left, the
    launch fails with every zone's answer."""
    refused = [ZoneRefused(zone, reason, at)]
    if any(z != zone for z in s.zones or ()):
        return refused
    attempts = (*s.zone_attempts, f"{zone}: {reason}")
    return refused + [LaunchFailed(f"no availability zone of {s.spec.region} could launch "
                                   f"{launch_words(s)}: {'; '.join(attempts)}", at)]


def readiness_overdue(s: Cluster, now: float) -> bool:
    return s.launched_at is not None and now - s.launched_at > READINESS_TIMEOUT_SECONDS


# ---- MPI readiness ------------------------------------------------------------------------

def pending_mpi_check(s: Cluster) -> str:
    """The first MPI check not passed yet (the last one's pass makes the cluster RUNNING)."""
    return next((c for c in MPI_CHECKS if c not in s.mpi_checks), MPI_CHECKS[-1])


def total_core_count(s: Cluster) -> int:
    """The manual's TOTAL_CORE_COUNT: half the vCPUs of a node, times the nodes."""
    return s.spec.cores_per_worker * s.spec.workers_quantity


def hostfile_path(cluster_uuid: str) -> str:
    return f"/shared/.hostfile-{cluster_uuid}"


def mpi_overdue(s: Cluster, now: float) -> bool:
    return s.nodes_ready_at is not None and now - s.nodes_ready_at > MPI_READY_TIMEOUT_SECONDS


# ---- where a cluster stands among others ---------------------------------------------------

CONTAINER_KIND = "workspace"


def container(s: Cluster) -> tuple[str, str, str]:
    """The workspace a cluster is created in (its row: kind, scope, uuid): it must still
    accept clusters when the creation is written."""
    return CONTAINER_KIND, s.organization_uuid, s.workspace_uuid


def metered(s: Cluster) -> str | None:
    """Once it has been in service, the organization it is metered for (the service index
    lists it from then on); None before."""
    return s.organization_uuid if s.service else None


def live(s: Cluster) -> bool:
    """Alive until TERMINATED: what its workspace and the organization's link still hold."""
    return s.status != S.TERMINATED


def waiting_since(s: Cluster) -> tuple[Step, float] | None:
    """The wait the cluster is in (the nodes' readiness or the instances' termination) and
    when it began, or None."""
    step = next_step(s)
    if step == Step.AWAIT_NODES and s.launched_at is not None:
        return step, s.launched_at
    if step == Step.AWAIT_TERMINATION and s.terminating_at is not None:
        return step, s.terminating_at
    return None


def not_before(s: Cluster, boot: Polling, shutdown: Polling) -> float | None:
    """The time before which the pending step would find nothing: the first look of a wait."""
    wait = waiting_since(s)
    if wait is None:
        return None
    step, since = wait
    return first_poll(boot if step == Step.AWAIT_NODES else shutdown, since)


# ---- the cluster's life once it runs: folding, commands, what is pending --------------------
# Pause, resume, stop, restart and PATCH are tasks; a pause, a stop or a removal says why (who
# asked, or since when the cluster was idle). `last_activity` starts when the cluster becomes
# RUNNING (a creation or a start) and moves with the activity notebooks and jobs report; the
# idle shutdown is the CHECK_IDLE step, due at the idle deadline (schedule.not_before), so the
# tick finds it in the due index like any other wait, never by scanning clusters.

IDLE_PAUSE, IDLE_REMOVE = "pause", "remove"
LIFECYCLE_EVENTS = frozenset({
    PauseRequested, StopRequested, InstancesStopping, InstancesStopped, ResumeRequested,
    RestartRequested, InstancesStarting, ClusterUpdated, ScaleRequested, NodesAdded,
    NodesRemoved, ScaleFailed, LaunchTemplateUpdated, InstanceTypeChanged, ActivityRecorded})


def became_running(before: Cluster, after: Cluster) -> Cluster:
    """A cluster that becomes RUNNING (created or started) counts as active from then."""
    if after.status == S.RUNNING and before.status != S.RUNNING:
        return replace(after, last_activity=after.updated_at)
    return after


def stale_idle_decision(state: Cluster | None, e: Any) -> bool:
    """An idle shutdown decided on an activity time the cluster no longer has (activity was
    reported meanwhile): a fact no longer true, which the engine then drops."""
    since = getattr(e, "idle_since", None)
    return since is not None and (state is None or state.last_activity != since)


def _ready_wait(s: Cluster, at: float) -> Cluster:
    """The nodes changed (started, added, removed): the readiness path runs again from now."""
    return replace(s, nodes=(), launched_at=at, mpi_checks=(), mpi_command=None)


def _apply_lifecycle(s: Cluster, e: Any) -> Cluster:
    at = e.at
    if isinstance(e, (PauseRequested, StopRequested, ResumeRequested, RestartRequested)):
        operation, verb = {
            PauseRequested: (PAUSE_CLUSTER, "Pause"), StopRequested: (STOP_CLUSTER, "Stop"),
            ResumeRequested: (RESUME_CLUSTER, "Resume"),
            RestartRequested: (RESTART_CLUSTER, "Restart")}[type(e)]
        return s.open_task(e.task_uuid, operation, at, f"Superseded: {verb.lower()} "
                           f"{e.reason}", details=(f"{verb} {e.reason}",))
    if isinstance(e, InstancesStopping):
        return replace(s, power=Power.STOPPING, stopping_at=at, nodes=(), mpi_checks=(),
                       mpi_command=None).with_task(
            TaskMove.PROGRESS, f"Stopping {len(e.instance_ids)} instance(s)", at)
    if isinstance(e, InstancesStopped):
        # Stopped instances are no nodes, whether or not their stopping was recorded first.
        return replace(s, power=Power.OFF, nodes=(), mpi_checks=(), mpi_command=None).with_task(
            TaskMove.FINISH, f"All {len(s.instance_ids)} instance(s) stopped; their disks are "
                             f"kept", at)
    if isinstance(e, InstancesStarting):
        return _ready_wait(replace(s, power=Power.ON), at).with_task(
            TaskMove.PROGRESS, f"Starting {len(e.instance_ids)} instance(s) "
                               f"{', '.join(e.instance_ids)}", at)
    if isinstance(e, ClusterUpdated):
        return _updated(s, e)
    if isinstance(e, ScaleRequested):
        before = s.spec.workers_quantity
        return replace(s, spec=replace(s.spec, workers_quantity=e.workers)).open_task(
            e.task_uuid, UPDATE_CLUSTER, at, "Superseded by a scale",
            details=(f"Scaling from {before} to {e.workers} node(s), {e.reason}",))
    if isinstance(e, NodesAdded):
        ids = tuple(e.instance_ids)
        return _ready_wait(replace(s, instance_ids=s.instance_ids + ids, power=Power.ON,
                                   instances=Instances.LAUNCHED, node_change=None), at).with_task(
            TaskMove.PROGRESS, f"Launched {len(ids)} node(s) {', '.join(ids)}", at)
    if isinstance(e, NodesRemoved):
        gone = set(e.instance_ids)
        return _ready_wait(replace(s, instance_ids=tuple(i for i in s.instance_ids
                                                         if i not in gone)), at).with_task(
            TaskMove.PROGRESS, f"Terminated {len(gone)} node(s) {', '.join(e.instance_ids)}", at)
    if isinstance(e, ScaleFailed):
        kept = len(s.instance_ids)
        return _ready_wait(replace(s, spec=replace(s.spec, workers_quantity=kept)), at).with_task(
            TaskMove.FAIL, f"Scale failed, the cluster keeps its {kept} node(s): {e.reason}", at)
    if isinstance(e, LaunchTemplateUpdated):
        u = s.upgrade
        if u is None:    # a version made for an upgrade asked back meanwhile: nothing to do
            return s.with_task(TaskMove.PROGRESS, f"Launch template version {e.version}", at)
        change = (NodeChange.REPLACE if u.image_id != s.spec.image_id else
                  NodeChange.RETYPE if u.instance_type != s.spec.instance_type else None)
        spec = replace(s.spec, instance_type=u.instance_type, vcpus=u.vcpus,
                       bodo_version=u.bodo_version, image_id=u.image_id)
        return replace(s, spec=spec, upgrade=None, node_change=change).with_task(
            TaskMove.PROGRESS, f"Launch template version {e.version}: {u.instance_type}, Bodo "
                               f"{u.bodo_version}", at)
    if isinstance(e, InstanceTypeChanged):
        return replace(s, node_change=None).with_task(
            TaskMove.PROGRESS, f"Instances changed to {e.instance_type} while stopped", at)
    if isinstance(e, ActivityRecorded):
        return replace(s, last_activity=max(at, s.last_activity or at))
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


def _updated(s: Cluster, e: ClusterUpdated) -> Cluster:
    """Apply a PATCH: its fields at once, its upgrade at the next restart. It is a task of its
    own, finished at once, unless a task is open (a scale it came with, a creation): then it
    is a detail of that one, which it must not end."""
    upgrade = load(Upgrade, e.upgrade) if e.upgrade is not None else s.upgrade
    if upgrade is not None and (upgrade.instance_type, upgrade.image_id) == (
            s.spec.instance_type, s.spec.image_id):
        upgrade = None    # asked back to what runs: nothing waits any more
    s = replace(s, spec=replace(s.spec, **e.changes), upgrade=upgrade)
    fields = sorted(e.changes) + (["instance type / Bodo version (at the next restart)"]
                                  if e.upgrade is not None else [])
    detail = f"Updated {', '.join(fields)}, {e.reason}"
    if s.task is not None and s.task.status not in TERMINAL:
        return s.with_task(TaskMove.PROGRESS, detail, e.at)
    return s.open_task(e.task_uuid, UPDATE_CLUSTER, e.at, "", details=(detail,)).with_task(
        TaskMove.FINISH, None, e.at)


def _refuse(s: Cluster, doing: str, allowed: ClusterStatus, hint: str = "") -> DomainError:
    return DomainError(f"Cluster {s.spec.name} is {s.status.value}: only a {allowed.value} "
                       f"cluster can be {doing}.{(' ' + hint) if hint else ''}")


def decide_pause(s: Cluster, task_uuid: str, by: str, at: float, reason: str = "") -> list:
    """`reason` says why when no one asked (the workspace's spend cap: "because ...")."""
    if s.status == S.RUNNING:
        return [PauseRequested(task_uuid, reason or f"requested by {by}", at)]
    if s.status in (S.PAUSING, S.PAUSED):
        raise DomainError(f"Cluster {s.spec.name} is already "
                          f"{'being paused' if s.status == S.PAUSING else 'PAUSED'}.")
    raise _refuse(s, "paused", S.RUNNING)


def decide_resume(s: Cluster, task_uuid: str, by: str, at: float) -> list:
    if s.status == S.PAUSED:
        return [ResumeRequested(task_uuid, f"requested by {by}", at)]
    raise _refuse(s, "resumed", S.PAUSED, "A STOPPED cluster is restarted."
                  if s.status == S.STOPPED else "")


def decide_stop(s: Cluster, task_uuid: str, by: str, at: float) -> list:
    if s.status == S.RUNNING:
        return [StopRequested(task_uuid, f"requested by {by}", at)]
    if s.status in (S.STOPPING, S.STOPPED):
        raise DomainError(f"Cluster {s.spec.name} is already "
                          f"{'being stopped' if s.status == S.STOPPING else 'STOPPED'}.")
    raise _refuse(s, "stopped", S.RUNNING)


def decide_restart(s: Cluster, task_uuid: str, by: str, at: float) -> list:
    if s.status == S.STOPPED:
        return [RestartRequested(task_uuid, f"requested by {by}", at)]
    raise _refuse(s, "restarted", S.STOPPED, "A PAUSED cluster is resumed."
                  if s.status == S.PAUSED else "")


def decide_update(s: Cluster, task_uuid: str, changes: dict, upgrade: Upgrade | None,
                  workers: int | None, by: str, at: float) -> list:
    """PATCH as the SDK sends it: every field again, so unchanged values are no-ops; a new
    instance type or Bodo version waits for the next restart (never refused while RUNNING)."""
    if s.status not in UPDATABLE:
        raise DomainError(f"Cluster {s.spec.name} is {s.status.value}: it can no longer be "
                          f"updated{'; remove it' if s.status == S.FAILED else ''}.")
    changes = {k: v for k, v in changes.items() if getattr(s.spec, k) != v}
    current = s.upgrade or Upgrade(s.spec.instance_type, s.spec.vcpus, s.spec.bodo_version,
                                   s.spec.image_id)
    if upgrade is not None and (upgrade.instance_type, upgrade.image_id) == (
            current.instance_type, current.image_id):
        upgrade = None
    events: list = []
    reason = f"requested by {by}"
    if workers is not None and workers != s.spec.workers_quantity:
        if s.status != S.RUNNING:
            raise DomainError(f"Cluster {s.spec.name} is {s.status.value}: it can be scaled "
                              f"only while RUNNING.", field="workersQuantity")
        events.append(ScaleRequested(task_uuid, workers, reason, at))
    if changes or upgrade is not None:
        events.append(ClusterUpdated(task_uuid, changes, dump(upgrade) if upgrade else None,
                                     reason, at))
    return events


def decide_activity(s: Cluster, at: float) -> list:
    """Activity counts only on a cluster that runs, and only when it is newer."""
    if s.status in (S.RUNNING, S.INITIALIZING) and (s.last_activity is None
                                                    or at > s.last_activity):
        return [ActivityRecorded(at)]
    return []


def idle_action(s: Cluster) -> tuple[float, str] | None:
    """(when, what) the idle shutdown will do if no activity comes: pause a RUNNING cluster
    after autoPause minutes, remove a RUNNING or PAUSED one after autoStop; 0 = never."""
    if s.last_activity is None:
        return None
    options = []
    if s.status == S.RUNNING and s.spec.auto_pause > 0:
        options.append((s.last_activity + 60 * s.spec.auto_pause, IDLE_PAUSE))
    if s.status in (S.RUNNING, S.PAUSED) and s.spec.auto_stop > 0:
        options.append((s.last_activity + 60 * s.spec.auto_stop, IDLE_REMOVE))
    return min(options, default=None)


def decide_idle(s: Cluster, task_uuid: str, now: float) -> list:
    """The idle shutdown once its deadline passed (nothing before)."""
    action = idle_action(s)
    if action is None or now < action[0]:
        return []
    reason = f"idle since {iso(s.last_activity)}"
    if action[1] == IDLE_PAUSE:
        return [PauseRequested(task_uuid, reason, now, idle_since=s.last_activity)]
    return [RemovalRequested(task_uuid, now, reason=reason, idle_since=s.last_activity)]


def restarting(s: Cluster) -> bool:
    return s.task is not None and s.task.operation == RESTART_CLUSTER


def nodes_to_remove(s: Cluster) -> tuple[str, ...]:
    """A new image replaces every node; a scale down removes the highest-indexed ones (the
    latest launched: `instance_ids` keeps launch order)."""
    if s.node_change == NodeChange.REPLACE:
        return s.instance_ids
    return s.instance_ids[s.spec.workers_quantity:]


def lifecycle_step(s: Cluster) -> Step | None:
    if s.status in POWERING_DOWN:
        return Step.STOP_INSTANCES if s.power == Power.ON else Step.AWAIT_STOPPED
    if s.status == S.INITIALIZING:
        if s.upgrade is not None and restarting(s):
            return Step.UPDATE_LAUNCH_TEMPLATE
        if s.node_change == NodeChange.REPLACE and s.instance_ids:
            return Step.TERMINATE_NODES
        if s.node_change == NodeChange.RETYPE:
            return Step.MODIFY_INSTANCE_TYPE
        if s.power != Power.ON and s.instance_ids:
            return Step.START_INSTANCES
        if len(s.instance_ids) < s.spec.workers_quantity:
            return Step.LAUNCH_NODES
        if len(s.instance_ids) > s.spec.workers_quantity:
            return Step.TERMINATE_NODES
        # The nodes run: the creation's own readiness path, whatever it checks, runs again.
        return next_step(replace(s, status=S.INPROGRESS))
    if idle_action(s) is not None:
        return Step.CHECK_IDLE
    return None


def lifecycle_failed(s: Cluster, reason: str, at: float) -> list:
    """A lasting AWS error while nodes start: a scale up that cannot launch keeps the nodes
    it has; anything else fails the cluster (its teardown then releases it). A pause or a
    stop is retried (nothing to record)."""
    if s.status != S.INITIALIZING:
        return []
    if (s.node_change is None and s.power == Power.ON
            and len(s.instance_ids) < s.spec.workers_quantity):
        return [ScaleFailed(reason, at)]
    return [LaunchFailed(reason, at)]


def stopping_since(s: Cluster) -> float | None:
    """When the wait for stopped instances began, while the cluster waits for it."""
    return s.stopping_at if next_step(s) == Step.AWAIT_STOPPED else None
