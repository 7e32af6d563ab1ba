"""The emulator's zones (local/moto_ext/capacity.py): a type a zone does not offer, a zone
without room, the account's vCPU quota and a cluster placement group's one zone, answered
to RunInstances, to its DryRun and to an instant CreateFleet as AWS answers them (plain
moto launches all of it)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID
from local.moto_ext import capacity

TYPE = "c5.2xlarge"


@pytest.fixture
def ec2(customer_aws):
    capacity.reset()
    yield customer_aws("ec2")
    capacity.reset()


def _subnets(ec2) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    return {zone: ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24",
                                    AvailabilityZone=zone)["Subnet"]["SubnetId"]
            for i, zone in enumerate(("us-east-1a", "us-east-1b", "us-east-1e"))}


def _code(call) -> str:
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def _run(ec2, image, subnet, count, itype=TYPE, **extra):
    return ec2.run_instances(ImageId=image, InstanceType=itype, MinCount=count, MaxCount=count,
                             SubnetId=subnet, **extra)


def test_a_zone_without_room_refuses_the_launch_and_its_dry_run(ec2, own_ami):
    subnets = _subnets(ec2)
    capacity.set_capacity("us-east-1", "us-east-1a", TYPE, 2)
    a, b = subnets["us-east-1a"], subnets["us-east-1b"]
    assert _code(lambda: _run(ec2, own_ami, a, 3, DryRun=True)) == "InsufficientInstanceCapacity"
    assert _code(lambda: _run(ec2, own_ami, a, 2, DryRun=True)) == "DryRunOperation"
    assert _code(lambda: _run(ec2, own_ami, a, 3)) == "InsufficientInstanceCapacity"
    _run(ec2, own_ami, a, 2)
    assert _code(lambda: _run(ec2, own_ami, a, 1)) == "InsufficientInstanceCapacity"
    _run(ec2, own_ami, a, 1, itype="c5.4xlarge")   # another type: its own room
    _run(ec2, own_ami, b, 5)                        # another zone: room for anything


def test_a_type_the_zone_does_not_offer_is_unsupported(ec2, own_ami):
    subnets = _subnets(ec2)
    assert _code(lambda: _run(ec2, own_ami, subnets["us-east-1e"], 1, DryRun=True)) == \
        "Unsupported"
    with pytest.raises(ClientError) as e:
        _run(ec2, own_ami, subnets["us-east-1e"], 1)
    assert "us-east-1a, us-east-1b" in e.value.response["Error"]["Message"]


def test_the_vcpu_quota_counts_the_accounts_live_instances(ec2, own_ami):
    subnets = _subnets(ec2)
    capacity.set_vcpu_limit(DEMO_CUSTOMER_ACCOUNT_ID, "us-east-1", 16)   # two c5.2xlarge
    first = _run(ec2, own_ami, subnets["us-east-1a"], 2)["Instances"]
    assert _code(lambda: _run(ec2, own_ami, subnets["us-east-1b"], 1)) == "VcpuLimitExceeded"
    ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in first])
    _run(ec2, own_ami, subnets["us-east-1b"], 1)


def test_a_cluster_placement_group_stays_in_its_zone(ec2, own_ami):
    subnets = _subnets(ec2)
    ec2.create_placement_group(GroupName="pg", Strategy="cluster")
    _run(ec2, own_ami, subnets["us-east-1a"], 1, Placement={"GroupName": "pg"})
    assert _code(lambda: _run(ec2, own_ami, subnets["us-east-1b"], 1,
                              Placement={"GroupName": "pg"})) == "InsufficientInstanceCapacity"
    _run(ec2, own_ami, subnets["us-east-1a"], 1, Placement={"GroupName": "pg"})


def test_an_instant_fleet_into_a_full_zone_launches_nothing_and_says_why(ec2, own_ami):
    subnets = _subnets(ec2)
    capacity.set_capacity("us-east-1", "us-east-1a", TYPE, 1)
    template = ec2.create_launch_template(LaunchTemplateName="lt", LaunchTemplateData={
        "ImageId": own_ami, "InstanceType": TYPE,
        "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnets["us-east-1a"]}]},
    )["LaunchTemplate"]["LaunchTemplateId"]
    reply = ec2.create_fleet(
        Type="instant",
        LaunchTemplateConfigs=[{"LaunchTemplateSpecification": {
            "LaunchTemplateId": template, "Version": "$Latest"}}],
        TargetCapacitySpecification={"TotalTargetCapacity": 2,
                                     "DefaultTargetCapacityType": "on-demand"})
    assert not [i for g in reply.get("Instances", []) for i in g.get("InstanceIds", [])]
    assert [e["ErrorCode"] for e in reply["Errors"]] == ["InsufficientInstanceCapacity"]
