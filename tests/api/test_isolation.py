"""Every route is scoped to the caller's organization and workspace; bad or missing
credentials learn nothing."""
from __future__ import annotations

import json

import pytest

from chalicelib.identity import clients, organizations
from local import seed

ROUTES = [
    ("GET", "/v1/clusters/{cluster}"),
    ("DELETE", "/v1/clusters/{cluster}"),
    ("GET", "/v2/clusters"),
    ("GET", "/v1/tasks"),
    ("GET", "/v1/tasks/{task}"),
    ("GET", "/v1/workspaces/{ws}"),
    ("GET", "/v1/workspaces/{ws}/available-images"),
    ("GET", "/v1/workspaces/{ws}/available-instances"),
    ("POST", "/v1/clusters"),
]


@pytest.fixture(scope="module")
def platform(shared_platform):
    return shared_platform


@pytest.fixture(scope="module")
def setup(platform):
    cluster = platform.create_cluster(name="private")
    other_org = organizations.create_organization("other")
    other_ws = seed.request_workspace(other_org, "other", "us-east-1")
    other_client, other_secret = clients.create_client(other_org.uuid, other_ws.uuid)
    revoked, revoked_secret = clients.create_client(platform.demo.organization.uuid,
                                                     platform.demo.workspace.uuid)
    revoked_headers = platform.headers(revoked.client_id, revoked_secret)
    from chalicelib.store import records
    body = {**revoked.__dict__, "revoked": True}
    records.put_record(f"client#{revoked.client_id}", "client", "client", body)
    return {
        "paths": {"cluster": cluster["uuid"], "task": cluster["taskUUID"],
                  "ws": platform.demo.workspace.uuid},
        "other": platform.headers(other_client.client_id, other_secret),
        "revoked": revoked_headers,
    }


def call(platform, method, path, headers):
    body = json.dumps({"name": "x", "instanceType": "c5.2xlarge", "workersQuantity": 1}) \
        if method == "POST" else None
    return platform.request(method, path, body, headers=headers)


@pytest.mark.parametrize("method, template", ROUTES)
def test_another_tenant_gets_404_or_nothing(platform, setup, method, template):
    path = template.format(**setup["paths"])
    reply = call(platform, method, path, setup["other"])
    if template in ("/v2/clusters", "/v1/tasks"):
        assert reply.status_code == 200 and reply.json_body["data"] == []
    elif method == "POST":
        # It creates in its own (unlinked) workspace: refused, and nothing about ours.
        assert reply.status_code == 409
        assert setup["paths"]["cluster"] not in reply.body.decode()
    else:
        assert reply.status_code == 404
        assert "private" not in reply.body.decode()


@pytest.mark.parametrize("method, template", ROUTES)
@pytest.mark.parametrize("who", ["none", "garbage", "revoked", "expired", "wrong-key"])
def test_bad_credentials_are_401(platform, setup, method, template, who):
    path = template.format(**setup["paths"])
    if who == "none":
        headers = {"Content-Type": "application/json"}
    elif who == "garbage":
        headers = {"Authorization": "Bearer not-a-jwt"}
    elif who == "revoked":
        headers = setup["revoked"]
    elif who == "wrong-key":
        import jwt
        token = jwt.encode({"sub": platform.demo.ws_client_id, "org": platform.demo.organization.uuid,
                            "tenantId": platform.demo.workspace.uuid, "iss": "corral",
                            "iat": int(platform.clock()), "exp": int(platform.clock()) + 600},
                           "x" * 40, algorithm="HS256")
        headers = {"Authorization": f"Bearer {token}"}
    else:
        headers = platform.headers()
        platform.clock.advance(3601)
    try:
        reply = call(platform, method, path, headers)
    finally:
        if who == "expired":
            platform.clock.advance(-3601)
    assert reply.status_code == 401, reply.body
    assert "private" not in reply.body.decode()


def test_wrong_secret_gets_no_token(platform):
    reply = platform.http.post("/identity/resources/auth/v2/api-token",
                               headers={"Content-Type": "application/json"},
                               body=json.dumps({"clientId": platform.demo.ws_client_id,
                                                "secret": "wrong"}))
    assert reply.status_code == 401


def test_org_key_cannot_use_workspace_routes_and_vice_versa(platform):
    org = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    assert platform.request("GET", "/v2/clusters", headers=org).status_code == 403
    ws = platform.headers()
    reply = platform.request("POST", f"/v1/workspaces/{platform.demo.workspace.uuid}/api-tokens",
                             "{}", headers=ws)
    assert reply.status_code == 403


def test_org_key_mints_a_working_workspace_key(platform):  # adds a key: harmless to others
    org = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    reply = platform.request("POST", f"/v1/workspaces/{platform.demo.workspace.uuid}/api-tokens",
                             json.dumps({"name": "ci"}), headers=org)
    assert reply.status_code == 201
    key = reply.json_body
    headers = platform.headers(key["clientId"], key["secret"])
    assert platform.request("GET", "/v2/clusters", headers=headers).status_code == 200
