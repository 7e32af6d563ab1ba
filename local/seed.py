"""The demo organization of `make run` (and of the tests): made through the platform's own code,
the way a customer would: the customer subscribes in the (local) AWS Marketplace and the
platform resolves it (ResolveCustomer), the customer creates the documented role in their
account, the platform verifies the link, shares its images and issues API keys."""
from __future__ import annotations

import json
from dataclasses import dataclass

import boto3

from chalicelib.cloud.marketplace import resolve_customer
from chalicelib.identity import clients, customers
from chalicelib.identity.organizations import Organization, create_organization
from chalicelib.image_shares import commands as image_shares
from chalicelib.kernel import config
from chalicelib.kernel.regions import REGIONS
from chalicelib.linking import links as linking
from chalicelib.workspaces import commands as workspaces
from chalicelib.workspaces.machine import Workspace, WorkspaceSpec, WorkspaceStatus

from . import marketplace
from .accounts import DEMO_CUSTOMER_ACCOUNT_ID, publish_platform_images

BODO_VERSIONS = ("2025.3", "2025.4", "2025.5", "2025.6")


@dataclass(frozen=True)
class Demo:
    organization: Organization
    workspace: Workspace
    org_client_id: str
    org_secret: str
    ws_client_id: str
    ws_secret: str
    customer_account_id: str


def publish_images(platform_creds: dict) -> None:
    publish_platform_images(platform_creds, REGIONS, list(BODO_VERSIONS))


def create_customer_role(customer_creds: dict, external_id: str) -> str:
    """What the customer does by hand in the IAM console (manual: Create the IAM Role Manually)."""
    iam = boto3.Session(**customer_creds).client("iam", region_name="us-east-1")
    policy = linking.trust_policy(config.get().platform_account_id, external_id)
    arn = iam.create_role(RoleName=linking.ROLE_NAME,
                          AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    iam.put_role_policy(RoleName=linking.ROLE_NAME, PolicyName="Bodo-Platform-User-Policy",
                        PolicyDocument=json.dumps(linking.platform_policy()))
    return arn


def share_images(org: Organization, rounds: int = 20) -> None:
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


def request_workspace(org: Organization, name: str, region: str) -> Workspace:
    """Request a workspace through its lifecycle (it is NEW until the engine has verified the
    link and ensured the network), with the organization's cloud config."""
    spec = WorkspaceSpec(name=name, region=region, cloud_config_uuid=org.cloud_config_uuid or "")
    return workspaces.create(org.uuid, spec)


def create_workspace(org: Organization, name: str, region: str,
                     rounds: int = 20) -> Workspace:
    """Create a workspace and deliver the queue until it is READY, as `make run` and the tests
    expect of the demo workspace."""
    from .pump import Pump
    ws = request_workspace(org, name, region)
    pump = Pump()
    for _ in range(rounds):
        pump.drain()
        ws = workspaces.get(org.uuid, ws.uuid)
        if ws.status not in (WorkspaceStatus.NEW, WorkspaceStatus.INPROGRESS):
            break
    if ws.status != WorkspaceStatus.READY:
        raise RuntimeError(f"the demo workspace is {ws.status.value}, not READY: {ws.failure}")
    return ws


def seed_demo(customer_creds: dict, region: str = "us-east-1",
              customer_account_id: str = DEMO_CUSTOMER_ACCOUNT_ID) -> Demo:
    org = create_organization("demo")
    # Its AWS Marketplace subscription (local/marketplace.py), as a sign-up would record it:
    # `marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)` ends it.
    customers.record(resolve_customer(marketplace.create_subscription(customer_account_id)),
                     org.uuid)
    role_arn = create_customer_role(customer_creds, org.external_id)
    org = linking.link_manually(org, customer_account_id, role_arn, region)
    share_images(org)
    ws = create_workspace(org, "demo", region)
    org_client, org_secret = clients.create_client(org.uuid, name="demo organization key")
    ws_client, ws_secret = clients.create_client(org.uuid, ws.uuid, name="demo workspace key")
    return Demo(org, ws, org_client.client_id, org_secret, ws_client.client_id, ws_secret,
                customer_account_id)
