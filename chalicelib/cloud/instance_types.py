"""Instance types a cluster can use in a customer's region, read from the customer's own
account: x86_64, at least 2 vCPUs, able to join a cluster placement group (AWS says so in
PlacementGroupInfo), and offered in at least one availability zone of the region (instance
type offerings by AZ, which also say where a launch may be tried). EFA support is AWS's own
answer (NetworkInfo.EfaSupported)."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.errors import CloudError
from .sessions import call


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_mib: int
    efa: bool
    cluster_placement: bool = True   # can join a placement group of strategy "cluster"
    zones: tuple[str, ...] = ()      # the region's AZs that offer it

    @property
    def cores(self) -> int:
        return max(1, self.vcpus // 2)

    @property
    def usable(self) -> bool:
        return self.vcpus >= 2 and self.cluster_placement and bool(self.zones)


def _from_aws(i: dict, zones: dict[str, list[str]]) -> InstanceType:
    return InstanceType(
        name=i["InstanceType"],
        vcpus=int(i.get("VCpuInfo", {}).get("DefaultVCpus", 0)),
        memory_mib=int(i.get("MemoryInfo", {}).get("SizeInMiB", 0)),
        efa=bool(i.get("NetworkInfo", {}).get("EfaSupported", False)),
        cluster_placement="cluster" in i.get("PlacementGroupInfo", {}).get(
            "SupportedStrategies", []),
        zones=tuple(sorted(zones.get(i["InstanceType"], ()))),
    )


def _zones(ec2, names: list[str] | None = None) -> dict[str, list[str]]:
    """{type: [AZ, ...]} from the region's offerings by availability zone."""
    filters = [{"Name": "instance-type", "Values": names}] if names else []
    pages = ec2.get_paginator("describe_instance_type_offerings").paginate(
        LocationType="availability-zone", Filters=filters)
    found: dict[str, list[str]] = {}
    for page in call(lambda: list(pages)):
        for o in page["InstanceTypeOfferings"]:
            found.setdefault(o["InstanceType"], []).append(o["Location"])
    return found


def offered(ec2) -> list[InstanceType]:
    """The types a cluster can use in the region, sorted by name."""
    pages = ec2.get_paginator("describe_instance_types").paginate(
        Filters=[{"Name": "processor-info.supported-architecture", "Values": ["x86_64"]}])
    raw = [i for p in call(lambda: list(pages)) for i in p["InstanceTypes"]]
    zones = _zones(ec2)
    return sorted((t for t in (_from_aws(i, zones) for i in raw) if t.usable),
                  key=lambda t: t.name)


def describe(ec2, name: str) -> InstanceType | None:
    """One type as AWS describes it (usable or not: the caller says why not), or None if the
    region does not know the name."""
    try:
        found = call(ec2.describe_instance_types, InstanceTypes=[name])["InstanceTypes"]
    except CloudError as e:
        if e.code in ("InvalidInstanceType", "InvalidParameterValue"):
            return None
        raise
    return _from_aws(found[0], _zones(ec2, [name])) if found else None
