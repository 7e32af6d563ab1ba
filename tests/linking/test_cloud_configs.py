"""The SDK's cloud configs map onto the organization's one link."""
from __future__ import annotations

import json

import pytest

from chalicelib.identity import organizations

from .helpers import OTHER_ACCOUNT, account, org_headers, role_for


def _post(platform, headers, provider_data, name="main"):
    return platform.request("POST", "/v1/cloud-configs",
                            {"name": name, "providerData": provider_data,
                             "_deprecated_fields": {}}, headers=headers)


def test_cloud_config_with_a_role(platform):
    org = organizations.create_organization("acme")
    h = org_headers(platform, org)
    arn = role_for(org, account())
    reply = _post(platform, h, {"provider": "AWS", "roleArn": arn, "tfBackendRegion": "us-east-2",
                                "accountId": OTHER_ACCOUNT})
    assert reply.status_code == 200, reply.body
    cc = reply.json_body
    assert cc["providerData"] == {"provider": "AWS", "roleArn": arn, "externalId": org.external_id,
                                  "accountId": OTHER_ACCOUNT, "tfBackendRegion": "us-east-2",
                                  "tfBucketName": None}
    assert cc["organizationUUID"] == org.uuid and cc["name"] == "main"
    assert platform.request("GET", f"/v1/cloud-configs/{cc['uuid']}", headers=h).json_body == cc
    listed = platform.request("GET", "/v1/cloud-configs?provider=AWS", headers=h).json_body
    assert [c["uuid"] for c in listed["data"]] == [cc["uuid"]]
    assert listed["metadata"]["total_items"] == 1
    # The SDK's _save: PUT with the whole object and no JSON content type.
    put_headers = {k: v for k, v in h.items() if k.lower() != "content-type"}
    reply = platform.http.put(f"/v1/cloud-configs/{cc['uuid']}", headers=put_headers,
                              body=json.dumps({**cc, "name": "renamed"}))
    assert reply.status_code == 200, reply.body
    assert reply.json_body["name"] == "renamed" and reply.json_body["uuid"] == cc["uuid"]
    assert platform.request("DELETE", f"/v1/cloud-configs/{cc['uuid']}",
                            headers=h).status_code == 200
    assert platform.request("GET", f"/v1/cloud-configs/{cc['uuid']}", headers=h).status_code == 404
    assert not organizations.get_organization(org.uuid).linked


def test_cloud_config_with_access_keys_creates_the_role(platform):
    org = organizations.create_organization("acme")
    creds = account()
    reply = _post(platform, org_headers(platform, org), {
        "provider": "AWS", "tfBackendRegion": "us-east-1",
        "accessKeyId": creds["aws_access_key_id"],
        "secretAccessKey": creds["aws_secret_access_key"]})
    assert reply.status_code == 200, reply.body
    assert reply.json_body["providerData"]["roleArn"] == \
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/BodoPlatformUser"
    assert creds["aws_secret_access_key"] not in json.dumps(reply.json_body)
    assert organizations.get_organization(org.uuid).linked


def test_bad_cloud_configs(platform):
    org = organizations.create_organization("acme")
    h = org_headers(platform, org)
    account()
    cases = [
        ({"provider": "AZURE", "tfBackendRegion": "us-east-1"}, "providerData.provider"),
        ({"provider": "AWS"}, "providerData.tfBackendRegion"),
        ({"provider": "AWS", "tfBackendRegion": "us-east-1"}, "providerData.roleArn"),
        ({"provider": "AWS", "tfBackendRegion": "eu-west-1",
          "roleArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/BodoPlatformUserX"},
         "providerData.tfBackendRegion"),
        ({"provider": "AWS", "tfBackendRegion": "us-east-1",
          "roleArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/BodoPlatformUserMissing"},
         "providerData.roleArn"),
        ({"provider": "AWS", "tfBackendRegion": "us-east-1",
          "roleArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/Admin"}, "providerData.roleArn"),
    ]
    for data, field in cases:
        reply = _post(platform, h, data)
        assert reply.status_code == 400, (data, reply.body)
        assert reply.json_body["field"] == field
    assert _post(platform, h, "nope").status_code == 400
    assert platform.request("POST", "/v1/cloud-configs", {"providerData": {}},
                            headers=h).json_body["field"] == "name"
    assert not organizations.get_organization(org.uuid).linked
    # A workspace key may not touch cloud configs.
    assert platform.request("GET", "/v1/cloud-configs").status_code == 403


def test_unlinking_is_refused_while_any_cluster_of_the_organization_lives(platform):
    """Issue 8: after a workspace removal raced cluster creates, the workspace was TERMINATED
    with clusters RUNNING, and deleting the cloud config was then allowed (the removals then
    retried forever, "not linked", while instances kept running). Here a removal decided as if
    the workspace were empty is refused where it is written (the store checks the workspace's
    live clusters in the same transaction), and unlinking is refused naming the cluster."""
    from chalicelib.engine import driver as engine
    from chalicelib.kernel.errors import DomainError
    from chalicelib.workspaces import machine as w

    demo = platform.demo
    cluster = platform.create_cluster(name="left-running")
    platform.settle()
    with pytest.raises(DomainError):
        engine.execute(w.KIND, demo.organization.uuid, demo.workspace.uuid,
                       lambda s: w.decide_remove(s, [], "t-race", platform.clock()))
    platform.settle()
    from chalicelib.workspaces import commands as workspaces
    assert workspaces.get(demo.organization.uuid, demo.workspace.uuid).status.value == "READY"
    h = org_headers(platform, demo.organization)
    cc = organizations.get_organization(demo.organization.uuid).cloud_config_uuid
    refused = platform.request("DELETE", f"/v1/cloud-configs/{cc}", headers=h)
    assert refused.status_code == 409, refused.body
    assert "left-running" in refused.json_body["message"]
    assert organizations.get_organization(demo.organization.uuid).linked
