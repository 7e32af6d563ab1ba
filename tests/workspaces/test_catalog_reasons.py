"""What a workspace can launch, and why not: instance types and Bodo versions answer 409 with the
manual's reason (no link, bad credentials, images not shared yet, sharing failed, a region
without Bodo images) instead of an empty list. One platform for the module; each test makes its
own organization."""
from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.identity import clients, organizations
from chalicelib.image_shares import commands as image_shares
from chalicelib.kernel import config
from chalicelib.kernel.regions import REGIONS
from chalicelib.linking import links as linking
from local import seed
from local.accounts import bootstrap_account


@pytest.fixture(scope="module")
def p(shared_platform):
    return shared_platform


def workspace_headers(p, org, region="us-east-1"):
    ws = seed.request_workspace(org, f"w-{region}", region)   # names are unique per organization
    client, secret = clients.create_client(org.uuid, ws.uuid, name="test")
    return ws, p.headers(client.client_id, secret)


def images_of(p, ws, headers):
    return p.request("GET", f"/v1/workspaces/{ws.uuid}/available-images", headers=headers)


def lists(p, ws, headers):
    """Both lists (listing every instance type of a region on moto takes seconds: only where
    the instance types matter)."""
    types = p.request("GET", f"/v1/workspaces/{ws.uuid}/available-instances", headers=headers)
    return images_of(p, ws, headers), types


def role(creds, org, name):
    iam = boto3.Session(**creds).client("iam", region_name="us-east-1")
    trust = linking.trust_policy(config.get().platform_account_id, org.external_id)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="corral",
                        PolicyDocument=json.dumps(linking.platform_policy()))
    return arn


def conflict(reply) -> str:
    assert reply.status_code == 409, (reply.status_code, reply.body)
    body = reply.json_body
    assert body["error"] == "Conflict"
    return body["message"]


def test_the_linked_demo_lists_its_versions(p):
    images, types = lists(p, p.demo.workspace, p.headers())
    assert images.status_code == 200 and len(images.json_body[0]["options"]) == 3
    assert types.status_code == 200 and types.json_body[0]["options"]


def test_no_link_says_to_enter_the_credentials(p):
    org = organizations.create_organization("unlinked")
    ws, headers = workspace_headers(p, org)
    images, types = lists(p, ws, headers)
    for reply, what in ((images, "Bodo versions"), (types, "instance types")):
        message = conflict(reply)
        assert message.startswith(f"The {what} cannot be listed: no AWS account is linked")
        assert "Settings" in message
    assert "Bodo's AMIs have been shared" in conflict(images)


def test_an_invalid_role_says_the_credentials_are_not_valid(p):
    org = organizations.create_organization("bad role")
    # Saved without the platform's check, as if the role was deleted after linking.
    org = organizations.save_link(org, "210987654321", "arn:aws:iam::210987654321:role/Gone",
                             "us-east-1")
    ws, headers = workspace_headers(p, org)
    images, types = lists(p, ws, headers)
    for reply in (images, types):
        message = conflict(reply)
        assert "not entered properly or are not valid" in message
        assert "External ID" in message
    assert "Bodo's AMIs" in conflict(images) and "Bodo's AMIs" not in conflict(types)


def test_a_link_without_shares_says_they_were_never_started(p):
    org = organizations.create_organization("never shared")
    arn = role(p.customer_creds, org, "NeverShared")
    org = organizations.save_link(org, p.demo.customer_account_id, arn, "us-east-1")
    # The demo account does see the demo's shares: use a fresh account for this org.
    creds = bootstrap_account("444455556666", "admin")
    arn = role(creds, org, "NeverShared")
    org = organizations.save_link(org, "444455556666", arn, "us-east-1")
    linking.forget()
    ws, headers = workspace_headers(p, org)
    images, types = lists(p, ws, headers)
    assert "have not been shared with your AWS account in us-east-1" in conflict(images)
    assert types.status_code == 200  # instance types need only the role


def test_sharing_in_progress_is_said_per_region(p):
    creds = bootstrap_account("555566667777", "admin")
    org = organizations.create_organization("in progress")
    org = linking.link_manually(org, "555566667777", role(creds, org, "BodoPlatformUser"),
                                  "us-east-1")
    image_shares.start(org)  # enqueued; the pump has not delivered it yet
    for region in ("us-east-1", "us-west-2"):
        ws, headers = workspace_headers(p, org, region)
        message = conflict(images_of(p, ws, headers))
        assert f"sharing Bodo's AMIs with your AWS account is in progress in {region}" in message
    p.pump.drain()
    assert image_shares.ready(org.uuid)
    images = images_of(p, ws, headers)
    assert images.status_code == 200 and len(images.json_body[0]["options"]) == 3


def test_a_region_without_bodo_images_says_where_they_are(p):
    org = p.demo.organization
    ws, headers = workspace_headers(p, org, "eu-west-1")
    message = conflict(images_of(p, ws, headers))
    assert "only in " + ", ".join(REGIONS) in message


def test_shared_images_the_role_cannot_see_are_explained(p):
    # The platform withdrew the permission behind the share's back (or the role is in
    # another account): the share says SHARED, the account sees nothing.
    creds = bootstrap_account("666677778888", "admin")
    org = organizations.create_organization("withdrawn")
    org = linking.link_manually(org, "666677778888", role(creds, org, "BodoPlatformUser"),
                                  "us-east-1")
    image_shares.start(org)
    p.pump.drain()
    ec2 = boto3.Session(**p.platform_creds).client("ec2", region_name="us-east-2")
    for image in ec2.describe_images(Owners=["self"])["Images"]:
        ec2.modify_image_attribute(ImageId=image["ImageId"], LaunchPermission={
            "Remove": [{"UserId": "666677778888"}]})
    ws, headers = workspace_headers(p, org, "us-east-2")
    message = conflict(images_of(p, ws, headers))
    assert "shared with account 666677778888 in us-east-2" in message
    assert "cannot see them" in message
