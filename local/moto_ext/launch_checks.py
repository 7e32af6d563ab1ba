"""Launch-time checks for RunInstances and CreateFleet.

moto launches anything: unknown image ids, images of other accounts, and it
ignores placement groups (CreateFleet even ignores the launch template's
Placement).  Here, as on AWS:

* the image (from ImageId, the fleet override or the launch template) must
  be launchable by the caller: its own (moto's default AMIs included) or
  shared with it, in this region; otherwise ``InvalidAMIID.NotFound``;
* a placement group named by the request, override or launch template
  (``Placement.GroupName`` or ``Placement.GroupId``) must exist in this
  account and region; otherwise ``InvalidPlacementGroup.Unknown``;
* the zone the launch lands in (its subnet's) must offer the type and have
  room for the count, within the account's vCPU quota and the cluster
  placement group's zone (``capacity.py``): otherwise AWS's answer, to a
  DryRun as to a real launch.

RunInstances fails with the error.  CreateFleet launches only from the
launch-template/override combinations that pass; for an ``instant`` fleet
each failing combination is reported in the response's ``Errors`` (as AWS
does) and, if none pass, the fleet comes back with no instances.

Launched instances record the group, so DescribeInstances shows
``Placement.GroupName``/``GroupId`` and the ``placement-group-name`` filter
works.  Instances from a shared image get its architecture and platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError, InvalidAMIIdError
from moto.ec2.responses import EC2Response

from . import capacity as zones
from ._patching import wrap_method
from .placement_groups import PlacementGroup, find_placement_group
from .shared_images import launchable_image


@dataclass
class Target:
    image_id: str | None
    group_name: str | None
    group_id: str | None
    instance_type: str | None = None
    subnet_id: str | None = None
    zone: str | None = None   # named outright (Placement.AvailabilityZone, a fleet override)


def _first(layers: tuple[dict[str, Any], ...], read: Any) -> Any:
    return next((v for v in map(read, layers) if v), None)


def _primary_subnet(layer: dict[str, Any]) -> str | None:
    if layer.get("SubnetId"):
        return layer["SubnetId"]
    nics = layer.get("NetworkInterfaces") or []
    primary = [n for n in nics if str(n.get("DeviceIndex", "0")) == "0"] or nics
    return primary[0].get("SubnetId") if primary else None


def _template_version(backend: Any, spec: dict[str, Any]) -> Any:
    if spec.get("LaunchTemplateId"):
        template = backend.get_launch_template(spec["LaunchTemplateId"])
    elif spec.get("LaunchTemplateName"):
        template = backend.get_launch_template_by_name(spec["LaunchTemplateName"])
    else:
        return None
    return template.get_version(spec.get("Version") or template.default_version_number)


def _target(*layers: dict[str, Any]) -> Target:
    """Resolve image and placement from request layers, most specific first."""
    image_id = next((layer["ImageId"] for layer in layers if layer.get("ImageId")), None)
    placement: dict[str, Any] = {}
    for layer in layers:
        candidate = layer.get("Placement") or {}
        if candidate.get("GroupName") or candidate.get("GroupId"):
            placement = candidate
            break
    return Target(
        image_id, placement.get("GroupName"), placement.get("GroupId"),
        instance_type=_first(layers, lambda layer: layer.get("InstanceType")),
        subnet_id=_first(layers, _primary_subnet),
        zone=_first(layers, lambda layer: layer.get("AvailabilityZone")
                    or (layer.get("Placement") or {}).get("AvailabilityZone")))


def _check(backend: Any, target: Target, count: int = 0) -> tuple[Any, PlacementGroup | None]:
    """The image and placement group a launch names; with a `count`, the zone's answer too
    (capacity.py)."""
    ami = None
    if target.image_id:
        ami = launchable_image(backend, target.image_id)
        if ami is None:
            raise InvalidAMIIdError(target.image_id)
    group = None
    if target.group_name or target.group_id:
        group = find_placement_group(backend, target.group_name, target.group_id)
    if count:
        zones.check(backend, target.instance_type,
                    zones.zone_of(backend, target.subnet_id, target.zone), count, group)
    return ami, group


def _record(backend: Any, instance: Any, ami: Any, group: PlacementGroup | None) -> None:
    if group is not None:
        instance.placement.group_name = group.name
        instance.placement.group_id = group.id
    if ami is not None and ami.id not in backend.amis:  # a shared image
        instance.architecture = ami.architecture or instance.architecture
        instance.platform = ami.platform
        instance.virtualization_type = ami.virtualization_type or "hvm"
        instance.root_device_name = ami.root_device_name


def _run_instances(original: Any) -> Any:
    def run_instances(self: Any) -> ActionResult:
        backend = self.ec2_backend
        request = {
            "ImageId": self._get_param("ImageId"),
            "Placement": self._get_param("Placement", {}),
            "InstanceType": self._get_param("InstanceType"),
            "SubnetId": self._get_param("SubnetId"),
            "NetworkInterfaces": self._get_param("NetworkInterfaces", []),
        }
        template = self._get_param("LaunchTemplate", {})
        version = _template_version(backend, template) if template else None
        target = _target(request, version.data if version else {})
        ami, group = _check(backend, target, int(self._get_param("MinCount", if_none="1")))
        result = original(self)
        for instance in result.result.instances:
            _record(backend, instance, ami, group)
        return result

    return run_instances


def _fleet_error(
    err: EC2ClientError, version: Any, override: dict[str, Any], lifecycle: str
) -> dict[str, Any]:
    launch = {
        "LaunchTemplateSpecification": {
            "LaunchTemplateId": version.template.id,
            "Version": str(version.number),
        }
    }
    if override:
        launch["Overrides"] = override
    return {
        "ErrorCode": err.code,
        "ErrorMessage": err.message,
        "LaunchTemplateAndOverrides": launch,
        "Lifecycle": lifecycle,
    }


def _screen_configs(
    backend: Any, configs: list[dict[str, Any]], lifecycle: str, count: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the fleet's template/override combinations into kept and errors."""
    kept, errors = [], []
    for config in configs:
        version = _template_version(backend, config.get("LaunchTemplateSpecification", {}))
        if version is None:
            kept.append(config)
            continue
        good = []
        for override in config.get("Overrides") or [{}]:
            try:
                _check(backend, _target(override, version.data), count)
            except EC2ClientError as err:
                errors.append(_fleet_error(err, version, override, lifecycle))
            else:
                good.append(override)
        if good:
            kept.append({**config, "Overrides": good} if config.get("Overrides") else config)
    return kept, errors


