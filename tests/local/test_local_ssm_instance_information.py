"""SSM DescribeInstanceInformation over the caller's EC2 instances."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def launch(ssm_profile):
    """Launch instances with a profile that lets their SSM agent in."""
    def run(ec2, image_id: str, count: int, **extra) -> list[str]:
        return _launch(ec2, image_id, count, IamInstanceProfile={"Arn": ssm_profile}, **extra)
    return run


def _launch(ec2, image_id: str, count: int, **extra) -> list[str]:
    instances = ec2.run_instances(ImageId=image_id, MinCount=count, MaxCount=count, **extra)
    return [i["InstanceId"] for i in instances["Instances"]]


def test_running_instances_are_online(customer_aws, own_ami, launch):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    ids = launch(ec2, own_ami, 2)
    nodes = ssm.describe_instance_information()["InstanceInformationList"]
    assert sorted(n["InstanceId"] for n in nodes) == sorted(ids)
    described = {
        i["InstanceId"]: i
        for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
        for i in r["Instances"]
    }
    for node in nodes:
        assert node["PingStatus"] == "Online"
        assert node["PlatformType"] == "Linux"
        assert node["ResourceType"] == "EC2Instance"
        assert node["AgentVersion"]
        assert node["PlatformName"]
        assert node["LastPingDateTime"]
        assert node["IPAddress"] == described[node["InstanceId"]]["PrivateIpAddress"]
        assert node["ComputerName"] == described[node["InstanceId"]]["PrivateDnsName"]


def test_terminated_not_listed_and_stopped_connection_lost(customer_aws, own_ami, launch):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    running, stopped, terminated = launch(ec2, own_ami, 3)
    ec2.stop_instances(InstanceIds=[stopped])
    ec2.terminate_instances(InstanceIds=[terminated])
    nodes = ssm.describe_instance_information()["InstanceInformationList"]
    assert {n["InstanceId"]: n["PingStatus"] for n in nodes} == {
        running: "Online",
        stopped: "ConnectionLost",
    }
    online = ssm.describe_instance_information(
        Filters=[{"Key": "PingStatus", "Values": ["Online"]}]
    )["InstanceInformationList"]
    assert [n["InstanceId"] for n in online] == [running]


def test_filter_by_instance_ids(customer_aws, own_ami, launch):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    first, second, _third = launch(ec2, own_ami, 3)
    new = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [first, second]}]
    )["InstanceInformationList"]
    assert sorted(n["InstanceId"] for n in new) == sorted([first, second])
    legacy = ssm.describe_instance_information(
        InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": [second]}]
    )["InstanceInformationList"]
    assert [n["InstanceId"] for n in legacy] == [second]


def test_filter_by_tag(customer_aws, own_ami, launch):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    tagged = launch(
        ec2,
        own_ami,
        2,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "corral:cluster", "Value": "c1"}]}
        ],
    )
    launch(ec2, own_ami, 1)
    nodes = ssm.describe_instance_information(
        Filters=[{"Key": "tag:corral:cluster", "Values": ["c1"]}]
    )["InstanceInformationList"]
    assert sorted(n["InstanceId"] for n in nodes) == sorted(tagged)


def test_only_callers_account_and_region(customer_aws, platform_aws, own_ami, launch):
    launch(customer_aws("ec2"), own_ami, 1)
    assert platform_aws("ssm").describe_instance_information()["InstanceInformationList"] == []
    assert customer_aws("ssm", "eu-west-1").describe_instance_information()[
        "InstanceInformationList"
    ] == []


def test_pagination(customer_aws, own_ami, launch):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    ids = launch(ec2, own_ami, 12)
    first = ssm.describe_instance_information(MaxResults=5)
    assert len(first["InstanceInformationList"]) == 5
    second = ssm.describe_instance_information(MaxResults=5, NextToken=first["NextToken"])
    third = ssm.describe_instance_information(MaxResults=5, NextToken=second["NextToken"])
    assert len(third["InstanceInformationList"]) == 2
    assert "NextToken" not in third
    seen = [
        n["InstanceId"]
        for page in (first, second, third)
        for n in page["InstanceInformationList"]
    ]
    assert seen == ids
    default_page = ssm.describe_instance_information()
    assert len(default_page["InstanceInformationList"]) == 10
    paginated = ssm.get_paginator("describe_instance_information").paginate(
        PaginationConfig={"PageSize": 5}
    )
    assert [n["InstanceId"] for p in paginated for n in p["InstanceInformationList"]] == ids


def test_bad_requests(customer_aws):
    ssm = customer_aws("ssm")
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(NextToken="not-a-token")
    assert excinfo.value.response["Error"]["Code"] == "InvalidNextToken"
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(MaxResults=51)
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(Filters=[{"Key": "Bogus", "Values": ["x"]}])
    assert excinfo.value.response["Error"]["Code"] == "InvalidFilterKey"
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": ["i-1"]}],
            InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": ["i-1"]}],
        )
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"


def test_without_the_ssm_role_a_node_is_not_listed(customer_aws, own_ami, launch):
    """On AWS an agent without AmazonSSMManagedInstanceCore never registers."""
    from tests.local.conftest import node_profile
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    bare = _launch(ec2, own_ami, 1)
    weak = _launch(ec2, own_ami, 1, IamInstanceProfile={
        "Arn": node_profile(customer_aws, "no-ssm", ssm=False)})
    good = launch(ec2, own_ami, 1)
    nodes = ssm.describe_instance_information()["InstanceInformationList"]
    assert [n["InstanceId"] for n in nodes] == good
    assert not set(bare + weak) & {n["InstanceId"] for n in nodes}
