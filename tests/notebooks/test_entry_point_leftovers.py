"""A notebook's entry point left behind (made, its result never recorded: a row lost, a crash
between two steps) is found by its tags (global CloudFront resources also name their region):
the reconciler removes it with its cluster's leftovers, step by step as CloudFront allows
(disabled, deleted once that is deployed, then the VPC origin); the region's cleanup removes
whatever is left before it deletes the subnets CloudFront's interfaces sit in."""
from __future__ import annotations

from chalicelib.cloud import entry_point
from chalicelib.clusters import reconcile as r
from chalicelib.kernel.ids import new_uuid
from chalicelib.org_network import commands as org_network
from local.harness import DEPLOY_SECONDS
from tests.clusters.orphans import assert_no_orphans, orphans
from tests.clusters.test_reconciler import (NEVER_IDLE, REGION, _next_pass, _reconcile_tasks,
                                            _running)
from tests.org_network.helpers import assert_nothing_left, org_headers

from . import helpers as h


def _entry_behind(platform, cluster_uuid: str, image: str) -> dict:
    """A notebook node and its entry point, as the notebook's steps make them, made behind the
    platform's back for `cluster_uuid` (the notebook unknown to the platform)."""
    org = platform.demo.organization.uuid
    ec2, cf = platform.customer("ec2"), platform.customer("cloudfront")
    net = org_network.get(org, REGION).resources
    notebook = new_uuid()
    tags = {"corral:organization": org, "corral:workspace": platform.demo.workspace.uuid,
            "corral:cluster": cluster_uuid, "corral:notebook": notebook,
            "corral:region": REGION}
    items = [{"Key": k, "Value": v} for k, v in tags.items()]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.large",
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": sorted(net["private_subnets"].items())[
            0][1], "DeleteOnTermination": True}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": items}])["Instances"][0]
    arn = entry_point.instance_arn(REGION, platform.demo.customer_account_id,
                                   instance["InstanceId"])
    vo = cf.create_vpc_origin(VpcOriginEndpointConfig={
        "Name": entry_point.vpc_origin_name(notebook), "Arn": arn, "HTTPPort": 8888,
        "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}, Tags={"Items": items})
    platform.clock.advance(DEPLOY_SECONDS)
    dist = cf.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": entry_point.distribution_config(
            notebook, vo["VpcOrigin"]["Id"], instance["PrivateDnsName"]),
        "Tags": {"Items": items}})["Distribution"]
    return {"notebook": notebook, "instance": instance["InstanceId"],
            "vpc_origin": vo["VpcOrigin"]["Id"], "distribution": dist["Id"]}


def test_an_unknown_clusters_entry_point_goes_with_the_reconciler(platform):
    keeper = _running(platform, "keeper")          # arms the region's reconciler
    image = platform.customer_instances(keeper["uuid"])[0]["ImageId"]
    lost = new_uuid()
    made = _entry_behind(platform, lost, image)
    left = "\n".join(orphans(platform))            # the helper sees them as orphans too
    assert made["distribution"] in left and made["vpc_origin"] in left, left
    for _ in range(6):                            # the grace, then a pass a minute apart
        _next_pass(platform)
        if h.entry_point(platform, made["notebook"]) == ([], []):
            break
    assert h.entry_point(platform, made["notebook"]) == ([], [])
    assert_no_orphans(platform)
    details = "\n".join(d for t in _reconcile_tasks(platform) for d in t["details"])
    why = f"cluster {lost} is unknown to the platform"
    for line in (f"Distribution {made['distribution']} disabled (deleted once that is "
                 f"deployed): {why}", f"Distribution {made['distribution']} deleted: {why}",
                 f"VPC origin {made['vpc_origin']} being deleted: {why}",
                 f"Terminated instance {made['instance']}: {why}"):
        assert line in details, details
    assert platform.cluster(keeper["uuid"])["status"] == "RUNNING"


def test_the_regions_cleanup_removes_an_entry_point_left_behind(platform):
    cluster = _running(platform, "gone")
    image = platform.customer_instances(cluster["uuid"])[0]["ImageId"]
    made = _entry_behind(platform, cluster["uuid"], image)
    platform.customer("ec2").terminate_instances(InstanceIds=[made["instance"]])
    assert platform.request("DELETE", f"/v1/clusters/{cluster['uuid']}").status_code == 200
    platform.settle()
    ws = platform.demo.workspace.uuid
    assert platform.request("DELETE", f"/v1/workspaces/{ws}",
                            headers=org_headers(platform)).status_code == 200
    platform.settle()
    assert h.entry_point(platform, made["notebook"]) != ([], [])   # within the grace still
    reply = platform.request("POST", "/v1/settings/cleanup", {"region": REGION},
                             headers=org_headers(platform))
    assert reply.status_code == 202, reply.body
    platform.settle()
    org = platform.demo.organization.uuid
    assert_nothing_left(platform, org, REGION)
    assert h.entry_point(platform, made["notebook"]) == ([], [])
    assert not [g for g in platform.customer("ec2").describe_security_groups()["SecurityGroups"]
                if g["GroupName"] == "CloudFront-VPCOrigins-Service-SG"]
    task = org_network.get(org, REGION).task
    details = "\n".join(task.details)
    assert (f"Delete entry points: {made['distribution']}, {made['vpc_origin']}" in details
            or f"Delete entry points: {made['vpc_origin']}, {made['distribution']}" in details), \
        details
    assert task.status.value == "FINISHED"


def test_a_pass_moves_entry_points_on_in_every_layer_and_comes_back_soon():
    from chalicelib.cloud.orphans import Tagged
    now, old = 1_000_000.0, 1_000_000.0 - r.GRACE_SECONDS - 1
    found = [Tagged("instance", "i-1", "c1", "ws", old, "running"),
             Tagged("distribution", "E1", "c1", "ws", None, "Deployed/enabled"),
             Tagged("vpc-origin", "vo_1", "c1", "ws", None, "Deployed"),
             Tagged("security-group", "sg-1", "c1", "ws", None)]
    plan = r.plan(found, {"c1": None}, {"c1": old}, now)
    assert sorted(x.id for x, _ in plan.remove) == ["E1", "i-1", "vo_1"] and plan.more
    gone = [f for f in found if f.kind != "instance"]       # the instances went first
    plan = r.plan(gone, {"c1": "TERMINATED"}, {"c1": old}, now)
    assert sorted(x.id for x, _ in plan.remove) == ["E1", "sg-1", "vo_1"] and plan.more
    assert r.plan(found, {"c1": "RUNNING"}, {"c1": old}, now).remove == ()
    line = r.said(found[1], "cluster c1 is TERMINATED", done="deleted")
    assert line == "Distribution E1 deleted: cluster c1 is TERMINATED"
