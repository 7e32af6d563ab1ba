"""Launches honour what their launch template says, as on AWS.

moto 5.2.5's CreateFleet reads only the image, type, key, groups by name, subnet and tags of
a launch template: it drops ``NetworkInterfaces`` (so every instance lands in the default
VPC with the default group and a plain interface, whatever the platform asked) and
``IamInstanceProfile``. Its RunInstances with ``LaunchTemplate`` drops both as well, and with
an explicit ``IamInstanceProfile`` associates it with the first instance only.

Here, for CreateFleet's on-demand launches and RunInstances with a launch template (fields
given in the request itself win, as on AWS):

* the primary interface is made from the template's ``NetworkInterfaces[DeviceIndex=0]``:
  its subnet (and so the VPC and the zone), its ``Groups``, ``AssociatePublicIpAddress``
  (a public IP only when true, or unset and the subnet maps one), ``DeleteOnTermination``,
  ``Description`` and ``InterfaceType`` (``efa`` is kept and reported);
* ``IamInstanceProfile`` (Arn or Name) is associated with every instance launched, so
  DescribeInstances shows it and DescribeIamInstanceProfileAssociations lists it; an
  unknown profile is refused like AWS (``InvalidParameterValue``) before anything launches;
* the template's ``TagSpecifications`` tag instances, volumes and network interfaces.

Spot fleets keep moto's behaviour (Corral launches on-demand only).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.fleets import Fleet
from moto.ec2.responses import EC2Response
from moto.ec2.utils import convert_tag_spec, filter_iam_instance_profiles

from ._patching import add_method, wrap_method
from .launch_checks import _template_version


class InvalidProfile(EC2ClientError):
    def __init__(self, profile: dict[str, Any]) -> None:
        value = profile.get("Arn") or profile.get("Name")
        super().__init__("InvalidParameterValue",
                         f"Value ({value}) for parameter iamInstanceProfile is invalid. "
                         "Invalid IAM Instance Profile name")


def _profile(backend: Any, profile: dict[str, Any] | None) -> Any:
    """The IAM instance profile a launch names, or None; refused if it does not exist."""
    if not profile or not (profile.get("Arn") or profile.get("Name")):
        return None
    try:
        return filter_iam_instance_profiles(
            backend.account_id, partition=backend.partition,
            iam_instance_profile_arn=profile.get("Arn"),
            iam_instance_profile_name=profile.get("Name"))
    except Exception:  # moto raises its own NotFound flavours
        raise InvalidProfile(profile) from None


def _nics(data: dict[str, Any]) -> list[dict[str, Any]]:
    """moto's ``nics`` argument from a template's network interfaces."""
    nics = []
    for nic in copy.deepcopy(data.get("NetworkInterfaces") or []):
        nic["DeviceIndex"] = int(nic.get("DeviceIndex", 0))
        nic["Groups"] = list(nic.get("Groups") or [])
        nics.append(nic)
    return nics


def _finish(backend: Any, instances: list[Any], data: dict[str, Any], profile: Any) -> None:
    """What moto leaves out: interface types, ENI tags, the profile on every instance."""
    kinds = {int(n.get("DeviceIndex", 0)): n.get("InterfaceType")
             for n in data.get("NetworkInterfaces") or []}
    tags = convert_tag_spec(data.get("TagSpecifications") or [])
    eni_tags, volume_tags = tags.get("network-interface", {}), tags.get("volume", {})
    for instance in instances:
        primary = instance.nics.get(0)
        if primary is not None and not instance.security_groups:
            instance.security_groups = list(primary._group_set)  # AWS shows the ENI's groups
        for index, eni in instance.nics.items():
            if kinds.get(index):
                eni.interface_type = kinds[index]
            eni.add_tags(eni_tags)
        for _, device in instance.get_block_device_mapping:
            for volume in backend.describe_volumes(volume_ids=[device.volume_id]):
                volume.add_tags(volume_tags)
        if profile is not None and instance.id not in backend.iam_instance_profile_associations:
            backend.associate_iam_instance_profile(
                instance_id=instance.id, iam_instance_profile_arn=profile.arn)


def create_on_demand_requests(self: Any, weight_to_add: float) -> None:
    """moto's own, launching each spec with its template's interfaces and profile."""
    weight_map, added_weight = self.get_launch_spec_counts(weight_to_add)
    for launch_spec, count in weight_map.items():
        data: dict[str, Any] = {}
        if launch_spec.launch_template_spec:
            version = _template_version(self.ec2_backend, launch_spec.launch_template_spec)
            data = {**version.data, **(launch_spec.overrides or {})}
        profile = _profile(self.ec2_backend, data.get("IamInstanceProfile"))
        nics = _nics(data)
        extra: dict[str, Any] = {}
        if data.get("BlockDeviceMappings"):  # moto makes no root volume when this is given
            extra["block_device_mappings"] = data["BlockDeviceMappings"]
        reservation = self.ec2_backend.run_instances(
            image_id=launch_spec.image_id, count=count, instance_type=launch_spec.instance_type,
            is_instance_type_default=False, key_name=launch_spec.key_name,
            security_group_names=launch_spec.group_set, user_data=launch_spec.user_data,
            placement=None, kernel_id=None, ramdisk_id=None,
            monitoring_enabled=launch_spec.monitoring,
            subnet_id=None if nics else launch_spec.subnet_id,
            security_group_ids=list(data.get("SecurityGroupIds") or []),
            nics=nics, fleet_id=self.id, tags=launch_spec.tag_specifications,
            iam_instance_profile=({"Arn": profile.arn} if profile else None), **extra)
        _finish(self.ec2_backend, reservation.instances, data, profile)
        for instance in reservation.instances:
            self.on_demand_instances.append(
                {"id": reservation.id, "instance": instance, "launch_spec": launch_spec})
    self.fulfilled_capacity += added_weight


def _run_instances(original: Any) -> Any:
    def run_instances(self: Any) -> ActionResult:
        template_arg = self._get_param("LaunchTemplate", {}) or {}
        data = _template_version(self.ec2_backend, template_arg).data if template_arg else {}
        if not self._get_param("NetworkInterfaces") and not self._get_param("SubnetId"):
            if data.get("NetworkInterfaces"):
                self.params["NetworkInterfaces"] = _nics(data)
        asked = self._get_param("IamInstanceProfile") or data.get("IamInstanceProfile")
        profile = _profile(self.ec2_backend, asked)
        self.params.pop("IamInstanceProfile", None)  # associated below, on every instance
        result = original(self)
        launched = {"NetworkInterfaces": self._get_param("NetworkInterfaces") or [],
                    "TagSpecifications": [*(data.get("TagSpecifications") or []),
                                          *(self._get_param("TagSpecifications") or [])]}
        _finish(self.ec2_backend, result.result.instances, launched, profile)
        return result

    return run_instances


def install() -> None:
    add_method(Fleet, "create_on_demand_requests", create_on_demand_requests)
    wrap_method(EC2Response, "run_instances", _run_instances)
