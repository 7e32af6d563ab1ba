"""Pause and resume, stop and restart, through HTTP as the SDK sends them, checked in the
customer's account: the same instances stopped then running again, their volumes kept."""
from __future__ import annotations

import pytest

from tests import faults


def _running(platform, **fields):
    created = platform.create_cluster(**fields)
    platform.settle()
    cluster = platform.cluster(created["uuid"])
    assert cluster["status"] == "RUNNING"
    return cluster


def _states(platform, uuid):
    return {i["InstanceId"]: i["State"]["Name"] for i in platform.customer_instances(uuid)}


def _volumes(platform, uuid):
    return sorted(m["Ebs"]["VolumeId"] for i in platform.customer_instances(uuid)
                  for m in i.get("BlockDeviceMappings", []) if i["State"]["Name"] != "terminated")


def _events(platform, uuid):
    from chalicelib.store import aggregates
    return aggregates.events("cluster", uuid)


def test_pause_stops_the_same_instances_and_resume_starts_them_again(platform):
    cluster = _running(platform)
    uuid = cluster["uuid"]
    before, volumes = _states(platform, uuid), _volumes(platform, uuid)
    assert set(before.values()) == {"running"}

    paused = platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    assert paused.status_code == 200, paused.body
    assert paused.json_body["status"] == "PAUSING"
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "PAUSED" and now["nodesIp"] == []
    assert _states(platform, uuid) == {i: "stopped" for i in before}
    assert _volumes(platform, uuid) == volumes
    task = platform.request("GET", f"/v1/tasks/{now['taskUUID']}").json_body
    assert task["operation"] == "PAUSE_CLUSTER" and task["status"] == "FINISHED"
    assert any("requested by API key" in d for d in task["details"]), task["details"]

    platform.clock.advance(600)
    resumed = platform.request("PUT", f"/v1/clusters/{uuid}/resume")
    assert resumed.status_code == 200 and resumed.json_body["status"] == "INITIALIZING"
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "RUNNING" and len(now["nodesIp"]) == 2
    assert _states(platform, uuid) == {i: "running" for i in before}   # the same ids
    assert _volumes(platform, uuid) == volumes
    assert now["lastKnownActivity"] > cluster["lastKnownActivity"]   # a resume counts


def test_stop_then_restart_applies_a_new_instance_type_while_stopped(platform):
    cluster = _running(platform)
    uuid = cluster["uuid"]
    ids = set(_states(platform, uuid))
    patched = platform.request("PATCH", f"/v1/clusters/{uuid}", {"instanceType": "c5.4xlarge"})
    assert patched.status_code == 200, patched.body
    assert patched.json_body["instanceType"] == "c5.2xlarge"   # at the next restart
    assert patched.json_body["pendingChanges"]["instanceType"] == "c5.4xlarge"
    assert platform.request("POST", f"/v1/clusters/{uuid}/stop").json_body["status"] == "STOPPING"
    platform.settle()
    assert platform.cluster(uuid)["status"] == "STOPPED"
    assert set(_states(platform, uuid).values()) == {"stopped"}
    assert platform.request("POST", f"/v1/clusters/{uuid}/restart").status_code == 200
    platform.settle()
    now = platform.cluster(uuid)
    assert now["status"] == "RUNNING", now
    assert now["instanceType"] == "c5.4xlarge" and now["pendingChanges"] is None
    instances = platform.customer_instances(uuid)
    assert {i["InstanceId"] for i in instances} == ids
    assert {i["InstanceType"] for i in instances} == {"c5.4xlarge"}
    lt = platform.customer("ec2").describe_launch_template_versions(
        LaunchTemplateId=instances[0]["Tags"] and _template(platform, uuid),
        Versions=["$Default"])["LaunchTemplateVersions"][0]
    assert lt["LaunchTemplateData"]["InstanceType"] == "c5.4xlarge"


def _template(platform, uuid):
    return platform.customer("ec2").describe_launch_templates(
        LaunchTemplateNames=[f"corral-{uuid}"])["LaunchTemplates"][0]["LaunchTemplateId"]


@pytest.mark.parametrize("path,method,status,message", [
    ("resume", "PUT", "RUNNING", "only a PAUSED cluster can be resumed"),
    ("restart", "POST", "RUNNING", "only a STOPPED cluster can be restarted"),
])
def test_starting_a_running_cluster_is_a_409_saying_why(platform, path, method, status, message):
    uuid = _running(platform)["uuid"]
    reply = platform.request(method, f"/v1/clusters/{uuid}/{path}")
    assert reply.status_code == 409 and message in reply.json_body["message"]
    assert status in reply.json_body["message"]


def test_pausing_a_paused_cluster_is_a_409(platform):
    uuid = _running(platform)["uuid"]
    platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    again = platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    assert again.status_code == 409 and "already being paused" in again.json_body["message"]
    platform.settle()
    again = platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    assert again.status_code == 409 and "already PAUSED" in again.json_body["message"]
    restart = platform.request("POST", f"/v1/clusters/{uuid}/restart")
    assert restart.status_code == 409 and "A PAUSED cluster is resumed" in restart.json_body["message"]


def test_unknown_cluster_is_404(platform):
    reply = platform.request("PUT", "/v1/clusters/00000000-0000-4000-8000-000000000000/pause")
    assert reply.status_code == 404


def test_a_crash_between_the_stop_call_and_its_event_converges_without_a_second_stop(platform):
    uuid = _running(platform)["uuid"]
    calls = faults.fail("ec2", "StopInstances", "Unused", times=0)

    def crash():
        if calls["calls"] == 1:
            raise faults.Crash()
    faults.after("ec2", "StopInstances", crash)
    platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    with pytest.raises(faults.Crash):
        platform.pump.drain()
    assert platform.cluster(uuid)["status"] == "PAUSING"
    platform.settle()   # the claim expires; the tick re-drives the step
    assert platform.cluster(uuid)["status"] == "PAUSED"
    assert calls["calls"] == 1      # the retry saw the instances stopping: no second call
    assert set(_states(platform, uuid).values()) == {"stopped"}
    types = [e["type"] for e in _events(platform, uuid)]
    assert types.count("InstancesStopping") == 1 and types.count("InstancesStopped") == 1
