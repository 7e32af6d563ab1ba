"""A notebook's whole life on the in-process platform, asserting on what the user sees and on
the emulated customer account: its node in the cluster's network, tagged as the cluster's,
/shared mounted with the hostfile visible, a real Jupyter Server answering with the token on
the node and through its CloudFront entry point; removed with nothing left (node, group,
distribution, VPC origin); removed with its cluster."""
from __future__ import annotations

import requests

from tests.clusters.orphans import assert_no_orphans

from . import helpers as h


def test_a_notebook_attached_probed_ready_and_removed(platform):
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    assert created["status"] == "NEW" and created["clusterUUID"] == cluster["uuid"]
    assert created["instanceType"] == h.NOTEBOOK_TYPE and created["url"] is None
    ready = h.until(platform, created["uuid"], ("READY", "FAILED"))
    assert ready["status"] == "READY", h.task(platform, created["uuid"])
    assert ready["openUrl"].endswith(f"/notebooks/{created['uuid']}/open")
    cf = platform.customer("cloudfront")
    dist = cf.get_distribution(Id=ready["distributionId"])["Distribution"]
    assert ready["url"] == f"http://{dist['DomainName']}/"    # the entry point (https on AWS)

    task = h.task(platform, created["uuid"])
    assert task["operation"] == "CREATE_NOTEBOOK" and task["status"] == "FINISHED"
    details = "\n".join(task["details"])
    said = ["Cluster c1 is RUNNING", "launched (t3.large)", "is running (10.",
            "SSM agent is online", "Jupyter started on port", "jupyter answering at http://localhost:",
            f"CloudFront VPC origin {ready['vpcOriginId']} created on node",
            f"VPC origin {ready['vpcOriginId']} deployed", "open to CloudFront's VPC origins group",
            f"CloudFront distribution {dist['Id']} created", f"Distribution {dist['Id']} deployed",
            f"Probe passed: Jupyter answers through the entry point {ready['url']}"]
    at = [details.find(line) for line in said]
    assert -1 not in at and at == sorted(at), details          # each said, in this order

    node = h.node(platform, created["uuid"])
    tags = {t["Key"]: t["Value"] for t in node["Tags"]}
    assert tags["corral:cluster"] == cluster["uuid"]
    assert tags["corral:workspace"] == platform.demo.workspace.uuid
    assert tags["corral:organization"] == platform.demo.organization.uuid
    net = platform.demo.workspace.network
    assert node["SubnetId"] in net["private_subnets"].values()
    groups = [g["GroupId"] for g in node["SecurityGroups"]]
    assert groups[0] == net["security_group_id"] and len(groups) == 2
    own = h.node_group(platform, created["uuid"])
    assert own["GroupId"] == groups[1] and own["GroupName"] == f"corral-nb-{created['uuid']}"
    assert node["IamInstanceProfile"]["Arn"] == net["instance_profile_arn"]
    assert "PublicIpAddress" not in node or not node["PublicIpAddress"]
    # The cluster's own nodes are not counted with it.
    assert node["InstanceId"] not in platform.cluster(cluster["uuid"])["nodesIp"]

    # Jupyter answers for real, with the token only, on the node and through the entry
    # point; its root is the cluster's /shared.
    from chalicelib.notebooks import tokens
    from chalicelib.notebooks import commands
    state = commands.get(platform.demo.workspace.uuid, created["uuid"])
    bearer = {"Authorization": f"token {tokens.token(created['uuid'])}"}
    for address in (state.node_url, ready["url"]):
        assert requests.get(address + "api/contents", timeout=10).status_code == 403
        listing = requests.get(address + "api/contents", timeout=10, headers=bearer).json()
        assert f".hostfile-{cluster['uuid']}" in {f["name"] for f in listing["content"]}

    removed = platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    assert removed.status_code == 200 and removed.json_body["status"] == "TERMINATING"
    gone = h.until(platform, created["uuid"], "TERMINATED")
    assert gone["url"] is None
    removal = h.task(platform, created["uuid"])
    assert removal["operation"] == "REMOVE_NOTEBOOK" and removal["status"] == "FINISHED"
    assert h.node(platform, created["uuid"])["State"]["Name"] == "terminated"
    assert not h.jupyter_processes(platform.state_dir)
    details = "\n".join(removal["details"])
    for line in (f"Security group {own['GroupId']} deleted",
                 f"Distribution {dist['Id']} disabled", f"Distribution {dist['Id']} deleted",
                 f"VPC origin {ready['vpcOriginId']} being deleted",
                 f"VPC origin {ready['vpcOriginId']} deleted"):
        assert line in details, details
    h.assert_no_entry_point(platform, created["uuid"], ready["url"])
    assert_no_orphans(platform)


