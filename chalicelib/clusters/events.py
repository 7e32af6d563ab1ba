"""The cluster's events: past-tense facts carrying what happened (ids, times, AWS's answers),
folded by machine.py. Every one is also reachable as `machine.<Name>`."""
from __future__ import annotations

from ..kernel.events import event

@event
class ClusterRequested:
    cluster_uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: dict
    task_uuid: str
    network: dict | None   # the workspace's network, when it has one: no need to look for it
    at: float


@event
class NetworkReady:
    """The organization network the cluster launches in; `network` is its whole dict (the
    subnets of every zone, EFS, node profile, secrets prefix), as a workspace carries it."""
    vpc_id: str
    subnet_id: str
    security_group_id: str
    at: float
    network: dict | None = None


@event
class ZonesChecked:
    """The pre-flight: a DryRun of the launch in each zone of the network. `usable`: the zones
    that would take it, in the order they are tried; `refused`: zone -> AWS's answer."""
    usable: tuple
    refused: dict
    at: float


@event
class ZoneRefused:
    """The launch in `zone` found no capacity there (or AWS refused the zone): the next usable
    zone is tried."""
    zone: str
    reason: str
    at: float


@event
class LaunchTemplateZoned:
    """A new default version of the launch template puts the nodes in `zone`'s subnet."""
    zone: str
    version: int
    at: float


@event
class NodeKeyStored:
    """The cluster's own SSH key (node_key.py) is in Parameter Store as `name`."""
    name: str
    at: float


@event
class NodeKeyDeleted:
    at: float


@event
class AccessGroupReady:
    """The cluster's own security group, letting SSH in from the user's allowed IPs."""
    group_id: str
    at: float


@event
class PlacementGroupReady:
    name: str
    at: float


@event
class LaunchTemplateReady:
    launch_template_id: str
    at: float
    zone: str | None = None   # the zone of the subnet its nodes launch in


@event
class FleetLaunched:
    instance_ids: tuple
    at: float


@event
class NodesReady:
    nodes: tuple  # ({"instance_id", "private_ip"}, ...)
    at: float


@event
class MpiCheckSent:
    """One MPI-readiness check's script was sent to the nodes (SSM command `command_id`)."""
    check: str
    command_id: str
    at: float


@event
class MpiCheckPassed:
    check: str
    detail: str
    at: float


@event
class MpiReady:
    """Every check passed: the hostfile is written and mpiexec answered on every core."""
    hostfile: str
    total_core_count: int
    at: float


@event
class LaunchFailed:
    reason: str
    at: float


@event
class RemovalRequested:
    task_uuid: str
    at: float
    reason: str = ""                 # "requested by <who>" or "idle since <iso time>"
    idle_since: float | None = None  # set by the idle shutdown: stale once activity moved on


@event
class InstancesTerminating:
    instance_ids: tuple
    at: float


@event
class InstancesTerminated:
    at: float


@event
class LaunchTemplateDeleted:
    at: float


@event
class PlacementGroupDeleted:
    at: float


@event
class AccessGroupDeleted:
    at: float


@event
class ClusterRemoved:
    at: float


@event
class StepRetrying:
    """A step keeps failing for a reason AWS gave (throttling, or an account the platform
    cannot act in right now): recorded once per reason, so the user sees why it waits."""
    step: str
    reason: str
    at: float


# ---- pause, resume, stop, restart, updates, activity (the cluster's life once it runs) ----

@event
class PauseRequested:
    """The instances are to be stopped, their disks kept. `reason`: who asked, or "idle
    since <time>" when the idle shutdown decided it (then `idle_since` is that time)."""
    task_uuid: str
    reason: str
    at: float
    idle_since: float | None = None


@event
class StopRequested:
    task_uuid: str
    reason: str
    at: float


@event
class InstancesStopping:
    instance_ids: tuple
    at: float


@event
class InstancesStopped:
    at: float


@event
class ResumeRequested:
    task_uuid: str
    reason: str
    at: float


@event
class RestartRequested:
    task_uuid: str
    reason: str
    at: float


@event
class InstancesStarting:
    instance_ids: tuple
    at: float


@event
class ClusterUpdated:
    """PATCH: `changes` are spec fields applied at once (name, description, autoStop,
    autoPause, autoUpgrade, customTags); `upgrade` (an Upgrade as data) waits for the next
    restart."""
    task_uuid: str
    changes: dict
    upgrade: dict | None
    reason: str
    at: float


@event
class ScaleRequested:
    task_uuid: str
    workers: int
    reason: str
    at: float


@event
class NodesAdded:
    instance_ids: tuple
    at: float


@event
class NodesRemoved:
    instance_ids: tuple
    at: float


@event
class ScaleFailed:
    """Extra nodes could not be launched (no capacity, say): the cluster keeps the nodes it
    has and runs on."""
    reason: str
    at: float


@event
class LaunchTemplateUpdated:
    """A new default version of the launch template carries the pending upgrade."""
    version: int
    at: float


@event
class InstanceTypeChanged:
    instance_type: str
    at: float


@event
class ActivityRecorded:
    at: float
