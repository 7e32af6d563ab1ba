"""Cross-account AMI sharing: visibility in DescribeImages and use at launch."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID, PLATFORM_ACCOUNT_ID


@pytest.fixture
def platform_ami(platform_aws) -> str:
    ec2 = platform_aws("ec2")
    image_id = ec2.register_image(
        Name="bodo-2024.10-ami",
        Architecture="arm64",
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "corral:image", "Value": "platform"}]}
        ],
    )["ImageId"]
    return image_id


def _share(platform_aws, image_id: str, account=DEMO_CUSTOMER_ACCOUNT_ID, region="us-east-1"):
    platform_aws("ec2", region).modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": account}]}
    )


def _template(ec2, image_id: str, instance_type: str = "c5.4xlarge") -> str:
    data = {"ImageId": image_id, "InstanceType": instance_type}
    template = ec2.create_launch_template(LaunchTemplateName="lt", LaunchTemplateData=data)
    return template["LaunchTemplate"]["LaunchTemplateId"]


def _instant_fleet(ec2, template_id: str, count: int):
    spec = {"LaunchTemplateId": template_id, "Version": "$Latest"}
    return ec2.create_fleet(
        Type="instant",
        LaunchTemplateConfigs=[{"LaunchTemplateSpecification": spec}],
        TargetCapacitySpecification={
            "TotalTargetCapacity": count,
            "DefaultTargetCapacityType": "on-demand",
        },
    )


def _ids(response) -> list[str]:
    return [i["ImageId"] for i in response["Images"]]


def test_unshared_image_is_invisible_and_unlaunchable(platform_aws, customer_aws, platform_ami):
    ec2 = customer_aws("ec2")
    assert platform_ami not in _ids(ec2.describe_images())
    assert _ids(ec2.describe_images(Owners=[PLATFORM_ACCOUNT_ID])) == []
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_images(ImageIds=[platform_ami])
    assert excinfo.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(ImageId=platform_ami, MinCount=1, MaxCount=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_shared_image_is_visible(platform_aws, customer_aws, platform_ami, own_ami):
    _share(platform_aws, platform_ami)
    ec2 = customer_aws("ec2")
    assert _ids(ec2.describe_images(Owners=[PLATFORM_ACCOUNT_ID])) == [platform_ami]
    assert _ids(ec2.describe_images(ExecutableUsers=["self"])) == [platform_ami]
    assert _ids(ec2.describe_images(ImageIds=[platform_ami])) == [platform_ami]
    assert sorted(_ids(ec2.describe_images())) == sorted([platform_ami, own_ami])
    assert _ids(ec2.describe_images(Owners=["self"])) == [own_ami]
    by_name = ec2.describe_images(Filters=[{"Name": "name", "Values": ["bodo-*-ami"]}])
    [image] = by_name["Images"]
    assert image["ImageId"] == platform_ami
    assert image["OwnerId"] == PLATFORM_ACCOUNT_ID
    assert image["Architecture"] == "arm64"
    # As on AWS, the owner's tags are not shared with the consumer.
    assert image.get("Tags", []) == []
    by_tag = ec2.describe_images(Filters=[{"Name": "tag:corral:image", "Values": ["platform"]}])
    assert by_tag["Images"] == []
    # The owner still sees its tags.
    [own_view] = platform_aws("ec2").describe_images(ImageIds=[platform_ami])["Images"]
    assert own_view["Tags"] == [{"Key": "corral:image", "Value": "platform"}]


def test_shared_image_launches(platform_aws, customer_aws, platform_ami):
    _share(platform_aws, platform_ami)
    ec2 = customer_aws("ec2")
    instance = ec2.run_instances(ImageId=platform_ami, MinCount=1, MaxCount=1)["Instances"][0]
    assert instance["ImageId"] == platform_ami
    [described] = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0][
        "Instances"
    ]
    assert described["Architecture"] == "arm64"
    fleet = _instant_fleet(ec2, _template(ec2, platform_ami, "c6gn.16xlarge"), 2)
    assert sum(len(e["InstanceIds"]) for e in fleet["Instances"]) == 2
    assert fleet.get("Errors", []) == []


def test_sharing_with_another_account_does_not_help(platform_aws, customer_aws, platform_ami):
    _share(platform_aws, platform_ami, account="999999999999")
    ec2 = customer_aws("ec2")
    assert _ids(ec2.describe_images(Owners=[PLATFORM_ACCOUNT_ID])) == []
    with pytest.raises(ClientError):
        ec2.run_instances(ImageId=platform_ami, MinCount=1, MaxCount=1)


def test_unshared_image_in_instant_fleet_reports_error(platform_aws, customer_aws, platform_ami):
    ec2 = customer_aws("ec2")
    template_id = _template(ec2, platform_ami)
    fleet = _instant_fleet(ec2, template_id, 1)
    assert fleet.get("Instances", []) == []
    [error] = fleet["Errors"]
    assert error["ErrorCode"] == "InvalidAMIID.NotFound"
    assert error["Lifecycle"] == "on-demand"
    spec = error["LaunchTemplateAndOverrides"]["LaunchTemplateSpecification"]
    assert spec["LaunchTemplateId"] == template_id


def test_image_shared_in_other_region_is_not_visible(platform_aws, customer_aws):
    west = platform_aws("ec2", "eu-west-1")
    image_id = west.register_image(Name="bodo-west-ami")["ImageId"]
    _share(platform_aws, image_id, region="eu-west-1")
    assert _ids(customer_aws("ec2", "eu-west-1").describe_images(ImageIds=[image_id])) == [image_id]
    with pytest.raises(ClientError) as excinfo:
        customer_aws("ec2").run_instances(ImageId=image_id, MinCount=1, MaxCount=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_deregistered_shared_image(platform_aws, customer_aws, platform_ami):
    _share(platform_aws, platform_ami)
    platform_aws("ec2").deregister_image(ImageId=platform_ami)
    ec2 = customer_aws("ec2")
    assert _ids(ec2.describe_images(Owners=[PLATFORM_ACCOUNT_ID])) == []
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(ImageId=platform_ami, MinCount=1, MaxCount=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_unsharing_revokes(platform_aws, customer_aws, platform_ami):
    _share(platform_aws, platform_ami)
    platform_aws("ec2").modify_image_attribute(
        ImageId=platform_ami, LaunchPermission={"Remove": [{"UserId": DEMO_CUSTOMER_ACCOUNT_ID}]}
    )
    assert _ids(customer_aws("ec2").describe_images(Owners=[PLATFORM_ACCOUNT_ID])) == []


def test_public_image_is_visible(platform_aws, customer_aws, platform_ami):
    platform_aws("ec2").modify_image_attribute(
        ImageId=platform_ami, LaunchPermission={"Add": [{"Group": "all"}]}
    )
    ec2 = customer_aws("ec2")
    assert _ids(ec2.describe_images(Owners=[PLATFORM_ACCOUNT_ID])) == [platform_ami]
    ec2.run_instances(ImageId=platform_ami, MinCount=1, MaxCount=1)
