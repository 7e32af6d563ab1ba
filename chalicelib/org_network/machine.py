"""The organization-network state machine: one aggregate per (organization, region) holding
the resources every cluster of the organization in that region shares (VPC, subnets in two
zones, internet and NAT gateways, route tables, node security group, EFS and its mount
targets, S3 bucket, node role and instance profile, the secrets prefix).

Creation: (a workspace needs the region) CREATING, one step per resource in CREATION order,
each step's event recording what it made -> READY. A lasting AWS error ends FAILED with AWS's
reason; the next workspace that needs the region requests it again (FAILED -> CREATING, the
steps find what was made by tag). Cleanup (POST /v1/settings/cleanup, refused while clusters
or workspaces live in the region): REMOVING, one step per resource in REMOVAL order
(dependencies first) -> REMOVED. A later workspace in the region creates it afresh (REMOVED ->
CREATING, nothing of the old network kept). Every request is a task; every step's outcome is
a detail line of it.
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.events import event
from ..kernel.task import CarriesTasks, Task, TaskMove


class NetworkStatus(str, Enum):
    CREATING = "CREATING"
    READY = "READY"
    FAILED = "FAILED"
    REMOVING = "REMOVING"
    REMOVED = "REMOVED"


S = NetworkStatus
KIND = "orgnetwork"
CREATE_ORG_NETWORK = "CREATE_ORGANIZATION_NETWORK"
CLEANUP_REGION = "CLEANUP_AWS_RESOURCES"
REGION_CONTAINER = "region"   # kernel.holds container: what still lives in (org, region)
NAMESPACE = uuidlib.UUID("0c5e2f4a-3b1d-5e8f-a1c2-7d9e4b6f1a20")


def network_uuid(org_uuid: str, region: str) -> str:
    """One aggregate per (organization, region), found without a lookup table."""
    return str(uuidlib.uuid5(NAMESPACE, f"{org_uuid}/{region}"))


def secrets_prefix(org_uuid: str) -> str:
    """Where cluster secrets (SSH keys, git credentials) live in SSM Parameter Store."""
    return f"/corral/{org_uuid}/"


# ---- events -------------------------------------------------------------------------------

@event
class NetworkRequested:
    """`waiter`: the aggregate that asked ("kind/scope/uuid", or ""), woken once it is READY."""
    network_uuid: str
    organization_uuid: str
    region: str
    task_uuid: str
    waiter: str
    at: float


@event
class NetworkAwaited:
    """Another aggregate waits for the network being made (or cleaned up) to be done."""
    waiter: str
    at: float


@event
class WaitersWoken:
    """The waiting aggregates were told the network is done (READY, FAILED or REMOVED)."""
    waiters: tuple
    at: float


@event
class VpcReady:
    vpc_id: str
    at: float


@event
class SubnetsReady:
    public_subnets: dict
    private_subnets: dict
    at: float


@event
class InternetGatewayReady:
    internet_gateway_id: str
    at: float


@event
class NatAddressReady:
    nat_allocation_id: str
    nat_public_ip: str
    at: float


@event
class NatGatewayReady:
    nat_gateway_id: str
    at: float


@event
class RouteTablesReady:
    public_route_table_id: str
    private_route_table_id: str
    at: float


@event
class SecurityGroupReady:
    security_group_id: str
    at: float


@event
class FileSystemReady:
    file_system_id: str
    at: float


@event
class MountTargetsReady:
    mount_targets: dict
    at: float


@event
class BucketReady:
    bucket: str
    at: float


@event
class NodeRoleReady:
    node_role_name: str
    node_role_arn: str
    at: float


@event
class InstanceProfileReady:
    instance_profile_name: str
    instance_profile_arn: str
    at: float


@event
class NetworkCompleted:
    secrets_prefix: str
    at: float


@event
class NetworkFailed:
    reason: str
    at: float


@event
class NetworkStepRetrying:
    """A step failed for a passing reason (or, in a cleanup, any reason): tried again."""
    step: str
    reason: str
    at: float


@event
class CleanupRequested:
    network_uuid: str
    organization_uuid: str
    region: str
    task_uuid: str
    at: float


@event
class ResourcesDeleted:
    """A cleanup step removed what it found (`ids`, maybe none: nothing was left)."""
    step: str
    ids: tuple
    note: str
    at: float


@event
class NetworkRemoved:
    at: float


# What each creation event says it made (its fields but `at`): kept in `resources`.
MADE = (VpcReady, SubnetsReady, InternetGatewayReady, NatAddressReady, NatGatewayReady,
        RouteTablesReady, SecurityGroupReady, FileSystemReady, MountTargetsReady, BucketReady,
        NodeRoleReady, InstanceProfileReady)
REQUESTABLE = (None, S.FAILED, S.REMOVED)
CLEANABLE = (None, S.CREATING, S.READY, S.FAILED, S.REMOVED)

DONE = (S.READY, S.FAILED, S.REMOVED)

TRANSITIONS: dict[tuple[NetworkStatus | None, type], NetworkStatus] = {
    **{(s, NetworkRequested): S.CREATING for s in REQUESTABLE},
    (S.CREATING, NetworkAwaited): S.CREATING,
    (S.REMOVING, NetworkAwaited): S.REMOVING,
    **{(s, WaitersWoken): s for s in DONE},
    **{(S.CREATING, e): S.CREATING for e in MADE},
    (S.CREATING, NetworkCompleted): S.READY,
    (S.CREATING, NetworkFailed): S.FAILED,
    (S.CREATING, NetworkStepRetrying): S.CREATING,
    **{(s, CleanupRequested): S.REMOVING for s in CLEANABLE},
    (S.REMOVING, ResourcesDeleted): S.REMOVING,
    (S.REMOVING, NetworkStepRetrying): S.REMOVING,
    (S.REMOVING, NetworkRemoved): S.REMOVED,
}


class Step(str, Enum):
    """The side effect the network waits for; derived from state, never stored."""

    VPC = "VPC"
    SUBNETS = "SUBNETS"
    INTERNET_GATEWAY = "INTERNET_GATEWAY"
    NAT_ADDRESS = "NAT_ADDRESS"
    NAT_GATEWAY = "NAT_GATEWAY"
    ROUTE_TABLES = "ROUTE_TABLES"
    SECURITY_GROUP = "SECURITY_GROUP"
    FILE_SYSTEM = "FILE_SYSTEM"
    MOUNT_TARGETS = "MOUNT_TARGETS"
    BUCKET = "BUCKET"
    NODE_ROLE = "NODE_ROLE"
    INSTANCE_PROFILE = "INSTANCE_PROFILE"
    COMPLETE = "COMPLETE"
    DELETE_ENTRY_POINTS = "DELETE_ENTRY_POINTS"
    AWAIT_ENTRY_POINTS_DELETED = "AWAIT_ENTRY_POINTS_DELETED"
    DELETE_MOUNT_TARGETS = "DELETE_MOUNT_TARGETS"
    DELETE_FILE_SYSTEM = "DELETE_FILE_SYSTEM"
    DELETE_NAT_GATEWAY = "DELETE_NAT_GATEWAY"
    RELEASE_NAT_ADDRESS = "RELEASE_NAT_ADDRESS"
    DELETE_INTERNET_GATEWAY = "DELETE_INTERNET_GATEWAY"
    DELETE_SUBNETS = "DELETE_SUBNETS"
    DELETE_ROUTE_TABLES = "DELETE_ROUTE_TABLES"
    DELETE_SECURITY_GROUP = "DELETE_SECURITY_GROUP"
    DELETE_VPC = "DELETE_VPC"
    DELETE_BUCKET = "DELETE_BUCKET"
    DELETE_INSTANCE_PROFILE = "DELETE_INSTANCE_PROFILE"
    DELETE_NODE_ROLE = "DELETE_NODE_ROLE"
    DELETE_SECRETS = "DELETE_SECRETS"
    FINISH_REMOVAL = "FINISH_REMOVAL"
    WAKE_WAITERS = "WAKE_WAITERS"


# (step, the resource key its event records): each runs once the ones before it are made.
CREATION = (
    (Step.VPC, "vpc_id"), (Step.SUBNETS, "private_subnets"),
    (Step.INTERNET_GATEWAY, "internet_gateway_id"), (Step.NAT_ADDRESS, "nat_allocation_id"),
    (Step.NAT_GATEWAY, "nat_gateway_id"), (Step.ROUTE_TABLES, "private_route_table_id"),
    (Step.SECURITY_GROUP, "security_group_id"), (Step.FILE_SYSTEM, "file_system_id"),
    (Step.MOUNT_TARGETS, "mount_targets"), (Step.BUCKET, "bucket"),
    (Step.NODE_ROLE, "node_role_name"), (Step.INSTANCE_PROFILE, "instance_profile_name"),
)
# Dependencies first: notebooks' entry points left behind (CloudFront's interfaces in the
# subnets and its group in the VPC go with their VPC origins) before anything; mount targets
# before the file system, the NAT gateway before its Elastic IP, both before the subnets; the
# gateway detached before the VPC; the role out of its profile before the role.
REMOVAL = (
    Step.DELETE_ENTRY_POINTS, Step.AWAIT_ENTRY_POINTS_DELETED, Step.DELETE_MOUNT_TARGETS, Step.DELETE_FILE_SYSTEM, Step.DELETE_NAT_GATEWAY,
    Step.RELEASE_NAT_ADDRESS, Step.DELETE_INTERNET_GATEWAY, Step.DELETE_SUBNETS,
    Step.DELETE_ROUTE_TABLES, Step.DELETE_SECURITY_GROUP, Step.DELETE_VPC, Step.DELETE_BUCKET,
    Step.DELETE_INSTANCE_PROFILE, Step.DELETE_NODE_ROLE, Step.DELETE_SECRETS,
)


@dataclass(frozen=True)
class OrgNetwork(CarriesTasks):
    uuid: str
    organization_uuid: str
    region: str
    status: NetworkStatus
    created_at: float
    updated_at: float
    in_state_since: float = 0.0
    resources: dict | None = None      # what the creation steps made (see CREATION)
    removed: tuple[str, ...] = ()      # the cleanup steps done
    failure: str | None = None
    failed_at: float | None = None
    retrying: str | None = None
    waiters: tuple[str, ...] = ()      # "kind/scope/uuid" of the aggregates waiting for it
    tasks: tuple[Task, ...] = ()


# ---- folding ------------------------------------------------------------------------------

def allows(state: OrgNetwork | None, e: Any) -> bool:
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: OrgNetwork | None, e: Any) -> OrgNetwork:
    """Apply one event. An event the table does not allow is a bug in the caller: it raises."""
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, (NetworkRequested, CleanupRequested)):
        return table.stamp(state, _opened(state, e), status, e.at) if state else replace(
            _opened(None, e), status=status)
    assert state is not None
    return table.stamp(state, _apply(state, e), status, e.at)


def _opened(state: OrgNetwork | None, e: Any) -> OrgNetwork:
    """A creation or a cleanup begins: a new task. A creation after a cleanup starts from
    nothing; after a failure it keeps what was made (the steps find it by tag anyway)."""
    if state is None:
        state = OrgNetwork(e.network_uuid, e.organization_uuid, e.region, S.CREATING,
                           created_at=e.at, updated_at=e.at, in_state_since=e.at)
    if isinstance(e, NetworkRequested):
        kept = state.resources if state.status == S.FAILED else None
        s = replace(state, resources=kept, removed=(), failure=None, failed_at=None,
                    retrying=None, waiters=_joined(state.waiters, e.waiter))
        return s.open_task(e.task_uuid, CREATE_ORG_NETWORK, e.at, "Superseded",
                           details=(f"Creating the organization's resources in {e.region}",))
    s = replace(state, removed=(), retrying=None)
    return s.open_task(e.task_uuid, CLEANUP_REGION, e.at,
                       "Cancelled: the region's cleanup was requested",
                       details=(f"Removing the organization's resources in {e.region}",))


def _joined(waiters: tuple[str, ...], waiter: str) -> tuple[str, ...]:
    return waiters if not waiter or waiter in waiters else waiters + (waiter,)


def _said(e: Any) -> str:
    """The task detail a creation event adds."""
    if isinstance(e, VpcReady):
        return f"VPC {e.vpc_id} ready (DNS hostnames on)"
    if isinstance(e, SubnetsReady):
        return (f"Subnets ready: public {_zones(e.public_subnets)}; private "
                f"{_zones(e.private_subnets)}")
    if isinstance(e, InternetGatewayReady):
        return f"Internet gateway {e.internet_gateway_id} attached"
    if isinstance(e, NatAddressReady):
        return f"Elastic IP {e.nat_public_ip} ({e.nat_allocation_id}) for the NAT gateway"
    if isinstance(e, NatGatewayReady):
        return f"NAT gateway {e.nat_gateway_id} available"
    if isinstance(e, RouteTablesReady):
        return (f"Route tables ready: public {e.public_route_table_id} (via the internet "
                f"gateway), private {e.private_route_table_id} (via the NAT gateway)")
    if isinstance(e, SecurityGroupReady):
        return f"Node security group {e.security_group_id}: all traffic to and from itself"
    if isinstance(e, FileSystemReady):
        return f"EFS file system {e.file_system_id} available"
    if isinstance(e, MountTargetsReady):
        return f"EFS mount targets available: {_zones(e.mount_targets)}"
    if isinstance(e, BucketReady):
        return f"S3 bucket {e.bucket} ready (private, encrypted)"
    if isinstance(e, NodeRoleReady):
        return f"Node role {e.node_role_name} ready (SSM, EFS, the bucket, the secrets)"
    return f"Instance profile {e.instance_profile_name} holds the node role"


def _zones(by_zone: dict) -> str:
    return ", ".join(f"{zone} {rid}" for zone, rid in sorted(by_zone.items()))


def _apply(s: OrgNetwork, e: Any) -> OrgNetwork:
    at = e.at
    if isinstance(e, MADE):
        made = {k: v for k, v in vars_of(e).items() if k != "at"}
        return replace(s, resources={**(s.resources or {}), **made}, retrying=None).with_task(
            TaskMove.PROGRESS, _said(e), at)
    if isinstance(e, NetworkCompleted):
        return replace(s, resources={**(s.resources or {}), "secrets_prefix": e.secrets_prefix},
                       retrying=None).with_task(
            TaskMove.FINISH, f"The organization's resources are ready in {s.region}", at)
    if isinstance(e, NetworkFailed):
        return replace(s, failure=e.reason, failed_at=at, retrying=None).with_task(
            TaskMove.FAIL, f"Creating the organization's resources failed: {e.reason}", at)
    if isinstance(e, NetworkStepRetrying):
        return replace(s, retrying=f"{e.step}: {e.reason}").with_task(
            TaskMove.PROGRESS, f"Retrying {e.step.lower().replace('_', ' ')} shortly: "
                               f"{e.reason}", at)
    if isinstance(e, ResourcesDeleted):
        what = e.step.lower().replace("_", " ")
        found = f": {', '.join(e.ids)}" if e.ids else ": nothing left to remove"
        return replace(s, removed=s.removed + (e.step,), retrying=None).with_task(
            TaskMove.PROGRESS, f"{what.capitalize()}{found}{e.note}", at)
    if isinstance(e, NetworkAwaited):
        return replace(s, waiters=_joined(s.waiters, e.waiter))
    if isinstance(e, WaitersWoken):
        return replace(s, waiters=tuple(w for w in s.waiters if w not in e.waiters))
    if isinstance(e, NetworkRemoved):
        return replace(s, resources=None, retrying=None).with_task(
            TaskMove.FINISH, f"Every organization resource in {s.region} is removed", at)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


def vars_of(e: Any) -> dict:
    return {name: getattr(e, name) for name in type(e)._field_names}


# ---- commands -----------------------------------------------------------------------------

def decide_request(state: OrgNetwork | None, org_uuid: str, region: str, task_uuid: str,
                   at: float, since: float | None = None, waiter: str = "") -> list:
    """A workspace (or a cluster: `waiter`, "kind/scope/uuid") needs the region. Nothing new
    while it is ready; while it is being made or cleaned up, the waiter is noted (woken when
    that is done: then it asks again). A failure is retried only when it happened before
    `since` (the time the asker began to wait), so one asker does not retry it forever."""
    if state is not None and state.status == S.FAILED and since is not None \
            and (state.failed_at or 0) >= since:
        return []
    if state is not None and state.status not in REQUESTABLE:
        waits = state.status in (S.CREATING, S.REMOVING) and waiter \
            and waiter not in state.waiters
        return [NetworkAwaited(waiter, at)] if waits else []
    return [NetworkRequested(network_uuid(org_uuid, region), org_uuid, region, task_uuid,
                             waiter, at)]


def decide_cleanup(state: OrgNetwork | None, org_uuid: str, region: str, task_uuid: str,
                   at: float) -> list:
    """Remove the region's resources. A cleanup already under way is not started twice (its
    task is the answer); a removed network is cleaned again (finds what is left, if any)."""
    if state is not None and state.status == S.REMOVING:
        return []
    if state is not None and state.status not in CLEANABLE:  # pragma: no cover - all listed
        raise DomainError(f"The resources in {region} cannot be cleaned up while "
                          f"{state.status.value}.")
    return [CleanupRequested(network_uuid(org_uuid, region), org_uuid, region, task_uuid, at)]


# ---- what is pending ----------------------------------------------------------------------

def next_step(s: OrgNetwork) -> Step | None:
    if s.status == S.CREATING:
        made = s.resources or {}
        return next((step for step, key in CREATION if key not in made), Step.COMPLETE)
    if s.status == S.REMOVING:
        return next((step for step in REMOVAL if step.value not in s.removed),
                    Step.FINISH_REMOVAL)
    return Step.WAKE_WAITERS if s.waiters else None


def creation_failed(s: OrgNetwork, reason: str, at: float) -> list:
    """A lasting AWS error fails a creation; a cleanup is retried until it is done."""
    return [NetworkFailed(reason, at)] if s.status == S.CREATING else []


def retrying(s: OrgNetwork, step: Any, reason: str, at: float) -> list:
    """Say once per reason why a step waits (waking the waiters is retried unsaid)."""
    said = f"{step.value}: {reason}"
    if s.retrying == said or s.status not in (S.CREATING, S.REMOVING):
        return []
    return [NetworkStepRetrying(step.value, reason, at)]


def live(s: OrgNetwork) -> bool:
    return s.status != S.REMOVED


def network(s: OrgNetwork) -> dict | None:
    """The shared contract (COMMON.md) a READY network gives its workspaces and clusters."""
    if s.status != S.READY or not s.resources:
        return None
    r = s.resources
    return {"vpc_id": r["vpc_id"], "security_group_id": r["security_group_id"],
            "private_subnets": dict(r["private_subnets"]),
            "public_subnets": dict(r["public_subnets"]),
            "file_system_id": r["file_system_id"], "bucket": r["bucket"],
            "instance_profile_name": r["instance_profile_name"],
            "instance_profile_arn": r["instance_profile_arn"],
            "node_role_name": r["node_role_name"], "secrets_prefix": r["secrets_prefix"]}
