"""The reconciler and the faults it is there for: after each, no instance, interface or Elastic
IP is left in the customer account that no live cluster (nor the organization network) owns.
Resources of an unknown cluster (a crash between a launch and its recorded result) and late
ones of a TERMINATED cluster go after the grace, instances first, and the organization sees
what went and why in its tasks."""
from __future__ import annotations

import pytest

from chalicelib.cloud import sessions
from chalicelib.clusters import reconcile as r
from chalicelib.clusters.machine import Step
from chalicelib.kernel.ids import new_uuid
from chalicelib.kernel.state import load
from chalicelib.org_network import commands as org_network
from chalicelib.store import aggregates
from tests import faults
from tests.clusters.orphans import assert_no_orphans, orphans
from tests.engine.test_delivery import drive_until
from tests.org_network.helpers import assert_nothing_left, org_headers

REGION = "us-east-1"
NEVER_IDLE = {"autoStop": 0, "autoPause": 0}


def _reconciler(platform) -> r.Reconciler:
    org = platform.demo.organization.uuid
    row = aggregates.get(r.KIND, org, r.reconciler_uuid(org, REGION))
    assert row is not None, "no reconciler armed for the region"
    return load(r.Reconciler, row.state)


def _next_pass(platform) -> None:
    """Move the clock to the reconciler's next pass and let everything settle."""
    org = platform.demo.organization.uuid
    due = aggregates.get(r.KIND, org, r.reconciler_uuid(org, REGION)).due_at   # the due index
    platform.clock.advance(max(0.0, due - platform.clock()) + 1)
    platform.settle()


def _tags(platform, cluster_uuid: str) -> list[dict]:
    return [{"Key": "corral:organization", "Value": platform.demo.organization.uuid},
            {"Key": "corral:workspace", "Value": platform.demo.workspace.uuid},
            {"Key": "corral:cluster", "Value": cluster_uuid}]


def _launch_behind(platform, cluster_uuid: str, everything: bool = True) -> dict:
    """What a launch for `cluster_uuid` makes, made behind the platform's back (its result
    never recorded): an instance and, with `everything`, the group, template and placement
    group; always a detached interface."""
    ec2 = platform.customer("ec2")
    net = org_network.get(platform.demo.organization.uuid, REGION).resources
    subnet = sorted(net["private_subnets"].items())[0][1]
    tags = _tags(platform, cluster_uuid)
    made = {"eni": ec2.create_network_interface(SubnetId=subnet, TagSpecifications=[
        {"ResourceType": "network-interface", "Tags": tags}])["NetworkInterface"][
        "NetworkInterfaceId"]}
    if everything:
        name = f"corral-{cluster_uuid}"
        made["sg"] = ec2.create_security_group(
            GroupName=name, Description="cluster", VpcId=net["vpc_id"], TagSpecifications=[
                {"ResourceType": "security-group", "Tags": tags}])["GroupId"]
        ec2.create_placement_group(GroupName=name, Strategy="cluster", TagSpecifications=[
            {"ResourceType": "placement-group", "Tags": tags}])
        image = next(i["ImageId"] for res in ec2.describe_instances()["Reservations"]
                     for i in res["Instances"])   # the one the platform's clusters use
        made["lt"] = ec2.create_launch_template(
            LaunchTemplateName=name, LaunchTemplateData={"ImageId": image},
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": tags}])[
            "LaunchTemplate"]["LaunchTemplateId"]
        made["instance"] = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="c5.2xlarge",
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet,
                                "DeleteOnTermination": True}],   # as the platform launches
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": tags},
                {"ResourceType": "network-interface", "Tags": tags}])["Instances"][0][
            "InstanceId"]
    return made


def _reconcile_tasks(platform) -> list[dict]:
    tasks = platform.request("GET", "/v1/tasks", headers=org_headers(platform)).json_body["data"]
    return [t for t in tasks if t["operation"] == r.OPERATION]


