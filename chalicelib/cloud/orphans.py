"""What Corral made for clusters in one organization's account and region, found by tag, and
its removal: the reconciler (clusters/reconciler_steps.py) decides which of it no live cluster
owns. Six Describe calls (paginated) per organization and region find everything a cluster
makes: its instances (in every state but terminated), network interfaces, Elastic IPs, its
security group (corral-<uuid>), placement group and launch template. Instant fleets are left
alone: AWS keeps their record whatever is done, and they hold nothing once their instances
are gone.

EC2 Describe* with tag filters rather than the Resource Groups Tagging API: the reconciler
needs each instance's state and launch time and each interface's attachment anyway, which
GetResources does not give, and the policy already allows these reads."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

INSTANCE = "instance"
INTERFACE = "network-interface"
ADDRESS = "elastic-ip"
SECURITY_GROUP = "security-group"
PLACEMENT_GROUP = "placement-group"
LAUNCH_TEMPLATE = "launch-template"
LIVE_INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
# What a removal may answer when the resource is gone already: the removal is done.
GONE = frozenset({"InvalidInstanceID.NotFound", "InvalidNetworkInterfaceID.NotFound",
                  "InvalidAllocationID.NotFound", "InvalidGroup.NotFound",
                  "InvalidPlacementGroup.Unknown", "InvalidLaunchTemplateId.NotFound",
                  "InvalidLaunchTemplateName.NotFoundException"})


@dataclass(frozen=True)
class Tagged:
    """One resource tagged with a cluster. `created_at`: when AWS says it was made (instances,
    launch templates), else None (AWS does not say for interfaces, groups, addresses).
    `state`: an instance's state, an interface's status ("in-use", "available"), an address's
    association id ("" when free); "" for the others. A placement group's id is its name."""

    kind: str
    id: str
    cluster_uuid: str
    workspace_uuid: str
    created_at: float | None = None
    state: str = ""


def _tags(item: dict, key: str = "Tags") -> dict:
    return {x["Key"]: x["Value"] for x in item.get(key) or []}


def _tagged(kind: str, rid: str, tags: dict, created=None, state: str = "") -> Tagged | None:
    """A resource of a cluster: it must carry the cluster tag (the organization network's own
    resources carry only the organization's)."""
    cluster = tags.get(t.CLUSTER)
    if not cluster:
        return None
    return Tagged(kind, rid, cluster, tags.get(t.WORKSPACE, ""),
                  created.timestamp() if created is not None else None, state)


def _pages(ec2, operation: str, key: str, filters: list[dict]) -> list[dict]:
    pages = ec2.get_paginator(operation).paginate(Filters=filters)
    return call(lambda: [item for page in pages for item in page[key]])


def find(ec2, org_uuid: str) -> list[Tagged]:
    """Everything of the organization's clusters in this client's region, by tag."""
    org = t.filters({t.ORG: org_uuid})
    found: list[Tagged | None] = []
    for r in _pages(ec2, "describe_instances", "Reservations", org + [
            {"Name": "instance-state-name", "Values": LIVE_INSTANCE_STATES}]):
        found += [_tagged(INSTANCE, i["InstanceId"], _tags(i), i.get("LaunchTime"),
                          i["State"]["Name"]) for i in r["Instances"]]
    found += [_tagged(INTERFACE, n["NetworkInterfaceId"], _tags(n, "TagSet"), None, n["Status"])
              for n in _pages(ec2, "describe_network_interfaces", "NetworkInterfaces", org)]
    found += [_tagged(ADDRESS, a["AllocationId"], _tags(a), None, a.get("AssociationId", ""))
              for a in call(ec2.describe_addresses, Filters=org)["Addresses"]]
    found += [_tagged(SECURITY_GROUP, g["GroupId"], _tags(g))
              for g in _pages(ec2, "describe_security_groups", "SecurityGroups", org)]
    found += [_tagged(PLACEMENT_GROUP, g["GroupName"], _tags(g))
              for g in call(ec2.describe_placement_groups, Filters=org)["PlacementGroups"]]
    found += [_tagged(LAUNCH_TEMPLATE, lt["LaunchTemplateId"], _tags(lt), lt.get("CreateTime"))
              for lt in _pages(ec2, "describe_launch_templates", "LaunchTemplates", org)]
    return [r for r in found if r is not None]


def remove(ec2, resources: list[Tagged]) -> dict[str, str]:
    """Remove each resource (instances: terminated, in one call). Returns, by resource id,
    why one could not be removed (AWS's reason: the next pass tries again); a resource gone
    already counts as removed."""
    failed: dict[str, str] = {}
    instances = sorted(r.id for r in resources if r.kind == INSTANCE)
    if instances:
        try:
            call(ec2.terminate_instances, InstanceIds=instances)
        except CloudError as e:
            if e.code not in GONE:
                failed.update({i: e.reason for i in instances})
    for r in resources:
        if r.kind == INSTANCE:
            continue
        try:
            _delete(ec2, r)
        except CloudError as e:
            if e.code not in GONE:
                failed[r.id] = e.reason
    return failed


def _delete(ec2, r: Tagged) -> None:
    if r.kind == INTERFACE:
        call(ec2.delete_network_interface, NetworkInterfaceId=r.id)
    elif r.kind == ADDRESS:
        if r.state:
            call(ec2.disassociate_address, AssociationId=r.state)
        call(ec2.release_address, AllocationId=r.id)
    elif r.kind == SECURITY_GROUP:
        call(ec2.delete_security_group, GroupId=r.id)
    elif r.kind == PLACEMENT_GROUP:
        call(ec2.delete_placement_group, GroupName=r.id)
    elif r.kind == LAUNCH_TEMPLATE:
        call(ec2.delete_launch_template, LaunchTemplateId=r.id)
    else:  # pragma: no cover - find() makes no other kind
        raise ValueError(f"unknown resource kind {r.kind!r}")
