"""PATCH /v1/clusters/{uuid} as the SDK sends it: scale (more nodes in the same placement
group and template, fewer by terminating the highest-indexed), fields at once, an instance
type or Bodo version at the next restart; refusals as 409 and 400 saying why."""
from __future__ import annotations

import pytest


def _running(platform, **fields):
    created = platform.create_cluster(**fields)
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    return created["uuid"]


def _live(platform, uuid):
    return [i for i in platform.customer_instances(uuid) if i["State"]["Name"] != "terminated"]


def _patch(platform, uuid, body):
    return platform.request("PATCH", f"/v1/clusters/{uuid}", body)


def test_scale_up_to_three_launches_one_more_in_the_same_placement_group(platform):
    uuid = _running(platform)
    before = {i["InstanceId"] for i in _live(platform, uuid)}
    reply = _patch(platform, uuid, {"workersQuantity": 3})
    assert reply.status_code == 200, reply.body
    assert reply.json_body["status"] == "INITIALIZING" and reply.json_body["workersQuantity"] == 3
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "RUNNING" and len(now["nodesIp"]) == 3
    live = _live(platform, uuid)
    assert len(live) == 3 and before < {i["InstanceId"] for i in live}
    assert {i["Placement"]["GroupName"] for i in live} == {f"corral-{uuid}"}
    assert len({i["SubnetId"] for i in live}) == 1
    task = platform.request("GET", f"/v1/tasks/{now['taskUUID']}").json_body
    assert task["operation"] == "UPDATE_CLUSTER" and task["status"] == "FINISHED"
    assert any("Scaling from 2 to 3" in d for d in task["details"])


def test_scale_down_terminates_the_highest_indexed_nodes(platform):
    uuid = _running(platform, workersQuantity=2)
    _patch(platform, uuid, {"workersQuantity": 3})
    platform.settle()
    from chalicelib.clusters import commands
    ws = platform.demo.workspace.uuid
    order = commands.get(ws, uuid).instance_ids
    newest = order[-1]
    assert _patch(platform, uuid, {"workersQuantity": 1}).status_code == 200
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "RUNNING" and now["workersQuantity"] == 1
    live = _live(platform, uuid)
    assert [i["InstanceId"] for i in live] == [order[0]]
    assert newest not in {i["InstanceId"] for i in live}
    assert [n["instanceId"] for n in now["nodeMetadata"]] == [order[0]]


def test_fields_apply_at_once_and_unchanged_values_are_no_ops(platform):
    uuid = _running(platform)
    first = platform.cluster(uuid)
    reply = _patch(platform, uuid, {"name": "renamed", "description": "d", "autoPause": 30,
                                    "customTags": {"team": "x"}, "_deprecated_fields": {}})
    assert reply.status_code == 200, reply.body
    got = reply.json_body
    assert (got["name"], got["description"], got["autoPause"], got["customTags"]) == (
        "renamed", "d", 30, {"team": "x"})
    assert got["status"] == "RUNNING" and got["taskUUID"] != first["taskUUID"]
    # The SDK's Cluster.update sends every field again: nothing changes, no task.
    again = _patch(platform, uuid, {**{k: got[k] for k in (
        "name", "description", "autoPause", "autoStop", "customTags", "workersQuantity",
        "instanceType", "bodoVersion", "autoUpgrade")}, "autoAZ": True,
        "availabilityZone": None, "instanceRoleUUID": None})
    assert again.status_code == 200 and again.json_body["taskUUID"] == got["taskUUID"]


def test_a_new_bodo_version_on_a_running_cluster_waits_for_the_restart(platform):
    uuid = _running(platform, bodoVersion="2025.5")
    old_ids = {i["InstanceId"] for i in _live(platform, uuid)}
    reply = _patch(platform, uuid, {"bodoVersion": "2025.6", "autoUpgrade": True})
    assert reply.status_code == 200, reply.body   # never a 409 (BODOSDK.md 6.6)
    assert reply.json_body["bodoVersion"] == "2025.5"
    assert reply.json_body["pendingChanges"]["bodoVersion"] == "2025.6"
    platform.request("POST", f"/v1/clusters/{uuid}/stop")
    platform.settle()
    platform.request("POST", f"/v1/clusters/{uuid}/restart")
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "RUNNING" and now["bodoVersion"] == "2025.6", now
    live = _live(platform, uuid)
    # A new image means new disks: new nodes from the template's new version.
    assert len(live) == 2 and not old_ids & {i["InstanceId"] for i in live}
    assert {i["ImageId"] for i in live} == {now["imageId"]}


@pytest.mark.parametrize("body,field", [
    ({"workersQuantity": 0}, "workersQuantity"),
    ({"workersQuantity": "3"}, "workersQuantity"),
    ({"autoPause": -1}, "autoPause"),
    ({"name": ""}, "name"),
    ({"customTags": {"aws:x": "y"}}, "customTags"),
    ({"instanceType": "z9.huge"}, "instanceType"),
    ({"bodoVersion": "1999.1"}, "bodoVersion"),
])
def test_bad_patch_bodies_are_400_naming_the_field(platform, body, field):
    uuid = platform.create_cluster()["uuid"]
    reply = _patch(platform, uuid, body)
    assert reply.status_code == 400 and reply.json_body["field"] == field, reply.body


def test_scaling_a_paused_cluster_and_patching_a_terminating_one_are_409(platform):
    uuid = _running(platform)
    platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    platform.settle()
    reply = _patch(platform, uuid, {"workersQuantity": 3})
    assert reply.status_code == 409 and "only while RUNNING" in reply.json_body["message"]
    assert _patch(platform, uuid, {"description": "ok while paused"}).status_code == 200
    platform.request("DELETE", f"/v1/clusters/{uuid}")
    reply = _patch(platform, uuid, {"description": "late"})
    assert reply.status_code == 409 and "TERMINATING" in reply.json_body["message"]


def test_a_scale_up_without_capacity_keeps_the_nodes_it_has(platform):
    from tests import faults
    uuid = _running(platform)
    platform.settle()
    faults.fail("ec2", "CreateFleet", "InsufficientInstanceCapacity", "none left", times=5)
    _patch(platform, uuid, {"workersQuantity": 4})
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "RUNNING" and now["workersQuantity"] == 2
    assert len(_live(platform, uuid)) == 2
    task = platform.request("GET", f"/v1/tasks/{now['taskUUID']}").json_body
    assert task["status"] == "FAILED" and any("none left" in d for d in task["details"])
