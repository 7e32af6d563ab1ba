"""The demo organization of `make run` (and of the tests): made through the platform's own code,
the way a customer would: the customer creates the documented role in their account, the
platform verifies the link, shares its images and issues API keys."""
from __future__ import annotations

import json
from dataclasses import dataclass

import boto3

from chalicelib import identity, image_shares, linking, settings, workspaces
from chalicelib.cloud import images

from .accounts import DEMO_CUSTOMER_ACCOUNT_ID, publish_platform_images

BODO_VERSIONS = ("2025.3", "2025.4", "2025.5", "2025.6")


@dataclass(frozen=True)
class Demo:
    organization: identity.Organization
    workspace: identity.Workspace
    org_client_id: str
    org_secret: str
    ws_client_id: str
    ws_secret: str
    customer_account_id: str


def publish_images(platform_creds: dict) -> None:
    publish_platform_images(platform_creds, images.REGIONS, list(BODO_VERSIONS))


def create_customer_role(customer_creds: dict, external_id: str) -> str:
    """What the customer does by hand in the IAM console (manual: Create the IAM Role Manually)."""
    iam = boto3.Session(**customer_creds).client("iam", region_name="us-east-1")
    policy = linking.trust_policy(settings.get().platform_account_id, external_id)
    arn = iam.create_role(RoleName=linking.ROLE_NAME,
                          AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    iam.put_role_policy(RoleName=linking.ROLE_NAME, PolicyName="Bodo-Platform-User-Policy",
                        PolicyDocument=json.dumps(linking.platform_policy()))
    return arn


def share_images(org: identity.Organization, rounds: int = 20) -> None:
    """Share the platform's images with the organization's account the platform's own way (a
    task per region, image_shares.start) and deliver the queue until every region is SHARED:
    the demo's settings are printed only once its account is ready."""
    from .pump import Pump  # the pump needs the work queue, provisioned by now
    image_shares.start(org)
    pump = Pump()
    for _ in range(rounds):
        pump.drain()
        if image_shares.ready(org.uuid):
            return
    problems = {r: s["reason"] or s["status"] for r, s in image_shares.status(org.uuid).items()
                if s["status"] != "SHARED"}
    raise RuntimeError(f"the demo's images could not be shared: {problems}")


def create_workspace(org: identity.Organization, name: str, region: str,
                     rounds: int = 20) -> identity.Workspace:
    """Create a workspace through its lifecycle (chalicelib/workspaces.py) and deliver the queue
    until it is READY, as `make run` and the tests expect of the demo workspace."""
    from .pump import Pump
    ws = identity.create_workspace(org, name, region)
    pump = Pump()
    for _ in range(rounds):
        pump.drain()
        ws = identity.get_workspace(org.uuid, ws.uuid)
        if ws.status != "NEW" and ws.status != "INPROGRESS":
            break
    if ws.status != "READY":
        raise RuntimeError(f"the demo workspace is {ws.status}, not READY: "
                           f"{workspaces.get(org.uuid, ws.uuid).failure}")
    return ws


def seed_demo(customer_creds: dict, region: str = "us-east-1",
              customer_account_id: str = DEMO_CUSTOMER_ACCOUNT_ID) -> Demo:
    org = identity.create_organization("demo")
    role_arn = create_customer_role(customer_creds, org.external_id)
    org = linking.verify_and_save(org, customer_account_id, role_arn, region)
    share_images(org)
    ws = create_workspace(org, "demo", region)
    org_client, org_secret = identity.create_client(org.uuid, name="demo organization key")
    ws_client, ws_secret = identity.create_client(org.uuid, ws.uuid, name="demo workspace key")
    return Demo(org, ws, org_client.client_id, org_secret, ws_client.client_id, ws_secret,
                customer_account_id)
