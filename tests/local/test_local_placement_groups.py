"""EC2 placement groups: create, describe, delete, tags, errors."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError


def _error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_create_and_describe(customer_aws):
    ec2 = customer_aws("ec2")
    created = ec2.create_placement_group(
        GroupName="corral-c1",
        Strategy="cluster",
        TagSpecifications=[
            {"ResourceType": "placement-group", "Tags": [{"Key": "corral:cluster", "Value": "c1"}]}
        ],
    )["PlacementGroup"]
    assert created["GroupName"] == "corral-c1"
    assert created["Strategy"] == "cluster"
    assert created["State"] == "available"
    assert re.fullmatch(r"pg-[0-9a-f]{17}", created["GroupId"])
    assert created["Tags"] == [{"Key": "corral:cluster", "Value": "c1"}]
    ec2.create_placement_group(GroupName="other", Strategy="spread")

    by_name = ec2.describe_placement_groups(GroupNames=["corral-c1"])["PlacementGroups"]
    assert [g["GroupId"] for g in by_name] == [created["GroupId"]]
    by_id = ec2.describe_placement_groups(GroupIds=[created["GroupId"]])["PlacementGroups"]
    assert [g["GroupName"] for g in by_id] == ["corral-c1"]
    by_tag = ec2.describe_placement_groups(
        Filters=[{"Name": "tag:corral:cluster", "Values": ["c1"]}]
    )["PlacementGroups"]
    assert [g["GroupName"] for g in by_tag] == ["corral-c1"]
    by_filter = ec2.describe_placement_groups(
        Filters=[{"Name": "group-name", "Values": ["other"]}]
    )["PlacementGroups"]
    assert [g["Strategy"] for g in by_filter] == ["spread"]
    assert len(ec2.describe_placement_groups()["PlacementGroups"]) == 2


def test_partition_strategy_has_partition_count(customer_aws):
    ec2 = customer_aws("ec2")
    group = ec2.create_placement_group(
        GroupName="p", Strategy="partition", PartitionCount=3
    )["PlacementGroup"]
    assert group["PartitionCount"] == 3


def test_tags_visible_through_describe_tags(customer_aws):
    ec2 = customer_aws("ec2")
    group_id = ec2.create_placement_group(GroupName="g", Strategy="cluster")["PlacementGroup"][
        "GroupId"
    ]
    ec2.create_tags(Resources=[group_id], Tags=[{"Key": "team", "Value": "hpc"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [group_id]}])["Tags"]
    assert tags == [
        {"Key": "team", "Value": "hpc", "ResourceId": group_id, "ResourceType": "placement-group"}
    ]
    ec2.delete_placement_group(GroupName="g")
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [group_id]}])["Tags"] == []


def test_duplicate_name(customer_aws):
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g", Strategy="cluster")
    with pytest.raises(ClientError) as excinfo:
        ec2.create_placement_group(GroupName="g", Strategy="spread")
    assert _error_code(excinfo) == "InvalidPlacementGroup.Duplicate"


def test_invalid_strategy(customer_aws):
    with pytest.raises(ClientError) as excinfo:
        customer_aws("ec2").create_placement_group(GroupName="g", Strategy="bogus")
    assert _error_code(excinfo) == "InvalidParameterValue"


def test_unknown_group(customer_aws):
    ec2 = customer_aws("ec2")
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_placement_groups(GroupNames=["nope"])
    assert _error_code(excinfo) == "InvalidPlacementGroup.Unknown"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_placement_groups(GroupIds=["pg-0123456789abcdef0"])
    assert _error_code(excinfo) == "InvalidPlacementGroup.Unknown"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_placement_group(GroupName="nope")
    assert _error_code(excinfo) == "InvalidPlacementGroup.Unknown"


def test_delete_in_use_then_after_termination(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g", Strategy="cluster")
    instance_id = ec2.run_instances(
        ImageId=own_ami, MinCount=1, MaxCount=1, Placement={"GroupName": "g"}
    )["Instances"][0]["InstanceId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_placement_group(GroupName="g")
    assert _error_code(excinfo) == "InvalidPlacementGroup.InUse"

    ec2.terminate_instances(InstanceIds=[instance_id])
    ec2.delete_placement_group(GroupName="g")
    assert ec2.describe_placement_groups()["PlacementGroups"] == []


def test_groups_are_per_account_and_region(customer_aws, platform_aws):
    customer_aws("ec2").create_placement_group(GroupName="g", Strategy="cluster")
    assert platform_aws("ec2").describe_placement_groups()["PlacementGroups"] == []
    assert customer_aws("ec2", "eu-west-1").describe_placement_groups()["PlacementGroups"] == []
    # the same name is free in another account and another region
    platform_aws("ec2").create_placement_group(GroupName="g", Strategy="cluster")
    customer_aws("ec2", "eu-west-1").create_placement_group(GroupName="g", Strategy="cluster")
