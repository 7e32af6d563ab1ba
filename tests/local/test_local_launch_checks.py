"""RunInstances and CreateFleet: placement groups and image checks at launch."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _template(ec2, image_id: str, group: str | None = None, name: str = "lt") -> str:
    data = {"ImageId": image_id, "InstanceType": "c5n.18xlarge"}
    if group:
        data["Placement"] = {"GroupName": group}
    return ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)[
        "LaunchTemplate"
    ]["LaunchTemplateId"]


def _fleet(ec2, template_id: str, count: int = 2, kind="instant", capacity="on-demand", **extra):
    spec = {"LaunchTemplateId": template_id, "Version": "$Latest"}
    return ec2.create_fleet(
        Type=kind,
        LaunchTemplateConfigs=[{"LaunchTemplateSpecification": spec, **extra}],
        TargetCapacitySpecification={
            "TotalTargetCapacity": count,
            "DefaultTargetCapacityType": capacity,
        },
    )


def _instant_fleet(ec2, template_id: str, count: int = 2, **extra):
    return _fleet(ec2, template_id, count, **extra)


def _placements(ec2, instance_ids):
    reservations = ec2.describe_instances(InstanceIds=instance_ids)["Reservations"]
    return [i["Placement"] for r in reservations for i in r["Instances"]]


def test_run_instances_records_placement_group(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    group_id = ec2.create_placement_group(GroupName="g", Strategy="cluster")["PlacementGroup"][
        "GroupId"
    ]
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(
            ImageId=own_ami, MinCount=2, MaxCount=2, Placement={"GroupName": "g"}
        )["Instances"]
    ]
    ec2.run_instances(ImageId=own_ami, MinCount=1, MaxCount=1)  # not in the group
    placements = _placements(ec2, ids)
    assert [p["GroupName"] for p in placements] == ["g", "g"]
    assert [p["GroupId"] for p in placements] == [group_id, group_id]
    in_group = ec2.describe_instances(Filters=[{"Name": "placement-group-name", "Values": ["g"]}])
    found = [i["InstanceId"] for r in in_group["Reservations"] for i in r["Instances"]]
    assert sorted(found) == sorted(ids)


def test_run_instances_from_template_placement(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g", Strategy="cluster")
    template_id = _template(ec2, own_ami, group="g")
    instance = ec2.run_instances(
        LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1
    )["Instances"][0]
    assert _placements(ec2, [instance["InstanceId"]])[0]["GroupName"] == "g"
    assert instance["ImageId"] == own_ami


def test_run_instances_unknown_placement_group(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(
            ImageId=own_ami, MinCount=1, MaxCount=1, Placement={"GroupName": "nope"}
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidPlacementGroup.Unknown"
    template_id = _template(ec2, own_ami, group="nope")
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidPlacementGroup.Unknown"
    assert ec2.describe_instances()["Reservations"] == []


def test_run_instances_unknown_image(customer_aws):
    ec2 = customer_aws("ec2")
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_run_instances_deregistered_image(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    ec2.deregister_image(ImageId=own_ami)
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(ImageId=own_ami, MinCount=1, MaxCount=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_instant_fleet_honours_template_placement(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g", Strategy="cluster")
    fleet = _instant_fleet(ec2, _template(ec2, own_ami, group="g"), count=3)
    ids = [i for entry in fleet["Instances"] for i in entry["InstanceIds"]]
    assert len(ids) == 3
    assert "Errors" not in fleet or fleet["Errors"] == []
    assert {p["GroupName"] for p in _placements(ec2, ids)} == {"g"}


def test_instant_fleet_override_placement(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g2", Strategy="cluster")
    fleet = _instant_fleet(
        ec2,
        _template(ec2, own_ami),
        count=1,
        Overrides=[{"InstanceType": "c5.4xlarge", "Placement": {"GroupName": "g2"}}],
    )
    ids = fleet["Instances"][0]["InstanceIds"]
    assert _placements(ec2, ids)[0]["GroupName"] == "g2"


def test_instant_fleet_unknown_placement_group_reports_error(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    template_id = _template(ec2, own_ami, group="missing")
    fleet = _instant_fleet(ec2, template_id)
    assert fleet.get("Instances", []) == []
    [error] = fleet["Errors"]
    assert error["ErrorCode"] == "InvalidPlacementGroup.Unknown"
    assert error["Lifecycle"] == "on-demand"
    assert error["LaunchTemplateAndOverrides"]["LaunchTemplateSpecification"] == {
        "LaunchTemplateId": template_id,
        "Version": "1",
    }
    assert ec2.describe_instances()["Reservations"] == []
    described = ec2.describe_fleets(FleetIds=[fleet["FleetId"]])["Fleets"][0]
    assert described["TargetCapacitySpecification"]["TotalTargetCapacity"] == 2


def test_instant_fleet_unknown_image_reports_error(customer_aws):
    ec2 = customer_aws("ec2")
    template_id = _template(ec2, "ami-0123456789abcdef0")
    fleet = _instant_fleet(ec2, template_id)
    assert fleet.get("Instances", []) == []
    [error] = fleet["Errors"]
    assert error["ErrorCode"] == "InvalidAMIID.NotFound"
    assert "ami-0123456789abcdef0" in error["ErrorMessage"]
    assert error["Lifecycle"] == "on-demand"


def test_instant_fleet_launches_from_good_overrides_only(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    fleet = _instant_fleet(
        ec2,
        _template(ec2, own_ami),
        count=2,
        Overrides=[
            {"InstanceType": "c5.4xlarge", "ImageId": "ami-0123456789abcdef0"},
            {"InstanceType": "c5n.18xlarge"},
        ],
    )
    ids = [i for entry in fleet["Instances"] for i in entry["InstanceIds"]]
    assert len(ids) == 2
    assert {entry["InstanceType"] for entry in fleet["Instances"]} == {"c5n.18xlarge"}
    [error] = fleet["Errors"]
    assert error["ErrorCode"] == "InvalidAMIID.NotFound"
    assert error["LaunchTemplateAndOverrides"]["Overrides"]["InstanceType"] == "c5.4xlarge"


@pytest.mark.default_amis
def test_moto_default_amis_still_launch(customer_aws, default_ami):
    ec2 = customer_aws("ec2")
    instance = ec2.run_instances(ImageId=default_ami, MinCount=1, MaxCount=1)["Instances"][0]
    assert instance["ImageId"] == default_ami
    fleet = _instant_fleet(ec2, _template(ec2, default_ami), count=1)
    assert len(fleet["Instances"]) == 1


def test_spot_instant_fleet_error_lifecycle(customer_aws):
    ec2 = customer_aws("ec2")
    fleet = _fleet(ec2, _template(ec2, "ami-0123456789abcdef0"), 1, capacity="spot")
    assert [e["Lifecycle"] for e in fleet["Errors"]] == ["spot"]


def _fleet_instance_ids(ec2, fleet_id: str) -> list[str]:
    active = ec2.describe_fleet_instances(FleetId=fleet_id)["ActiveInstances"]
    return [i["InstanceId"] for i in active]


def test_maintain_fleet_placement_and_bad_template(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g", Strategy="cluster")
    good = _fleet(ec2, _template(ec2, own_ami, "g"), kind="maintain")
    assert "Errors" not in good
    ids = _fleet_instance_ids(ec2, good["FleetId"])
    assert len(ids) == 2
    assert {p["GroupName"] for p in _placements(ec2, ids)} == {"g"}

    bad = _fleet(ec2, _template(ec2, own_ami, "nope", name="lt2"), kind="maintain")
    assert "Errors" not in bad  # AWS reports launch errors only for instant fleets
    assert _fleet_instance_ids(ec2, bad["FleetId"]) == []
