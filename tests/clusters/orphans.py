"""The assertion every fault test ends with: in the emulated customer account, no instance
(in any state but terminated), network interface, Elastic IP, or notebook entry point
(CloudFront distribution or VPC origin, tagged with the region) is left that nothing live
owns.

An owner is a cluster of the platform that is not TERMINATED (the resource's cluster tag, its
row found by the workspace tag), or, for what carries only the organization's tag or is
managed by AWS for it (the NAT gateway's interface and address, the EFS mount targets'
interfaces), the organization network of that region while it is not REMOVED."""
from __future__ import annotations

from chalicelib.clusters import commands as clusters
from chalicelib.org_network import commands as org_network
from chalicelib.org_network.machine import NetworkStatus

ORG, WORKSPACE, CLUSTER = "corral:organization", "corral:workspace", "corral:cluster"
LIVE_INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]


def _tags(resource: dict, key: str = "Tags") -> dict:
    return {t["Key"]: t["Value"] for t in resource.get(key) or []}


def _network_owned(platform, region: str) -> set[str]:
    """Ids of the interfaces and addresses a live organization network holds in `region`."""
    org = platform.demo.organization.uuid
    state = org_network.get(org, region)
    if state is None or state.status == NetworkStatus.REMOVED:
        return set()
    ec2, efs = platform.customer("ec2", region), platform.customer("efs", region)
    owned = set()
    for nat in ec2.describe_nat_gateways(Filter=[{"Name": f"tag:{ORG}", "Values": [org]}])[
            "NatGateways"]:
        for a in nat.get("NatGatewayAddresses", []):
            owned |= {a.get("NetworkInterfaceId"), a.get("AllocationId")}
    for fs in efs.describe_file_systems()["FileSystems"]:
        if _tags(fs).get(ORG) == org:
            owned |= {m.get("NetworkInterfaceId") for m in efs.describe_mount_targets(
                FileSystemId=fs["FileSystemId"])["MountTargets"]}
    for a in ec2.describe_addresses(Filters=[{"Name": f"tag:{ORG}", "Values": [org]}])[
            "Addresses"]:
        if CLUSTER not in _tags(a):
            owned.add(a["AllocationId"])
    owned.discard(None)
    return owned


def _owner(platform, tags: dict, rid: str, network: set[str]) -> str | None:
    """What owns the resource (a description), or None."""
    cluster, workspace = tags.get(CLUSTER), tags.get(WORKSPACE)
    if cluster:
        state = clusters.get(workspace, cluster) if workspace else None
        if state is not None and state.status.value != "TERMINATED":
            return f"cluster {cluster} ({state.status.value})"
        return None
    return "the organization network" if rid in network else None


def orphans(platform, regions=("us-east-1",)) -> list[str]:
    """Every instance, interface and address of the customer account in `regions` that no
    live cluster nor live organization network owns, described."""
    found = []
    for region in regions:
        ec2 = platform.customer("ec2", region)
        network = _network_owned(platform, region)
        for r in ec2.describe_instances(Filters=[
                {"Name": "instance-state-name", "Values": LIVE_INSTANCE_STATES}])["Reservations"]:
            for i in r["Instances"]:
                if not _owner(platform, _tags(i), i["InstanceId"], network):
                    found.append(f"{region} instance {i['InstanceId']} ({i['State']['Name']}, "
                                 f"tags {_tags(i)})")
        for n in ec2.describe_network_interfaces()["NetworkInterfaces"]:
            if not _owner(platform, _tags(n, "TagSet"), n["NetworkInterfaceId"], network):
                found.append(f"{region} interface {n['NetworkInterfaceId']} ({n['Status']}, "
                             f"{n.get('Description', '')!r}, tags {_tags(n, 'TagSet')})")
        for a in ec2.describe_addresses()["Addresses"]:
            if not _owner(platform, _tags(a), a["AllocationId"], network):
                found.append(f"{region} address {a['AllocationId']} ({a.get('PublicIp')}, "
                             f"tags {_tags(a)})")
        found += _entry_points(platform, region)
    return found


def _entry_points(platform, region: str) -> list[str]:
    """Distributions and VPC origins of `region` (by their tags) that no live cluster owns."""
    cf = platform.customer("cloudfront")
    found = []
    for kind, rid, arn in (
            [("distribution", d["Id"], d["ARN"])
             for d in cf.list_distributions()["DistributionList"].get("Items") or []]
            + [("vpc-origin", v["Id"], v["Arn"])
               for v in cf.list_vpc_origins()["VpcOriginList"].get("Items") or []]):
        tags = {t["Key"]: t["Value"] for t in
                cf.list_tags_for_resource(Resource=arn)["Tags"].get("Items") or []}
        if tags.get("corral:region") == region and not _owner(platform, tags, rid, set()):
            found.append(f"{kind} {rid} (tags {tags})")
    return found


def assert_no_orphans(platform, regions=("us-east-1",)) -> None:
    left = orphans(platform, regions)
    assert not left, "left behind, owned by nothing live:\n" + "\n".join(left)