def _record_fleet(backend: Any, fleet: Any) -> None:
    launched = [(i["instance"], i.get("launch_spec")) for i in fleet.on_demand_instances]
    launched += [(r.instance, r.launch_spec) for r in fleet.spot_requests]
    for instance, launch_spec in launched:
        if launch_spec is None or not launch_spec.launch_template_spec:
            continue
        version = _template_version(backend, launch_spec.launch_template_spec)
        ami, group = _check(backend, _target(launch_spec.overrides or {}, version.data))
        _record(backend, instance, ami, group)


def _create_fleet(original: Any) -> Any:
    def create_fleet(self: Any) -> ActionResult:
        backend = self.ec2_backend
        configs = self._get_param("LaunchTemplateConfigs", []) or []
        capacity = self._get_param("TargetCapacitySpecification", {}) or {}
        spot = capacity.get("DefaultTargetCapacityType") == "spot"
        kept, errors = _screen_configs(backend, configs, "spot" if spot else "on-demand",
                                       int(capacity.get("TotalTargetCapacity", 0)))
        if errors and kept:
            self.params["LaunchTemplateConfigs"] = kept
        elif errors:  # nothing launchable: create the fleet, launch nothing
            self.params["TargetCapacitySpecification"] = {
                **capacity,
                "TotalTargetCapacity": 0,
                "OnDemandTargetCapacity": 0,
                "SpotTargetCapacity": 0,
            }
        result = original(self)
        fleet = backend.fleets[result.result["FleetId"]]
        fleet.launch_template_configs = configs
        fleet.target_capacity_specification = capacity
        fleet.target_capacity = int(capacity.get("TotalTargetCapacity", 0))
        _record_fleet(backend, fleet)
        if errors and fleet.fleet_type == "instant":
            result.result["Errors"] = errors
        return result

    return create_fleet


def install() -> None:
    wrap_method(EC2Response, "run_instances", _run_instances)
    wrap_method(EC2Response, "create_fleet", _create_fleet)
