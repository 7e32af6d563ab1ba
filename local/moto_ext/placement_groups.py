"""EC2 placement groups, which moto 5.2.5 does not implement.

Adds CreatePlacementGroup, DescribePlacementGroups and DeletePlacementGroup
to moto's EC2 responses.  Groups live on the EC2 backend of their account and
region (so they vanish on a moto reset like everything else); their tags live
in the backend's ordinary tag store, so DescribeTags, CreateTags and
``tag:`` filters see them.

``find_placement_group`` is used by ``launch_checks`` to validate and record
placement at launch time.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2 import utils as ec2_utils
from moto.ec2.exceptions import EC2ClientError, InvalidParameterValueError
from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.responses import EC2Response
from moto.ec2.utils import generic_filter, random_id

from ._patching import add_method

STRATEGIES = ("cluster", "spread", "partition")
_STORE_ATTR = "_corral_placement_groups"


class PlacementGroup(TaggedEC2Resource):
    def __init__(
        self,
        ec2_backend: Any,
        name: str,
        strategy: str,
        partition_count: int | None = None,
        spread_level: str | None = None,
    ) -> None:
        self.ec2_backend = ec2_backend
        self.id = random_id(prefix="pg", size=17)
        self.name = name
        self.strategy = strategy
        self.state = "available"
        self.partition_count = partition_count
        self.spread_level = spread_level

    @property
    def arn(self) -> str:
        backend = self.ec2_backend
        return (
            f"arn:aws:ec2:{backend.region_name}:{backend.account_id}"
            f":placement-group/{self.name}"
        )

    def get_filter_value(self, filter_name: str, method_name: str | None = None) -> Any:
        simple = {
            "group-name": self.name,
            "group-id": self.id,
            "group-arn": self.arn,
            "state": self.state,
            "strategy": self.strategy,
            "spread-level": self.spread_level,
        }
        if filter_name in simple:
            return simple[filter_name]
        return super().get_filter_value(filter_name, "DescribePlacementGroups")

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "GroupName": self.name,
            "GroupId": self.id,
            "GroupArn": self.arn,
            "State": self.state,
            "Strategy": self.strategy,
            "Tags": [{"Key": t["key"], "Value": t["value"]} for t in self.get_tags()],
        }
        if self.partition_count is not None:
            result["PartitionCount"] = self.partition_count
        if self.spread_level is not None:
            result["SpreadLevel"] = self.spread_level
        return result


def groups_of(backend: Any) -> dict[str, PlacementGroup]:
    """The placement groups (by name) of one EC2 backend (account + region)."""
    store = backend.__dict__.get(_STORE_ATTR)
    if store is None:
        store = backend.__dict__.setdefault(_STORE_ATTR, {})
    return store


def unknown_group(name: str) -> EC2ClientError:
    return EC2ClientError(
        "InvalidPlacementGroup.Unknown", f"The Placement Group '{name}' is unknown."
    )


def find_placement_group(
    backend: Any, name: str | None = None, group_id: str | None = None
) -> PlacementGroup:
    """Look a group up by name or id; raise InvalidPlacementGroup.Unknown."""
    groups = groups_of(backend)
    if name:
        if name in groups:
            return groups[name]
        raise unknown_group(name)
    for group in groups.values():
        if group.id == group_id:
            return group
    raise EC2ClientError(
        "InvalidPlacementGroup.Unknown",
        f"The Placement Group ID '{group_id}' is unknown.",
    )


def _instances_in_group(backend: Any, name: str) -> list[Any]:
    return [
        instance
        for instance in backend.all_instances()
        if instance.placement.group_name == name and instance.state != "terminated"
    ]


# --- response methods (bound onto moto's EC2Response) -----------------------


def create_placement_group(self: Any) -> ActionResult:
    name = self._get_param("GroupName")
    strategy = self._get_param("Strategy")
    partition_count = self._get_int_param("PartitionCount")
    spread_level = self._get_param("SpreadLevel")
    tags = self._parse_tag_specification("placement-group").get("placement-group", {})
    if not name:
        raise EC2ClientError("MissingParameter", "The request must contain the parameter groupName")
    if strategy not in STRATEGIES:
        raise InvalidParameterValueError(f"Invalid value '{strategy}' for strategy.")
    if partition_count is not None and strategy != "partition":
        raise EC2ClientError(
            "InvalidParameterCombination",
            "PartitionCount is only valid for the partition placement strategy.",
        )
    self.error_on_dryrun()
    backend = self.ec2_backend
    groups = groups_of(backend)
    if name in groups:
        raise EC2ClientError(
            "InvalidPlacementGroup.Duplicate",
            f"The Placement Group '{name}' already exists.",
        )
    if strategy == "partition" and partition_count is None:
        partition_count = 2
    group = PlacementGroup(backend, name, strategy, partition_count, spread_level)
    groups[name] = group
    if tags:
        group.add_tags(tags)
    return ActionResult({"PlacementGroup": group.to_dict()})


def describe_placement_groups(self: Any) -> ActionResult:
    names = self._get_param("GroupNames", [])
    ids = self._get_param("GroupIds", [])
    filters = self._filters_from_querystring()
    self.error_on_dryrun()
    backend = self.ec2_backend
    groups = list(groups_of(backend).values())
    if names:
        groups = [find_placement_group(backend, name=n) for n in names]
    if ids:
        wanted = [find_placement_group(backend, group_id=i) for i in ids]
        groups = [g for g in groups if g in wanted]
    groups = generic_filter(filters, groups)
    return ActionResult({"PlacementGroups": [g.to_dict() for g in groups]})


def delete_placement_group(self: Any) -> ActionResult:
    name = self._get_param("GroupName")
    self.error_on_dryrun()
    backend = self.ec2_backend
    group = find_placement_group(backend, name=name)
    if _instances_in_group(backend, name):
        raise EC2ClientError(
            "InvalidPlacementGroup.InUse",
            f"The placement group '{name}' is in use and may not be deleted.",
        )
    del groups_of(backend)[name]
    backend.tags.pop(group.id, None)
    return EmptyResult()


def install() -> None:
    # Let the generic tag machinery (CreateTags, DescribeTags' resource-type)
    # recognise pg-… ids.  Both dicts are shared by reference across moto.
    ec2_utils.EC2_RESOURCE_TO_PREFIX.setdefault("placement-group", "pg")
    ec2_utils.EC2_PREFIX_TO_RESOURCE.setdefault("pg", "placement-group")
    # DescribeInstances: Filters=[{"Name": "placement-group-name", ...}]
    ec2_utils.filter_dict_attribute_mapping.setdefault(
        "placement-group-name", "placement.group_name"
    )
    add_method(EC2Response, "create_placement_group", create_placement_group)
    add_method(EC2Response, "describe_placement_groups", describe_placement_groups)
    add_method(EC2Response, "delete_placement_group", delete_placement_group)
