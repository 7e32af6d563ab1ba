"""What a launch meets in an Availability Zone: offerings, capacity, the vCPU quota and the
cluster placement group's one zone, for RunInstances and CreateFleet and their DryRun.

moto launches any instance type in any zone, any number of them, in any placement group.
AWS answers instead, and so does this extension (called by ``launch_checks`` for every
launch and every fleet combination, before moto's own DryRun answer, as AWS checks these
first):

* ``Unsupported`` when the type is not offered in the zone (the zone offerings moto's
  DescribeInstanceTypeOfferings lists);
* ``InsufficientInstanceCapacity`` when the zone has no room for that many of the type. Room
  is what ``set_capacity(region, zone, type, n)`` says: at most ``n`` live instances of that
  type in that zone, all accounts together; a zone never set has room for anything;
* ``VcpuLimitExceeded`` past the account's on-demand vCPU quota in the region, when
  ``set_vcpu_limit(account, region, n)`` set one;
* a *cluster* placement group lives in one zone: a launch into one whose live instances are
  in another zone is refused with ``InsufficientInstanceCapacity`` (no room for it there).

``reset()`` forgets every setting (each test platform starts from none).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models.instance_types import INSTANCE_TYPES

_lock = threading.Lock()
_capacity: dict[tuple[str, str, str], int] = {}   # (region, zone, type) -> live instances
_vcpu_limits: dict[tuple[str, str], int] = {}      # (account, region) -> vCPUs

_LIVE = ("pending", "running", "stopping", "stopped")


def set_capacity(region: str, zone: str, instance_type: str, count: int) -> None:
    with _lock:
        _capacity[(region, zone, instance_type)] = count


def set_vcpu_limit(account_id: str, region: str, vcpus: int) -> None:
    with _lock:
        _vcpu_limits[(account_id, region)] = vcpus


def reset() -> None:
    with _lock:
        _capacity.clear()
        _vcpu_limits.clear()


def zone_of(backend: Any, subnet_id: str | None, placement_zone: str | None) -> str | None:
    """The zone a launch lands in: its subnet's, else the zone it names, else None (moto then
    picks one; nothing here is checked)."""
    if subnet_id:
        try:
            return backend.get_subnet(subnet_id).availability_zone
        except EC2ClientError:
            return None   # moto's own launch refuses the unknown subnet
    return placement_zone


def _vcpus(instance_type: str) -> int:
    return int(INSTANCE_TYPES.get(instance_type, {}).get("VCpuInfo", {}).get("DefaultVCpus", 1))


def _live_everywhere(region: str) -> list[tuple[str, Any]]:
    """(account, instance) for every live instance of the region, every account."""
    found = []
    for account, regions in list(ec2_backends.items()):
        backend = dict.get(regions, region)
        if backend is not None:
            found += [(account, i) for i in backend.all_instances() if i.state in _LIVE]
    return found


def check(backend: Any, instance_type: str | None, zone: str | None, count: int,
          group: Any = None) -> None:
    """Raise AWS's answer when `count` instances of `instance_type` cannot launch in `zone`
    (into placement group `group`, when one is named)."""
    if not instance_type or not zone:
        return
    region = backend.region_name
    offered = backend.describe_instance_type_offerings(
        location_type="availability-zone",
        filters={"instance-type": [instance_type], "location": [zone]})
    if not offered:
        others = sorted(o["Location"] for o in backend.describe_instance_type_offerings(
            location_type="availability-zone", filters={"instance-type": [instance_type]}))
        raise EC2ClientError(
            "Unsupported",
            f"Your requested instance type ({instance_type}) is not supported in your requested "
            f"Availability Zone ({zone}). Please retry your request by not specifying an "
            f"Availability Zone or choosing {', '.join(others)}.")
    live = _live_everywhere(region)
    if group is not None and getattr(group, "strategy", None) == "cluster":
        zones = {i.placement.zone for _, i in live
                 if i.placement.group_name == group.name and i.placement.zone != zone}
        if zones:
            raise _no_capacity(instance_type, zone, f"the cluster placement group {group.name} "
                                                    f"is in {sorted(zones)[0]}")
    with _lock:
        room = _capacity.get((region, zone, instance_type))
        limit = _vcpu_limits.get((backend.account_id, region))
    if room is not None:
        used = sum(1 for _, i in live
                   if i.instance_type == instance_type and i.placement.zone == zone)
        if used + count > room:
            raise _no_capacity(instance_type, zone)
    if limit is not None:
        used = sum(_vcpus(i.instance_type) for account, i in live
                   if account == backend.account_id)
        if used + count * _vcpus(instance_type) > limit:
            raise EC2ClientError(
                "VcpuLimitExceeded",
                f"You have requested more vCPU capacity than your current vCPU limit of {limit} "
                f"allows for the instance bucket that the specified instance type belongs to. "
                f"Request an adjustment to this limit to launch more.")


def _no_capacity(instance_type: str, zone: str, why: str = "") -> EC2ClientError:
    return EC2ClientError(
        "InsufficientInstanceCapacity",
        f"We currently do not have sufficient {instance_type} capacity in the Availability Zone "
        f"you requested ({zone}){' (' + why + ')' if why else ''}. Our system will be working "
        f"on provisioning additional capacity. You can currently get {instance_type} capacity "
        f"by not specifying an Availability Zone in your request or choosing a different "
        f"Availability Zone.")
