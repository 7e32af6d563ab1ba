"""Region cleanup (POST /v1/settings/cleanup): refused while clusters (FAILED included) or
workspaces live in the region, else a task that removes every resource of the organization
there in dependency order, one detail per resource, idempotent, after which a new workspace
makes the network afresh."""
from __future__ import annotations

from chalicelib.org_network import commands as org_network
from chalicelib.org_network.machine import NetworkStatus
from tests.org_network.helpers import (assert_network, assert_nothing_left, network_of,
                                       org_headers, workspace_in)

REGION = "us-east-2"


def cleanup(platform, region=REGION, headers=None):
    return platform.request("POST", "/v1/settings/cleanup", {"region": region},
                            headers=headers or org_headers(platform))


def remove_workspace(platform, ws_uuid: str) -> None:
    reply = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}", headers=org_headers(platform))
    assert reply.status_code == 200, reply.body
    platform.settle()


def test_bad_input_and_callers_are_refused(platform):
    assert cleanup(platform, "mars-1").status_code == 400
    assert "region" in cleanup(platform, "mars-1").json_body["message"]
    empty = platform.request("POST", "/v1/settings/cleanup", {}, headers=org_headers(platform))
    assert empty.status_code == 400 and empty.json_body["field"] == "region"
    assert cleanup(platform, headers=platform.headers()).status_code == 403   # workspace key
    assert platform.http.post("/v1/settings/cleanup", body=b"{}").status_code == 401


def test_refused_while_clusters_or_workspaces_live_in_the_region(platform):
    c = platform.create_cluster(name="alive")
    platform.settle()
    reply = cleanup(platform, "us-east-1")
    assert reply.status_code == 409, reply.body
    assert "alive" in reply.json_body["message"] and "demo" in reply.json_body["message"]
    platform.request("DELETE", f"/v1/clusters/{c['uuid']}")
    platform.settle()
    reply = cleanup(platform, "us-east-1")
    assert reply.status_code == 409 and "alive" not in reply.json_body["message"]
    assert "workspaces: demo" in reply.json_body["message"]
    assert network_of(platform.demo.organization.uuid, "us-east-1")   # untouched


def test_a_failed_cluster_blocks_the_cleanup_too(platform, monkeypatch):
    from chalicelib.clusters import steps as cluster_steps

    def broken(*args, **kwargs):
        raise ValueError("boom")
    monkeypatch.setattr(cluster_steps.fleet, "ensure_placement_group", broken)
    c = platform.create_cluster(name="broken")
    platform.settle(step_seconds=31)
    assert platform.cluster(c["uuid"])["status"] == "FAILED"
    reply = cleanup(platform, "us-east-1")
    assert reply.status_code == 409 and "broken" in reply.json_body["message"]


def test_cleanup_removes_everything_of_the_region_and_only_that(platform):
    org = platform.demo.organization.uuid
    ws = workspace_in(platform, REGION)
    net = assert_network(platform, org, REGION)
    platform.customer("s3", REGION).put_object(Bucket=net["bucket"], Key="jobs/out.txt",
                                               Body=b"result")
    platform.customer("ssm", REGION).put_parameter(Name=f"{net['secrets_prefix']}c1/ssh-key",
                                                   Value="k", Type="SecureString")
    remove_workspace(platform, ws["uuid"])

    reply = cleanup(platform)
    assert reply.status_code == 202, reply.body
    task = reply.json_body
    assert task["operation"] == "CLEANUP_AWS_RESOURCES"
    platform.settle()
    done = platform.request("GET", f"/v1/tasks/{task['uuid']}", headers=org_headers(platform))
    assert done.status_code == 200 and done.json_body["status"] == "FINISHED"
    details = done.json_body["details"]
    text = "\n".join(details)
    for said in (net["file_system_id"], net["vpc_id"], net["bucket"], net["node_role_name"],
                 net["security_group_id"], "1 object version", "ssh-key"):
        assert said in text, said
    order = [next(i for i, d in enumerate(details) if d.lower().startswith(what))
             for what in ("delete mount targets", "delete file system", "delete nat gateway",
                          "release nat address", "delete internet gateway", "delete subnets",
                          "delete route tables", "delete security group", "delete vpc")]
    assert order == sorted(order)
    assert_nothing_left(platform, org, REGION)
    assert platform.customer("ssm", REGION).get_parameters_by_path(
        Path=net["secrets_prefix"], Recursive=True)["Parameters"] == []
    assert org_network.get(org, REGION).status == NetworkStatus.REMOVED
    assert_network(platform, org, "us-east-1")             # the other region is untouched

    again = cleanup(platform)                                # idempotent: finds nothing
    assert again.status_code == 202 and again.json_body["uuid"] != task["uuid"]
    platform.settle()
    rerun = platform.request("GET", f"/v1/tasks/{again.json_body['uuid']}",
                             headers=org_headers(platform)).json_body
    assert rerun["status"] == "FINISHED"
    assert any("nothing left to remove" in d for d in rerun["details"])

    fresh = workspace_in(platform, REGION, "reborn")         # made afresh
    made = assert_network(platform, org, REGION)
    assert fresh["networkData"]["vpcId"] == made["vpc_id"] != net["vpc_id"]


def test_a_cleanup_under_way_answers_its_own_task(platform):
    first = cleanup(platform, "us-west-1")
    second = cleanup(platform, "us-west-1")
    assert first.status_code == second.status_code == 202
    assert first.json_body["uuid"] == second.json_body["uuid"]
    platform.settle()
    assert org_network.get(platform.demo.organization.uuid,
                           "us-west-1").status == NetworkStatus.REMOVED


def test_a_cleanup_step_that_fails_is_retried_and_said(platform):
    from tests import faults
    org = platform.demo.organization.uuid
    ws = workspace_in(platform, REGION)
    remove_workspace(platform, ws["uuid"])
    faults.fail("ec2", "DeleteVpc", "DependencyViolation", "has dependencies", times=2)
    task = cleanup(platform).json_body
    platform.settle(step_seconds=31)
    done = platform.request("GET", f"/v1/tasks/{task['uuid']}", headers=org_headers(platform))
    assert done.json_body["status"] == "FINISHED"
    assert any("DependencyViolation" in d for d in done.json_body["details"])
    assert_nothing_left(platform, org, REGION)
