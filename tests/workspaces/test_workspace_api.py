"""The workspace endpoints' input, scope and reply shape (read-mostly: one shared platform)."""
from __future__ import annotations

import json
import uuid as uuidlib

import pytest

from chalicelib.identity import clients, organizations
from chalicelib.kernel.listing import ListQuery
from chalicelib.workspaces import commands as workspaces

from .helpers import body, create, get, org_headers, workspace_headers


@pytest.fixture(scope="module")
def platform(shared_platform):
    return shared_platform


def post(platform, payload, headers=None):
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return platform.request("POST", "/v1/workspaces", raw, headers=headers or org_headers(platform))


def count(platform) -> int:
    return workspaces.list_page(platform.demo.organization.uuid, ListQuery())[1]


@pytest.mark.parametrize("change, field", [
    ({"region": "eu-west-1"}, "region"),
    ({"region": None}, "region"),
    ({"region": 7}, "region"),
    ({"cloudConfig": {"uuid": str(uuidlib.uuid4())}}, "cloudConfig.uuid"),
    ({"cloudConfig": None}, "cloudConfig.uuid"),
    ({"cloudConfig": "x"}, "cloudConfig.uuid"),
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"name": "bad/name"}, "name"),
    ({"customTags": {"corral:org": "x"}}, "customTags"),
    ({"customTags": ["a"]}, "customTags"),
    ({"workspaceData": "kms"}, "workspaceData"),
    ({"workspaceData": {"kmsKeyArn": "not-an-arn"}}, "workspaceData.kmsKeyArn"),
])
def test_bad_input_is_400_naming_the_field_and_writes_nothing(platform, change, field):
    before = count(platform)
    payload = {k: v for k, v in {**body(platform), **change}.items() if v is not None}
    reply = post(platform, payload)
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"] == field and field in reply.json_body["message"]
    assert count(platform) == before


@pytest.mark.parametrize("raw", ["not json", "[1]", ""])
def test_a_body_that_is_not_an_object_is_400(platform, raw):
    before = count(platform)
    assert post(platform, raw).status_code == 400
    assert count(platform) == before


def test_wrong_cloud_config_names_the_right_one(platform):
    reply = post(platform, body(platform, cloudConfig={"uuid": "nope"}))
    assert platform.demo.organization.cloud_config_uuid in reply.json_body["message"]


def test_an_unlinked_organization_is_told_to_link_first(platform):
    org = organizations.create_organization("unlinked")
    client, secret = clients.create_client(org.uuid)
    headers = platform.headers(client.client_id, secret)
    reply = post(platform, body(platform, cloudConfig={"uuid": str(uuidlib.uuid4())}), headers)
    assert reply.status_code == 409 and "link" in reply.json_body["message"].lower()
    assert workspaces.list_page(org.uuid, ListQuery()) == ([], 0)


def test_a_workspace_key_cannot_create_or_delete(platform):
    assert post(platform, body(platform), platform.headers()).status_code == 403
    reply = platform.request("DELETE", f"/v1/workspaces/{platform.demo.workspace.uuid}")
    assert reply.status_code == 403


def test_the_sdks_junk_is_ignored_and_the_shape_is_the_sdks(platform):
    created = create(platform, name="junk", region="us-east-1", _deprecated_fields={},
                     _deprecated_methods={}, vpcId="vpc-123", extra={"a": 1},
                     workspaceData={"kmsKeyArn": "arn:aws:kms:us-east-1:1:key/k", "junk": 1},
                     customTags={"team": "data"})
    platform.settle()
    ws = get(platform, created["uuid"])
    assert "assignedAt" not in ws and "jupterLastActivity" not in ws
    uuidlib.UUID(ws["uuid"]), uuidlib.UUID(ws["organizationUUID"])
    assert ws["organizationUUID"] == platform.demo.organization.uuid
    assert ws["cloudConfig"] == {"uuid": platform.demo.organization.cloud_config_uuid,
                                 "provider": "AWS"}
    assert ws["status"] == "READY" and ws["name"] == "junk" and ws["region"] == "us-east-1"
    assert ws["networkData"]["region"] == "us-east-1" and ws["networkData"]["vpcId"]
    assert ws["workspaceData"] == {"kmsKeyArn": "arn:aws:kms:us-east-1:1:key/k"}
    assert ws["customTags"] == {"team": "data"} and ws["jupyterIsActive"] is False
    assert ws["createdBy"] == platform.demo.org_client_id
    # Same network as the demo workspace in that region: the organization's, shared.
    assert ws["networkData"]["vpcId"] == get(platform, platform.demo.workspace.uuid)[
        "networkData"]["vpcId"]
    duplicate = post(platform, body(platform, name="junk"))
    assert duplicate.status_code == 409 and duplicate.json_body["field"] == "name"


def test_list_filters_and_pages(platform):
    org = org_headers(platform)
    demo = platform.demo.workspace.uuid

    def names(query):
        reply = platform.request("GET", f"/v1/workspaces{query}", headers=org)
        assert reply.status_code == 200, reply.body
        return [w["name"] for w in reply.json_body["data"]], reply.json_body["metadata"]

    everything, meta = names("")
    assert "demo" in everything and meta["total_items"] == len(everything)
    assert names("?name=demo")[0] == ["demo"]
    assert names(f"?uuid={demo}&uuid={uuidlib.uuid4()}")[0] == ["demo"]
    assert "demo" in names("?status=READY&status=FAILED")[0]
    assert names("?status=TERMINATED")[0] == []
    page, meta = names("?page=1&size=1")
    assert len(page) == 1 and meta["total_pages"] == meta["total_items"] == len(everything)


def test_a_workspace_key_sees_only_its_own(platform):
    other = create(platform, name="other-team", region="us-east-1")
    mine = platform.request("GET", "/v1/workspaces").json_body["data"]
    assert [w["uuid"] for w in mine] == [platform.demo.workspace.uuid]
    assert platform.request("GET", f"/v1/workspaces/{other['uuid']}").status_code == 404
    theirs = workspace_headers(platform, other["uuid"])
    reply = platform.request("GET", f"/v1/workspaces/{platform.demo.workspace.uuid}",
                             headers=theirs)
    assert reply.status_code == 404


def test_another_organization_gets_404(platform):
    org = organizations.create_organization("stranger")
    client, secret = clients.create_client(org.uuid)
    headers = platform.headers(client.client_id, secret)
    demo = platform.demo.workspace.uuid
    for method in ("GET", "DELETE"):
        reply = platform.request(method, f"/v1/workspaces/{demo}", headers=headers)
        assert reply.status_code == 404 and "demo" not in reply.body.decode()
    assert platform.request("GET", "/v1/workspaces", headers=headers).json_body["data"] == []
    assert get(platform, demo)["status"] == "READY"


def test_unknown_workspace_and_bad_delete_flag(platform):
    org = org_headers(platform)
    missing = str(uuidlib.uuid4())
    assert platform.request("GET", f"/v1/workspaces/{missing}", headers=org).status_code == 404
    assert platform.request("DELETE", f"/v1/workspaces/{missing}", headers=org).status_code == 404
    reply = platform.request("DELETE", f"/v1/workspaces/{platform.demo.workspace.uuid}"
                                       "?mark_as_terminated=maybe", headers=org)
    assert reply.status_code == 400 and reply.json_body["field"] == "mark_as_terminated"