def test_a_notebook_goes_with_its_cluster(platform):
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    h.until(platform, created["uuid"], "READY")
    assert platform.request("DELETE", f"/v1/clusters/{cluster['uuid']}").status_code == 200
    gone = h.until(platform, created["uuid"], "TERMINATED")
    assert gone["status"] == "TERMINATED"
    removal = h.task(platform, created["uuid"])
    assert removal["operation"] == "REMOVE_NOTEBOOK" and removal["status"] == "FINISHED"
    assert removal["details"][0].startswith("Removal with its cluster c1, which is TERMINAT")
    platform.settle()
    assert platform.cluster(cluster["uuid"])["status"] == "TERMINATED"
    assert h.node(platform, created["uuid"])["State"]["Name"] == "terminated"
    assert not h.jupyter_processes(platform.state_dir)
    h.assert_no_entry_point(platform, created["uuid"])
    assert_no_orphans(platform)


def test_a_notebook_on_a_cluster_being_created_waits_for_it(platform):
    created_cluster = platform.create_cluster()           # NEW: nothing delivered yet
    created = h.create(platform, created_cluster["uuid"])
    assert created["status"] == "NEW"
    ready = h.until(platform, created["uuid"], ("READY", "FAILED"))
    assert ready["status"] == "READY", h.task(platform, created["uuid"])
    assert platform.cluster(created_cluster["uuid"])["status"] == "RUNNING"


def test_an_attached_notebook_keeps_its_cluster_from_auto_pause(platform):
    cluster = h.running_cluster(platform, autoPause=10)
    created = h.create(platform, cluster["uuid"])
    h.until(platform, created["uuid"], "READY")
    h.minutes(platform, 30)
    after = platform.cluster(cluster["uuid"])
    assert after["status"] == "RUNNING"
    assert after["lastKnownActivity"] > cluster["lastKnownActivity"]
    # The reports come through the due index: the notebook's row is due at its next beat.
    from chalicelib.store import aggregates
    row = aggregates.get("notebook", platform.demo.workspace.uuid, created["uuid"])
    assert row.due_at is not None and row.due_at <= platform.clock() + 200
    # Removed, it no longer counts: the cluster pauses once idle for its 10 minutes.
    platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    h.until(platform, created["uuid"], "TERMINATED")
    h.minutes(platform, 12)
    assert platform.cluster(cluster["uuid"])["status"] == "PAUSED"


def test_a_launch_crashed_before_its_result_was_recorded_converges(platform):
    from tests import faults
    cluster = h.running_cluster(platform)
    state = {"crashed": False}

    def crash_once():
        if not state["crashed"]:
            state["crashed"] = True
            raise faults.Crash()

    faults.after("ec2", "RunInstances", crash_once)
    created = h.create(platform, cluster["uuid"])
    try:
        platform.pump.drain()
    except faults.Crash:
        pass
    assert state["crashed"]
    ready = h.until(platform, created["uuid"], ("READY", "FAILED"), rounds=40, step_seconds=60)
    assert ready["status"] == "READY", h.task(platform, created["uuid"])
    h.node(platform, created["uuid"])     # one node, the one the crashed attempt launched


def test_a_platform_stopped_with_a_ready_notebook_leaves_no_jupyter_running():
    from local.harness import Platform
    with Platform() as p:
        cluster = h.running_cluster(p)
        created = h.create(p, cluster["uuid"])
        h.until(p, created["uuid"], "READY")
        state_dir = p.state_dir
        assert h.jupyter_processes(state_dir)       # the real server runs while READY
    assert not h.jupyter_processes(state_dir)
