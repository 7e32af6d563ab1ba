"""Zones: before anything is made, a DryRun of the launch in each zone of the organization
network (capacity, the vCPU quota, types a zone does not offer); the launch goes whole into
one zone, and on InsufficientInstanceCapacity to the next one, each attempt said in the task.
Run on the emulated customer account, whose zones have the capacity a test gives them
(local/moto_ext/capacity.py)."""
from __future__ import annotations

from local.moto_ext import capacity
from tests import faults
from tests.clusters.orphans import assert_no_orphans

REGION = "us-east-1"
TYPE = "c5.2xlarge"
NEVER_IDLE = {"autoStop": 0, "autoPause": 0}


def _details(platform, cluster: dict) -> list[str]:
    return platform.request("GET", f"/v1/tasks/{cluster['taskUUID']}").json_body["details"]


def _zones_of(platform, cluster_uuid: str) -> set[str]:
    return {i["Placement"]["AvailabilityZone"] for i in platform.customer_instances(cluster_uuid)
            if i["State"]["Name"] != "terminated"}


def _subnet_zone(platform, subnet_id: str) -> str:
    return platform.customer("ec2").describe_subnets(SubnetIds=[subnet_id])[
        "Subnets"][0]["AvailabilityZone"]


def _nothing_made(platform, cluster_uuid: str) -> None:
    ec2 = platform.customer("ec2")
    name = f"corral-{cluster_uuid}"
    assert not platform.customer_instances(cluster_uuid)
    assert not [g for g in ec2.describe_placement_groups()["PlacementGroups"]
                if g["GroupName"] == name]
    assert not [t for t in ec2.describe_launch_templates()["LaunchTemplates"]
                if t["LaunchTemplateName"] == name]


def test_a_zone_without_capacity_is_skipped_before_anything_is_made(platform):
    capacity.set_capacity(REGION, "us-east-1a", TYPE, 0)
    created = platform.create_cluster(name="zoned", instanceType=TYPE, workersQuantity=2,
                                      **NEVER_IDLE)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING", got
    assert got["availabilityZone"] == "us-east-1b" and got["autoAZ"] is True
    assert _zones_of(platform, created["uuid"]) == {"us-east-1b"}
    details = _details(platform, created)
    assert any(d.startswith(f"Pre-flight: 2 x {TYPE} can launch in us-east-1b; not in "
                            "us-east-1a: InsufficientInstanceCapacity") for d in details), details
    assert any("ready (nodes in us-east-1b)" in d for d in details), details
    # The only template version is the zone's: no launch went to us-east-1a.
    versions = platform.customer("ec2").describe_launch_template_versions(
        LaunchTemplateName=f"corral-{created['uuid']}")["LaunchTemplateVersions"]
    assert len(versions) == 1
    subnet = versions[0]["LaunchTemplateData"]["NetworkInterfaces"][0]["SubnetId"]
    assert _subnet_zone(platform, subnet) == "us-east-1b"


def test_no_capacity_in_any_zone_refuses_the_launch_naming_each_zone_and_makes_nothing(platform):
    for zone in ("us-east-1a", "us-east-1b"):
        capacity.set_capacity(REGION, zone, TYPE, 1)
    created = platform.create_cluster(name="big", instanceType=TYPE, workersQuantity=2)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED"
    reason = got["failureReason"]
    assert reason.startswith(f"no availability zone of {REGION} can launch 2 x {TYPE} now: ")
    assert "us-east-1a: InsufficientInstanceCapacity" in reason
    assert "us-east-1b: InsufficientInstanceCapacity" in reason
    _nothing_made(platform, created["uuid"])
    platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "TERMINATED"
    assert_no_orphans(platform)


def test_capacity_gone_at_launch_moves_to_the_next_zone_and_says_each_attempt(platform):
    # The pre-flight saw room everywhere; the first zone's launch then finds none.
    faults.fail("ec2", "CreateFleet", "InsufficientInstanceCapacity",
                "We currently do not have sufficient capacity", times=1)
    created = platform.create_cluster(name="moved", instanceType=TYPE, workersQuantity=2,
                                      **NEVER_IDLE)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING", got
    assert got["availabilityZone"] == "us-east-1b"
    assert _zones_of(platform, created["uuid"]) == {"us-east-1b"}
    details = _details(platform, created)
    assert any(d.startswith("No launch in us-east-1a: InsufficientInstanceCapacity") and
               d.endswith("trying us-east-1b") for d in details), details
    assert any(d.startswith("Launch template version 2: nodes in us-east-1b")
               for d in details), details
    # A later scale-up lands in the same zone and placement group.
    reply = platform.request("PATCH", f"/v1/clusters/{created['uuid']}", {"workersQuantity": 3})
    assert reply.status_code == 200, reply.body
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    assert _zones_of(platform, created["uuid"]) == {"us-east-1b"}
    assert len(platform.customer_instances(created["uuid"])) == 3
    assert_no_orphans(platform)


def test_every_zone_refusing_at_launch_fails_with_both_attempts_and_leaves_nothing(platform):
    faults.fail("ec2", "CreateFleet", "InsufficientInstanceCapacity", "none left", times=2)
    created = platform.create_cluster(name="none", instanceType=TYPE, workersQuantity=2)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED"
    assert got["failureReason"].startswith(f"no availability zone of {REGION} could launch")
    assert "us-east-1a: InsufficientInstanceCapacity: none left" in got["failureReason"]
    assert "us-east-1b: InsufficientInstanceCapacity: none left" in got["failureReason"]
    platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "TERMINATED"
    assert_no_orphans(platform)
    _nothing_made(platform, created["uuid"])


def test_a_zone_asked_for_is_the_only_one_and_a_refusal_names_those_that_would_work(platform):
    created = platform.create_cluster(name="pinned", instanceType=TYPE, workersQuantity=1,
                                      availabilityZone="us-east-1b", **NEVER_IDLE)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING" and got["availabilityZone"] == "us-east-1b"
    assert got["autoAZ"] is False

    capacity.set_capacity(REGION, "us-east-1a", TYPE, 0)
    refused = platform.create_cluster(name="full", instanceType=TYPE, workersQuantity=1,
                                      availabilityZone="us-east-1a")
    platform.settle()
    got = platform.cluster(refused["uuid"])
    assert got["status"] == "FAILED"
    assert got["failureReason"].startswith(f"1 x {TYPE} cannot launch in us-east-1a: "
                                           "InsufficientInstanceCapacity")
    assert got["failureReason"].endswith("zones that would work: us-east-1b")
    _nothing_made(platform, refused["uuid"])


def test_a_zone_the_type_or_the_network_does_not_have_is_a_400_naming_the_good_ones(platform):
    for zone in ("us-east-1e", "us-east-1c", "eu-west-1a"):
        reply = platform.request("POST", "/v1/clusters", {
            "name": "x", "instanceType": TYPE, "workersQuantity": 1, "availabilityZone": zone})
        assert reply.status_code == 400, reply.body
        assert reply.json_body["field"] == "availabilityZone"
        assert reply.json_body["message"].endswith("zones that would work: us-east-1a, us-east-1b")
    assert platform.request("GET", "/v2/clusters").json_body["metadata"]["total_items"] == 0


def test_the_vcpu_quota_is_named_and_nothing_is_made(platform):
    capacity.set_vcpu_limit(platform.demo.customer_account_id, REGION, 8)
    created = platform.create_cluster(name="quota", instanceType=TYPE, workersQuantity=2)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED"
    assert got["failureReason"].count("VcpuLimitExceeded") == 2, got["failureReason"]
    _nothing_made(platform, created["uuid"])
