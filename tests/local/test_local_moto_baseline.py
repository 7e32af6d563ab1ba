"""Launch-path calls a control plane makes that moto already gets right.

No patch is involved here; these tests pin the behaviour we rely on, so a
moto upgrade that breaks it is noticed.
"""

from __future__ import annotations

CLUSTER_TAG = {"Key": "corral:cluster", "Value": "c1"}


def _template(ec2, image_id: str) -> dict:
    return ec2.create_launch_template(
        LaunchTemplateName="corral-c1",
        LaunchTemplateData={
            "ImageId": image_id,
            "InstanceType": "c5n.18xlarge",
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [CLUSTER_TAG]}],
        },
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [CLUSTER_TAG]}],
    )["LaunchTemplate"]


def test_launch_template_tags_and_filter(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    template = _template(ec2, own_ami)
    assert template["Tags"] == [CLUSTER_TAG]
    ec2.create_launch_template(
        LaunchTemplateName="unrelated", LaunchTemplateData={"ImageId": own_ami}
    )
    found = ec2.describe_launch_templates(
        Filters=[{"Name": "tag:corral:cluster", "Values": ["c1"]}]
    )["LaunchTemplates"]
    assert [t["LaunchTemplateId"] for t in found] == [template["LaunchTemplateId"]]
    none = ec2.describe_launch_templates(Filters=[{"Name": "tag:corral:cluster", "Values": ["c2"]}])
    assert none["LaunchTemplates"] == []


def test_instant_fleet_tags_describe_terminate_delete(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    template = _template(ec2, own_ami)
    ec2.run_instances(ImageId=own_ami, MinCount=1, MaxCount=1)  # some other instance
    fleet = ec2.create_fleet(
        Type="instant",
        LaunchTemplateConfigs=[
            {
                "LaunchTemplateSpecification": {
                    "LaunchTemplateId": template["LaunchTemplateId"],
                    "Version": "$Latest",
                },
                "Overrides": [{"InstanceType": "c5n.18xlarge"}],
            }
        ],
        TargetCapacitySpecification={
            "TotalTargetCapacity": 3,
            "DefaultTargetCapacityType": "on-demand",
        },
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "corral:node", "Value": "worker"}]},
            {"ResourceType": "fleet", "Tags": [CLUSTER_TAG]},
        ],
    )
    ids = sorted(i for entry in fleet["Instances"] for i in entry["InstanceIds"])
    assert len(ids) == 3
    assert {e["Lifecycle"] for e in fleet["Instances"]} == {"on-demand"}
    [described_fleet] = ec2.describe_fleets(FleetIds=[fleet["FleetId"]])["Fleets"]
    assert described_fleet["Tags"] == [CLUSTER_TAG]

    tagged = ec2.describe_instances(Filters=[{"Name": "tag:corral:cluster", "Values": ["c1"]}])
    instances = [i for r in tagged["Reservations"] for i in r["Instances"]]
    assert sorted(i["InstanceId"] for i in instances) == ids
    for instance in instances:
        tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
        assert tags["corral:cluster"] == "c1" and tags["corral:node"] == "worker"
        assert instance["InstanceType"] == "c5n.18xlarge"
        assert instance["State"]["Name"] == "running"

    terminating = ec2.terminate_instances(InstanceIds=ids)["TerminatingInstances"]
    assert sorted(t["InstanceId"] for t in terminating) == ids
    states = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    assert {i["State"]["Name"] for r in states for i in r["Instances"]} == {"terminated"}
    live = ec2.describe_instances(
        Filters=[
            {"Name": "tag:corral:cluster", "Values": ["c1"]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]},
        ]
    )
    assert live["Reservations"] == []

    deleted = ec2.delete_launch_template(LaunchTemplateName="corral-c1")["LaunchTemplate"]
    assert deleted["LaunchTemplateId"] == template["LaunchTemplateId"]
    assert ec2.describe_launch_templates()["LaunchTemplates"] == []


def test_describe_instance_types(customer_aws):
    types = customer_aws("ec2").describe_instance_types(
        InstanceTypes=["c5n.18xlarge", "c5.4xlarge", "hpc7g.16xlarge"]
    )["InstanceTypes"]
    by_name = {t["InstanceType"]: t for t in types}
    c5n = by_name["c5n.18xlarge"]
    assert c5n["VCpuInfo"]["DefaultVCpus"] == 72
    assert c5n["VCpuInfo"]["DefaultCores"] == 36
    assert c5n["MemoryInfo"]["SizeInMiB"] == 196608
    assert c5n["NetworkInfo"]["EfaSupported"] is True
    c5 = by_name["c5.4xlarge"]
    assert c5["VCpuInfo"]["DefaultVCpus"] == 16
    assert c5["MemoryInfo"]["SizeInMiB"] == 32768
    assert c5["NetworkInfo"]["EfaSupported"] is False
    hpc = by_name["hpc7g.16xlarge"]
    assert hpc["NetworkInfo"]["EfaSupported"] is True
    assert hpc["ProcessorInfo"]["SupportedArchitectures"] == ["arm64"]
