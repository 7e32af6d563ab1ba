"""A notebook's whole life on the in-process platform, asserting on what the user sees and on
the emulated customer account: its node in the cluster's network, tagged as the cluster's,
/shared mounted with the hostfile visible, a real Jupyter Server answering with the token,
opened; removed with nothing left; removed with its cluster."""
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
    assert ready["url"].endswith(f"/notebooks/{created['uuid']}/open")

    task = h.task(platform, created["uuid"])
    assert task["operation"] == "CREATE_NOTEBOOK" and task["status"] == "FINISHED"
    details = "\n".join(task["details"])
    for said in ("Cluster c1 is RUNNING", "launched (t3.large)", "is running (10.",
                 "SSM agent is online", "Jupyter started on port",
                 "jupyter answering at http://localhost:", "hostfile of the cluster visible"):
        assert said in details, details

    node = h.node(platform, created["uuid"])
    tags = {t["Key"]: t["Value"] for t in node["Tags"]}
    assert tags["corral:cluster"] == cluster["uuid"]
    assert tags["corral:workspace"] == platform.demo.workspace.uuid
    assert tags["corral:organization"] == platform.demo.organization.uuid
    net = platform.demo.workspace.network
    assert node["SubnetId"] in net["private_subnets"].values()
    assert [g["GroupId"] for g in node["SecurityGroups"]] == [net["security_group_id"]]
    assert node["IamInstanceProfile"]["Arn"] == net["instance_profile_arn"]
    assert "PublicIpAddress" not in node or not node["PublicIpAddress"]
    # The cluster's own nodes are not counted with it.
    assert node["InstanceId"] not in platform.cluster(cluster["uuid"])["nodesIp"]

    # Jupyter answers for real, with the token only; its root is the cluster's /shared.
    from chalicelib.notebooks import tokens
    from chalicelib.notebooks import commands
    state = commands.get(platform.demo.workspace.uuid, created["uuid"])
    assert requests.get(state.url + "api/contents", timeout=10).status_code == 403
    listing = requests.get(state.url + "api/contents", timeout=10, headers={
        "Authorization": f"token {tokens.token(created['uuid'])}"}).json()
    assert f".hostfile-{cluster['uuid']}" in {f["name"] for f in listing["content"]}

    removed = platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    assert removed.status_code == 200 and removed.json_body["status"] == "TERMINATING"
    gone = h.until(platform, created["uuid"], "TERMINATED")
    assert gone["url"] is None
    removal = h.task(platform, created["uuid"])
    assert removal["operation"] == "REMOVE_NOTEBOOK" and removal["status"] == "FINISHED"
    assert h.node(platform, created["uuid"])["State"]["Name"] == "terminated"
    assert not h.jupyter_processes(platform.state_dir)
    assert_no_orphans(platform)
