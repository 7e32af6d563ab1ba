"""AWS faults during a launch: passing ones are retried, lasting ones fail the cluster with
AWS's reason in the task, and nothing is left running."""
from __future__ import annotations

from handlers.tick import tick
from tests import faults


def task_of(platform, cluster):
    return platform.request("GET", f"/v1/tasks/{cluster['taskUUID']}").json_body


def assert_nothing_left(platform, uuid):
    states = {i["State"]["Name"] for i in platform.customer_instances(uuid)}
    assert states <= {"terminated"}
    ec2 = platform.customer("ec2")
    assert not ec2.describe_launch_templates(Filters=[
        {"Name": "tag:corral:cluster", "Values": [uuid]}])["LaunchTemplates"]
    assert not ec2.describe_placement_groups(Filters=[
        {"Name": "tag:corral:cluster", "Values": [uuid]}])["PlacementGroups"]


def test_throttling_is_retried_until_it_passes(platform):
    c = platform.create_cluster()
    injected = faults.fail("ec2", "CreateFleet", "RequestLimitExceeded", "Request limit exceeded.",
                           times=6, status=503)
    platform.settle(step_seconds=31)
    assert platform.cluster(c["uuid"])["status"] == "RUNNING"
    assert injected["calls"] > 6  # botocore's own retries, then the engine's


def test_insufficient_capacity_fails_with_the_reason_and_releases_everything(platform):
    c = platform.create_cluster()
    faults.fail("ec2", "CreateFleet", "InsufficientInstanceCapacity",
                "We currently do not have sufficient c5.2xlarge capacity.", times=100)
    platform.settle()
    got = platform.cluster(c["uuid"])
    assert got["status"] == "FAILED"
    assert "InsufficientInstanceCapacity" in got["failureReason"]
    task = task_of(platform, got)
    assert task["status"] == "FAILED"
    assert any("sufficient c5.2xlarge capacity" in d for d in task["details"])
    assert_nothing_left(platform, c["uuid"])


def test_access_denied_fails_the_launch(platform):
    c = platform.create_cluster()
    faults.fail("ec2", "CreateLaunchTemplate", "UnauthorizedOperation",
                "You are not authorized to perform this operation.", times=100, status=403)
    platform.settle()
    got = platform.cluster(c["uuid"])
    assert got["status"] == "FAILED" and "UnauthorizedOperation" in got["failureReason"]
    assert_nothing_left(platform, c["uuid"])


def test_an_image_the_account_cannot_use_fails_the_launch(platform):
    c = platform.create_cluster()
    platform_ec2 = __import__("boto3").Session(**platform.platform_creds).client(
        "ec2", region_name="us-east-1")
    platform_ec2.modify_image_attribute(ImageId=c["imageId"], LaunchPermission={
        "Remove": [{"UserId": platform.demo.customer_account_id}]})
    platform.settle()
    got = platform.cluster(c["uuid"])
    assert got["status"] == "FAILED"
    assert "InvalidAMIID" in got["failureReason"]
    assert_nothing_left(platform, c["uuid"])


def test_a_failed_cluster_can_be_removed(platform):
    c = platform.create_cluster()
    faults.fail("ec2", "CreateFleet", "InsufficientInstanceCapacity", "none", times=100)
    platform.settle()
    reply = platform.request("DELETE", f"/v1/clusters/{c['uuid']}")
    assert reply.status_code == 200
    platform.settle()
    assert platform.cluster(c["uuid"])["status"] == "TERMINATED"


def test_removal_while_creating_releases_the_half_made_cluster(platform):
    c = platform.create_cluster(workersQuantity=2)
    # Run creation up to the fleet launch, then ask for removal before readiness is seen.
    for _ in range(4):
        platform.pump.drain(limit=1)
    platform.request("DELETE", f"/v1/clusters/{c['uuid']}")
    platform.settle()
    got = platform.cluster(c["uuid"])
    assert got["status"] == "TERMINATED"
    assert_nothing_left(platform, c["uuid"])
    assert tick() == 0


def test_a_step_that_keeps_failing_says_why_once_and_goes_on_when_it_passes(platform):
    c = platform.create_cluster()
    faults.fail("ec2", "CreatePlacementGroup", "RequestLimitExceeded", "Request limit exceeded.",
                times=30, status=503)
    platform.settle(step_seconds=31)
    got = platform.cluster(c["uuid"])
    assert got["status"] == "RUNNING"
    details = task_of(platform, got)["details"]
    retries = [d for d in details if d.startswith("Retrying")]
    assert len(retries) == 1 and "RequestLimitExceeded" in retries[0], details


def test_a_removal_the_account_refuses_waits_visibly_then_finishes(platform):
    c = platform.create_cluster()
    platform.settle()
    refused = faults.fail("ec2", "TerminateInstances", "UnauthorizedOperation",
                          "You are not authorized to perform this operation.", times=3, status=403)
    removal = platform.request("DELETE", f"/v1/clusters/{c['uuid']}").json_body
    platform.pump.drain()
    assert platform.cluster(c["uuid"])["status"] == "TERMINATING"
    task = platform.request("GET", f"/v1/tasks/{removal['taskUUID']}").json_body
    assert any("UnauthorizedOperation" in d for d in task["details"]), task["details"]
    platform.settle(step_seconds=31)
    assert refused["left"] == 0
    assert platform.cluster(c["uuid"])["status"] == "TERMINATED"
    assert_nothing_left(platform, c["uuid"])
