"""Helpers for the workspace tests: the demo organization's key and a workspace body."""
from __future__ import annotations


def org_headers(platform) -> dict:
    return platform.headers(platform.demo.org_client_id, platform.demo.org_secret)


def body(platform, **fields) -> dict:
    return {"name": "analytics", "region": "us-east-2",
            "cloudConfig": {"uuid": platform.demo.organization.cloud_config_uuid},
            "jupyterIsActive": False, **fields}


def create(platform, **fields) -> dict:
    reply = platform.request("POST", "/v1/workspaces", body(platform, **fields),
                             headers=org_headers(platform))
    assert reply.status_code == 200, reply.body
    return reply.json_body


def get(platform, ws_uuid: str) -> dict:
    reply = platform.request("GET", f"/v1/workspaces/{ws_uuid}", headers=org_headers(platform))
    assert reply.status_code == 200, reply.body
    return reply.json_body


def workspace_headers(platform, ws_uuid: str) -> dict:
    reply = platform.request("POST", f"/v1/workspaces/{ws_uuid}/api-tokens", {"name": "t"},
                             headers=org_headers(platform))
    assert reply.status_code == 201, reply.body
    return platform.headers(reply.json_body["clientId"], reply.json_body["secret"])