def _running(platform, name: str) -> dict:
    created = platform.create_cluster(name=name, workersQuantity=1, **NEVER_IDLE)
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    return created


def test_an_unknown_clusters_resources_go_after_the_grace_and_the_organization_sees_it(
        platform):
    keeper = _running(platform, "keeper")          # arms the region's reconciler
    lost, fresh = new_uuid(), new_uuid()
    made = _launch_behind(platform, lost)
    late = _launch_behind(platform, fresh, everything=False)   # no creation time from AWS
    left = orphans(platform)
    assert any(made["instance"] in o for o in left) and any(late["eni"] in o for o in left)

    _next_pass(platform)
    ec2 = platform.customer("ec2")
    state = ec2.describe_instances(InstanceIds=[made["instance"]])["Reservations"][0][
        "Instances"][0]["State"]["Name"]
    assert state in ("shutting-down", "terminated")
    gone = {n["NetworkInterfaceId"] for n in ec2.describe_network_interfaces()[
        "NetworkInterfaces"]}
    assert made["eni"] not in gone                 # its next layer went a minute later
    assert late["eni"] in gone                     # first seen by this pass: within the grace
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [
        f"corral-{lost}"]}])["SecurityGroups"] == []
    assert ec2.describe_launch_templates(Filters=[{"Name": "tag:corral:cluster", "Values": [
        lost]}])["LaunchTemplates"] == []
    assert ec2.describe_placement_groups(Filters=[{"Name": "tag:corral:cluster", "Values": [
        lost]}])["PlacementGroups"] == []

    _next_pass(platform)                           # past the grace now
    assert_no_orphans(platform)
    assert platform.cluster(keeper["uuid"])["status"] == "RUNNING"   # a live cluster is its own
    assert {i["State"]["Name"] for i in platform.customer_instances(keeper["uuid"])} == {
        "running"}
    details = "\n".join(d for t in _reconcile_tasks(platform) for d in t["details"])
    assert f"Terminated instance {made['instance']}: cluster {lost} is unknown" in details
    for rid in (made["sg"], made["lt"], made["eni"], late["eni"], f"corral-{lost}"):
        assert rid in details, rid
    assert all(t["status"] == "FINISHED" for t in _reconcile_tasks(platform))


def test_a_terminated_clusters_late_instance_goes_and_an_empty_region_idles(platform):
    gone = _running(platform, "gone")
    platform.request("DELETE", f"/v1/clusters/{gone['uuid']}")
    platform.settle()
    assert platform.cluster(gone["uuid"])["status"] == "TERMINATED"
    made = _launch_behind(platform, gone["uuid"])  # a launch AWS finished after the removal
    assert orphans(platform)
    _next_pass(platform)
    assert_no_orphans(platform)
    details = "\n".join(d for t in _reconcile_tasks(platform) for d in t["details"])
    assert f"{made['instance']}: cluster {gone['uuid']} is TERMINATED" in details
    _next_pass(platform)                            # finds nothing and no cluster lives
    assert _reconciler(platform).status == r.ReconcilerStatus.IDLE
    again = platform.create_cluster(name="again", workersQuantity=1)   # watched again
    assert _reconciler(platform).status == r.ReconcilerStatus.WATCHING
    assert again["uuid"]


def test_a_crash_after_create_fleet_then_the_removal_leaves_nothing(platform):
    created = platform.create_cluster(name="crashy", workersQuantity=2, **NEVER_IDLE)
    work = drive_until(platform, created["uuid"], Step.LAUNCH_FLEET)

    def crash():
        raise faults.Crash("worker died after CreateFleet")
    faults.after("ec2", "CreateFleet", crash)
    from chalicelib.engine import driver as engine
    with pytest.raises(faults.Crash):
        engine.drive(work)
    sessions.forget()                              # a new worker: its clients are unhooked
    assert len(platform.customer_instances(created["uuid"])) == 2   # launched, not recorded
    platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "TERMINATED"
    _next_pass(platform)
    assert_no_orphans(platform)


