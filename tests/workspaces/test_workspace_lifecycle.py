"""A workspace through HTTP with the organization key: requested, verified in the linked account,
network ensured there, READY; AWS failures; removal refused while clusters live."""
from __future__ import annotations

import json

from chalicelib.cloud import sessions
from chalicelib.kernel.events import from_record
from chalicelib.store import aggregates
from chalicelib.workspaces import commands as workspaces
from chalicelib.workspaces import machine as w
from tests import faults

from .helpers import create, get, org_headers, workspace_headers


def statuses_through(ws_uuid: str) -> tuple[list[str], list[str]]:
    """Every status the workspace and its creation task went through, from its events."""
    state, seen, task_seen = None, [], []
    for record in aggregates.events("workspace", ws_uuid):
        state = w.evolve(state, from_record(record))
        if not seen or seen[-1] != state.status.value:
            seen.append(state.status.value)
        task = state.tasks[0].status.value
        if not task_seen or task_seen[-1] != task:
            task_seen.append(task)
    return seen, task_seen


def test_create_verifies_the_account_and_ensures_the_network(platform):
    created = create(platform, name="analytics", region="us-east-2", customTags={"team": "a"})
    assert created["status"] == "NEW" and created["task"]["status"] == "NEW"
    platform.settle()
    ready = get(platform, created["uuid"])
    assert ready["status"] == "READY"
    assert statuses_through(created["uuid"]) == (["NEW", "INPROGRESS", "READY"],
                                                 ["NEW", "INPROGRESS", "FINISHED"])
    details = " ".join(ready["task"]["details"])
    assert platform.demo.customer_account_id in details and "us-east-2" in details
    # The organization's network exists in the customer's account, in that region.
    net = ready["networkData"]
    assert net["region"] == "us-east-2" and net["vpcId"].startswith("vpc-")
    ec2 = platform.customer("ec2", region="us-east-2")
    vpc = ec2.describe_vpcs(VpcIds=[net["vpcId"]])["Vpcs"][0]
    assert {"Key": "corral:organization", "Value": platform.demo.organization.uuid} in vpc["Tags"]
    assert ec2.describe_subnets(SubnetIds=net["publicSubnetsIds"])["Subnets"][0]["VpcId"] == \
        net["vpcId"]
    # The rest of the code reads the same workspace.
    same = workspaces.get(platform.demo.organization.uuid, created["uuid"])
    assert (same.name, same.region, same.status) == ("analytics", "us-east-2", "READY")


def test_a_role_no_longer_assumable_fails_with_awss_reason(platform):
    iam = platform.customer("iam")
    for name in iam.list_role_policies(RoleName="BodoPlatformUser")["PolicyNames"]:
        iam.delete_role_policy(RoleName="BodoPlatformUser", PolicyName=name)
    iam.delete_role(RoleName="BodoPlatformUser")
    sessions.forget()   # the platform's cached credentials would still work for their hour
    created = create(platform, name="doomed", region="us-west-1")
    platform.settle()
    failed = get(platform, created["uuid"])
    assert failed["status"] == "FAILED"
    assert failed["reason"].startswith("AccessDenied") and "sts:AssumeRole" in failed["reason"]
    assert failed["task"]["status"] == "FAILED" and "AccessDenied" in failed["task"]["details"][-1]
    # No cluster in a FAILED workspace, and it can be removed.
    reply = platform.request("POST", "/v1/clusters", {"name": "c", "instanceType": "c5.2xlarge",
                                                      "workersQuantity": 1},
                             headers=workspace_headers(platform, created["uuid"]))
    assert reply.status_code == 409
    removed = platform.request("DELETE", f"/v1/workspaces/{created['uuid']}",
                               headers=org_headers(platform))
    assert removed.status_code == 200 and removed.json_body["status"] == "TERMINATING"
    platform.settle()
    assert get(platform, created["uuid"])["status"] == "TERMINATED"


def test_passing_aws_trouble_is_retried_to_ready(platform):
    throttled = faults.fail("ec2", "DescribeVpcs", "RequestLimitExceeded", times=2)
    created = create(platform, name="patient", region="us-west-2")
    platform.settle()
    assert throttled["calls"] >= 3
    assert get(platform, created["uuid"])["status"] == "READY"


def test_removal_waits_for_clusters_to_be_terminated(platform):
    ws_uuid = platform.demo.workspace.uuid
    cluster = platform.create_cluster(name="busy")
    org = org_headers(platform)
    refused = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}", headers=org)
    assert refused.status_code == 409
    assert "busy" in refused.json_body["message"] and "TERMINATED" in refused.json_body["message"]
    assert get(platform, ws_uuid)["status"] == "READY"
    platform.settle()
    assert platform.request("DELETE", f"/v1/clusters/{cluster['uuid']}").status_code == 200
    # Still TERMINATING: still refused.
    assert platform.request("DELETE", f"/v1/workspaces/{ws_uuid}", headers=org).status_code == 409
    platform.settle()
    removed = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}?mark_as_terminated=false",
                               headers=org)
    assert removed.status_code == 200 and removed.json_body["status"] == "TERMINATING"
    # No new cluster while it goes, nor after.
    reply = platform.request("POST", "/v1/clusters", {"name": "late", "instanceType": "c5.2xlarge",
                                                      "workersQuantity": 1})
    assert reply.status_code == 409 and "READY" in reply.json_body["message"]
    platform.settle()
    gone = get(platform, ws_uuid)
    assert gone["status"] == "TERMINATED" and gone["task"]["operation"] == "REMOVE_WORKSPACE"
    again = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}", headers=org)
    assert again.status_code == 409 and "already removed" in again.json_body["message"]
    # The organization's network stays: other workspaces in the region share it.
    vpc = gone["networkData"]["vpcId"]
    assert platform.customer("ec2").describe_vpcs(VpcIds=[vpc])["Vpcs"]
    # Its name is free again.
    assert create(platform, name="demo", region="us-east-1")["status"] == "NEW"


def test_seeded_workspace_is_ready_and_made_by_the_command(platform):
    ws = platform.demo.workspace
    assert ws.status == "READY"
    assert [r["type"] for r in aggregates.events("workspace", ws.uuid)] == [
        "WorkspaceRequested", "WorkspaceAccessVerified", "WorkspaceNetworkReady"]
    assert workspaces.get(ws.organization_uuid, ws.uuid).network["vpc_id"].startswith("vpc-")


def test_a_removed_workspaces_keys_are_refused(platform):
    """Issue 8: a key of a TERMINATED workspace could still list its clusters."""
    ws_uuid = platform.demo.workspace.uuid
    before = platform.headers()                    # a token issued while it was READY
    assert platform.request("GET", "/v2/clusters", headers=before).status_code == 200
    removed = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}", headers=org_headers(platform))
    assert removed.status_code == 200
    platform.settle()
    assert get(platform, ws_uuid)["status"] == "TERMINATED"
    assert platform.request("GET", "/v2/clusters", headers=before).status_code == 401
    exchange = platform.http.post("/identity/resources/auth/v2/api-token",
                                  headers={"Content-Type": "application/json"},
                                  body=json.dumps({"clientId": platform.demo.ws_client_id,
                                                   "secret": platform.demo.ws_secret}))
    assert exchange.status_code == 401
