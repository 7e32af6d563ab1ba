"""CreateFleet and RunInstances launch what the launch template says: subnet, groups,
interface type, public IP, instance profile, and tags on interfaces and volumes (moto's own
CreateFleet drops all of it and lands in the default VPC)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def net(customer_aws):
    ec2 = customer_aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24",
                               AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="nodes", Description="n", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": subnet, "group": group}


def _tags(kind: str) -> dict:
    return {"ResourceType": kind, "Tags": [{"Key": "corral:cluster", "Value": "c1"}]}


def _template(ec2, image, net, profile, efa=True, public=False) -> str:
    nic = {"DeviceIndex": 0, "SubnetId": net["subnet"], "Groups": [net["group"]],
           "AssociatePublicIpAddress": public, "DeleteOnTermination": True}
    if efa:
        nic["InterfaceType"] = "efa"
    data = {"ImageId": image, "InstanceType": "c5n.18xlarge", "NetworkInterfaces": [nic],
            "IamInstanceProfile": {"Arn": profile},
            "TagSpecifications": [_tags("instance"), _tags("volume"), _tags("network-interface")]}
    return ec2.create_launch_template(LaunchTemplateName="lt", LaunchTemplateData=data)[
        "LaunchTemplate"]["LaunchTemplateId"]


def _fleet(ec2, template_id, count=2) -> list[str]:
    reply = ec2.create_fleet(
        Type="instant",
        LaunchTemplateConfigs=[{"LaunchTemplateSpecification": {
            "LaunchTemplateId": template_id, "Version": "$Latest"}}],
        TargetCapacitySpecification={"TotalTargetCapacity": count,
                                     "DefaultTargetCapacityType": "on-demand"})
    return [i for g in reply["Instances"] for i in g["InstanceIds"]]


def _described(ec2, ids) -> list[dict]:
    return [i for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
            for i in r["Instances"]]


def _assert_as_the_template_says(ec2, ids, net, profile, efa=True, public=False):
    instances = _described(ec2, ids)
    assert len(instances) == len(ids)
    for i in instances:
        assert i["SubnetId"] == net["subnet"] and i["VpcId"] == net["vpc"]
        assert i["Placement"]["AvailabilityZone"] == "us-east-1b"
        assert [g["GroupId"] for g in i["SecurityGroups"]] == [net["group"]]
        assert i["IamInstanceProfile"]["Arn"] == profile
        assert ("PublicIpAddress" in i) is public
        (eni,) = i["NetworkInterfaces"]
        assert eni["InterfaceType"] == ("efa" if efa else "interface")
    associations = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
    assert {a["InstanceId"] for a in associations} >= set(ids)
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "tag:corral:cluster", "Values": ["c1"]}])["NetworkInterfaces"]
    assert {e["Attachment"]["InstanceId"] for e in enis} == set(ids)
    assert {e["InterfaceType"] for e in enis} == {"efa" if efa else "interface"}
    volumes = ec2.describe_volumes(
        Filters=[{"Name": "tag:corral:cluster", "Values": ["c1"]}])["Volumes"]
    assert {v["Attachments"][0]["InstanceId"] for v in volumes} == set(ids)


def test_fleet_honours_the_template(customer_aws, own_ami, net, ssm_profile):
    ec2 = customer_aws("ec2")
    ids = _fleet(ec2, _template(ec2, own_ami, net, ssm_profile))
    _assert_as_the_template_says(ec2, ids, net, ssm_profile)


def test_fleet_public_ip_only_when_the_template_asks(customer_aws, own_ami, net, ssm_profile):
    ec2 = customer_aws("ec2")
    ids = _fleet(ec2, _template(ec2, own_ami, net, ssm_profile, efa=False, public=True), 1)
    _assert_as_the_template_says(ec2, ids, net, ssm_profile, efa=False, public=True)


def test_run_instances_with_the_template(customer_aws, own_ami, net, ssm_profile):
    ec2 = customer_aws("ec2")
    template = _template(ec2, own_ami, net, ssm_profile)
    reply = ec2.run_instances(MinCount=2, MaxCount=2,
                              LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"})
    ids = [i["InstanceId"] for i in reply["Instances"]]
    _assert_as_the_template_says(ec2, ids, net, ssm_profile)


def test_unknown_profile_is_refused_before_launch(customer_aws, own_ami, net):
    ec2 = customer_aws("ec2")
    missing = "arn:aws:iam::111111111111:instance-profile/nope"
    template = _template(ec2, own_ami, net, missing)
    with pytest.raises(ClientError) as err:
        ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateId": template})
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError):
        _fleet(ec2, template)
    live = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert live == []