def test_a_launch_without_capacity_leaves_nothing(platform):
    faults.fail("ec2", "CreateFleet", "InsufficientInstanceCapacity", "none left", times=20)
    created = platform.create_cluster(name="nocap", workersQuantity=2)
    platform.settle(step_seconds=31)
    assert platform.cluster(created["uuid"])["status"] == "FAILED"
    assert_no_orphans(platform)
    platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "TERMINATED"
    assert_no_orphans(platform)


def test_a_failed_mpi_check_then_the_removal_leaves_nothing_and_the_region_cleans_up(platform):
    faults.fail("ssm", "SendCommand", "InvalidDocument", "no such document", times=20)
    created = platform.create_cluster(name="nompi", workersQuantity=1)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED", got
    assert_no_orphans(platform)                    # a FAILED cluster still owns its nodes
    platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    platform.settle()
    assert_no_orphans(platform)
    lost = new_uuid()
    _launch_behind(platform, lost)                 # and a lost launch on top
    _next_pass(platform)
    assert_no_orphans(platform)
    # The region's cleanup then leaves nothing of the organization: no address, no interface.
    org = platform.demo.organization.uuid
    ws = platform.demo.workspace.uuid
    assert platform.request("DELETE", f"/v1/workspaces/{ws}",
                            headers=org_headers(platform)).status_code == 200
    platform.settle()
    reply = platform.request("POST", "/v1/settings/cleanup", {"region": REGION},
                             headers=org_headers(platform))
    assert reply.status_code == 202, reply.body
    platform.settle()
    assert_nothing_left(platform, org, REGION)
    ec2 = platform.customer("ec2")
    assert ec2.describe_addresses()["Addresses"] == []
    assert [n for n in ec2.describe_network_interfaces()["NetworkInterfaces"]] == []
    assert_no_orphans(platform)


def test_a_removal_while_the_nodes_boot_leaves_nothing():
    from local.harness import Platform
    with Platform(boot_seconds=120) as platform:
        created = platform.create_cluster(name="booting", workersQuantity=2)
        platform.pump.drain()                       # launched; the nodes are booting
        states = {i["State"]["Name"] for i in platform.customer_instances(created["uuid"])}
        assert states == {"pending"}
        platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
        platform.settle()
        assert platform.cluster(created["uuid"])["status"] == "TERMINATED"
        assert_no_orphans(platform)


def test_a_crash_in_the_middle_of_a_pass_loses_nothing(platform):
    _running(platform, "keeper")
    lost = new_uuid()
    made = _launch_behind(platform, lost)

    def crash():
        raise faults.Crash("worker died after TerminateInstances")
    faults.after("ec2", "TerminateInstances", crash)
    with pytest.raises(faults.Crash):
        _next_pass(platform)
    sessions.forget()                              # a new worker: its clients are unhooked
    assert _reconciler(platform).passes == 0       # the pass recorded nothing
    platform.settle()                              # its claim expires: the tick re-drives it
    assert_no_orphans(platform)
    details = "\n".join(d for t in _reconcile_tasks(platform) for d in t["details"])
    assert made["lt"] in details and f"corral-{lost}" in details


def test_a_pass_that_cannot_look_waits_for_the_next_interval(platform):
    _running(platform, "keeper")
    lost = new_uuid()
    made = _launch_behind(platform, lost)
    faults.fail("ec2", "DescribeInstances", "RequestLimitExceeded", "slow down", times=1)
    _next_pass(platform)
    org = platform.demo.organization.uuid
    row = aggregates.get(r.KIND, org, r.reconciler_uuid(org, REGION))
    assert load(r.Reconciler, row.state).passes == 0                 # nothing decided
    assert row.due_at >= platform.clock() + r.INTERVAL_SECONDS - 120   # not every half minute
    assert any(made["instance"] in o for o in orphans(platform))
    _next_pass(platform)
    assert_no_orphans(platform)
