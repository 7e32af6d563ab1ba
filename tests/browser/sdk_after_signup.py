"""Run with the SDK's own virtualenv (.venv-sdk/bin/python), after a new customer signed up
in the browser and linked their account: with the organization key they created on the keys
page, the unmodified SDK creates a workspace and waits until it is READY; a workspace key
minted for it lists the Bodo versions and instance types. Prints one JSON line.

usage: sdk_after_signup.py <api_url> <org client id> <org secret>
"""
from __future__ import annotations

import json
import sys

import requests
from bodosdk import BodoOrganizationClient, BodoWorkspaceClient


def main(api_url: str, client_id: str, secret: str) -> int:
    org = BodoOrganizationClient(client_id=client_id, secret_key=secret, api_url=api_url,
                                 auth_url=api_url)
    config = list(org.list_cloud_configs())[0]
    ws = org.create_workspace(name="first", region="us-east-1", cloud_config_id=str(config.uuid))
    ws.wait_for_status(["READY"], timeout=120, tick=1)
    token = requests.post(f"{api_url}/identity/resources/auth/v2/api-token", timeout=15,
                          json={"clientId": client_id, "secret": secret}).json()["access_token"]
    key = requests.post(f"{api_url}/v1/workspaces/{ws.uuid}/api-tokens", timeout=15,
                        headers={"Authorization": f"Bearer {token}"}, json={"name": "sdk"})
    key.raise_for_status()
    client = BodoWorkspaceClient(client_id=key.json()["clientId"], secret_key=key.json()["secret"],
                                 api_url=api_url, auth_url=api_url)
    print(json.dumps({"workspace": str(ws.uuid), "status": ws.status,
                      "versions": client.ClusterClient.get_bodo_versions(),
                      "instance_types": len(client.ClusterClient.get_instance_types())}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
