"""CreateFleet is idempotent by ClientToken in the emulator, as on AWS."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError



DEFAULT_AMI = "ami-03cf127a"   # moto's first default AMI (tests/local/conftest.py)


def _fleet(ec2, token, count=2):
    lt = ec2.create_launch_template(LaunchTemplateName=f"lt-{token}-{count}", LaunchTemplateData={
        "ImageId": DEFAULT_AMI, "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
    return ec2.create_fleet(Type="instant", ClientToken=token, LaunchTemplateConfigs=[
        {"LaunchTemplateSpecification": {"LaunchTemplateId": lt, "Version": "$Latest"}}],
        TargetCapacitySpecification={"TotalTargetCapacity": count,
                                     "DefaultTargetCapacityType": "on-demand"})


def _ids(reply):
    return sorted(i for g in reply["Instances"] for i in g["InstanceIds"])


def test_the_same_token_returns_the_first_fleet_and_launches_nothing_more(customer_aws):
    ec2 = customer_aws("ec2")
    lt = ec2.create_launch_template(LaunchTemplateName="lt-same", LaunchTemplateData={
        "ImageId": DEFAULT_AMI, "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
    request = dict(Type="instant", ClientToken="corral-same", LaunchTemplateConfigs=[
        {"LaunchTemplateSpecification": {"LaunchTemplateId": lt, "Version": "$Latest"}}],
        TargetCapacitySpecification={"TotalTargetCapacity": 2,
                                     "DefaultTargetCapacityType": "on-demand"})
    first, again = ec2.create_fleet(**request), ec2.create_fleet(**request)
    assert first["FleetId"] == again["FleetId"] and _ids(first) == _ids(again)
    assert len(ec2.describe_fleets()["Fleets"]) == 1      # nothing more was launched
    other = ec2.create_fleet(**{**request, "ClientToken": "corral-other"})
    assert other["FleetId"] != first["FleetId"]


def test_the_same_token_with_other_parameters_is_a_mismatch(customer_aws):
    ec2 = customer_aws("ec2")
    _fleet(ec2, "corral-mismatch", count=1)
    with pytest.raises(ClientError) as e:
        _fleet(ec2, "corral-mismatch", count=2)
    assert e.value.response["Error"]["Code"] == "IdempotentParameterMismatch"
