"""Instance types offered in a customer's region, read from the customer's own account."""
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

    @property
    def cores(self) -> int:
        return max(1, self.vcpus // 2)


def _from_aws(i: dict) -> InstanceType:
    return InstanceType(
        name=i["InstanceType"],
        vcpus=int(i.get("VCpuInfo", {}).get("DefaultVCpus", 0)),
        memory_mib=int(i.get("MemoryInfo", {}).get("SizeInMiB", 0)),
        efa=bool(i.get("NetworkInfo", {}).get("EfaSupported", False)),
    )


def offered(ec2) -> list[InstanceType]:
    """x86_64 types with at least 2 vCPUs that the region offers, sorted by name."""
    pages = ec2.get_paginator("describe_instance_types").paginate(
        Filters=[{"Name": "processor-info.supported-architecture", "Values": ["x86_64"]}])
    types = [_from_aws(i) for p in call(lambda: list(pages)) for i in p["InstanceTypes"]]
    return sorted((t for t in types if t.vcpus >= 2), key=lambda t: t.name)


def describe(ec2, name: str) -> InstanceType | None:
    """One type, or None if the region does not know it."""
    try:
        found = call(ec2.describe_instance_types, InstanceTypes=[name])["InstanceTypes"]
    except CloudError as e:
        if e.code in ("InvalidInstanceType", "InvalidParameterValue"):
            return None
        raise
    return _from_aws(found[0]) if found else None
