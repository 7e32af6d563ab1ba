"""The Emulator: a real moto server on loopback, with the extensions, over HTTP."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from local.accounts import (
    DEMO_CUSTOMER_ACCOUNT_ID,
    PLATFORM_ACCOUNT_ID,
    bootstrap_account,
    publish_platform_images,
)
from local.emulator import Emulator
from tests.local.conftest import node_profile


@pytest.fixture(scope="module")
def endpoint():
    with Emulator() as emulator:
        yield emulator.endpoint_url


def _client(endpoint: str, service: str, creds: dict[str, str]):
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, **creds)


def test_emulator_end_to_end(endpoint):
    assert endpoint.startswith("http://127.0.0.1:")
    platform_creds = bootstrap_account(PLATFORM_ACCOUNT_ID, "platform-admin")
    customer_creds = bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "customer-admin")
    [image] = publish_platform_images(
        {**platform_creds, "endpoint_url": endpoint}, ["us-east-1"], ["2025.1"]
    )["us-east-1"]
    _client(endpoint, "ec2", platform_creds).modify_image_attribute(
        ImageId=image["image_id"],
        LaunchPermission={"Add": [{"UserId": DEMO_CUSTOMER_ACCOUNT_ID}]},
    )
    _client(endpoint, "iam", customer_creds).create_role(
        RoleName="Corral",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{PLATFORM_ACCOUNT_ID}:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": "x-1"}},
                    }
                ],
            }
        ),
    )
    sts = _client(endpoint, "sts", platform_creds)
    role_arn = f"arn:aws:iam::{DEMO_CUSTOMER_ACCOUNT_ID}:role/Corral"
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="corral", ExternalId="wrong")
    assert excinfo.value.response["Error"]["Code"] == "AccessDenied"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="corral", ExternalId="x-1")[
        "Credentials"
    ]
    assumed = {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }
    ec2 = _client(endpoint, "ec2", assumed)
    # The nodes' profile: without AmazonSSMManagedInstanceCore, SSM would never list them.
    profile = node_profile(lambda service: _client(endpoint, service, customer_creds))
    ec2.create_placement_group(GroupName="c1", Strategy="cluster")
    template_id = ec2.create_launch_template(
        LaunchTemplateName="c1",
        LaunchTemplateData={
            "ImageId": image["image_id"],
            "InstanceType": "c5n.18xlarge",
            "Placement": {"GroupName": "c1"},
            "IamInstanceProfile": {"Arn": profile},
        },
    )["LaunchTemplate"]["LaunchTemplateId"]
    fleet = ec2.create_fleet(
        Type="instant",
        LaunchTemplateConfigs=[
            {"LaunchTemplateSpecification": {"LaunchTemplateId": template_id, "Version": "$Latest"}}
        ],
        TargetCapacitySpecification={
            "TotalTargetCapacity": 2,
            "DefaultTargetCapacityType": "on-demand",
        },
    )
    ids = sorted(i for entry in fleet["Instances"] for i in entry["InstanceIds"])
    assert len(ids) == 2
    reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    assert {i["Placement"]["GroupName"] for r in reservations for i in r["Instances"]} == {"c1"}
    assert {r["OwnerId"] for r in reservations} == {DEMO_CUSTOMER_ACCOUNT_ID}

    nodes = _client(endpoint, "ssm", assumed).describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": ids}]
    )["InstanceInformationList"]
    assert sorted(n["InstanceId"] for n in nodes) == ids
    assert {n["PingStatus"] for n in nodes} == {"Online"}
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_placement_group(GroupName="c1")
    assert excinfo.value.response["Error"]["Code"] == "InvalidPlacementGroup.InUse"


def test_emulator_start_stop_is_reusable():
    emulator = Emulator()
    url = emulator.start()
    assert emulator.start() == url  # already running
    emulator.stop()
    emulator.stop()  # harmless
    assert emulator.endpoint_url is None
