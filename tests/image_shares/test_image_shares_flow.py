"""AMI sharing end to end on moto: a task per region, status and readiness, idempotent starts,
images published later, faults in one region, throttling, and a re-link to another account."""
from __future__ import annotations

import json

import boto3

from chalicelib.identity import clients, organizations
from chalicelib.image_shares import commands as image_shares
from chalicelib.image_shares import machine as m
from chalicelib.kernel import config
from chalicelib.kernel.regions import REGIONS
from chalicelib.linking import links as linking
from chalicelib.store import aggregates
from handlers.tick import tick
from local import seed
from local.accounts import bootstrap_account, publish_platform_images
from tests import faults

SECOND_ACCOUNT = "333344445555"


def customer_sees(platform, region: str, creds: dict | None = None) -> set[str]:
    ec2 = boto3.Session(**(creds or platform.customer_creds)).client("ec2", region_name=region)
    return {i["ImageId"] for i in ec2.describe_images(ExecutableUsers=["self"])["Images"]}


def published(platform, region: str) -> set[str]:
    ec2 = boto3.Session(**platform.platform_creds).client("ec2", region_name=region)
    return {i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]}


def share_row(platform, region: str):
    org = platform.demo.organization.uuid
    return aggregates.get(m.KIND, org, image_shares.share_uuid(org, region))


def task_row(platform, task_uuid: str, org_uuid: str | None = None):
    return aggregates.get("task", org_uuid or platform.demo.organization.uuid, task_uuid)


def run_until(platform, predicate, rounds: int = 80, step_seconds: float = 30) -> int:
    """Deliver and tick with the clock moved on until `predicate()`; returns the rounds used."""
    for i in range(rounds):
        platform.pump.drain()
        if predicate():
            return i
        platform.clock.advance(step_seconds)
        tick()
    raise AssertionError("condition never reached")


def link(org, account_id: str, creds: dict, role_name: str = "BodoPlatformUser"):
    """Link `org` to `account_id` the way Settings does (which starts the shares), with a role
    made in that account for this organization's External ID."""
    iam = boto3.Session(**creds).client("iam", region_name="us-east-1")
    trust = linking.trust_policy(config.get().platform_account_id, org.external_id)
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"]["Arn"]
    iam.put_role_policy(RoleName=role_name, PolicyName="corral",
                        PolicyDocument=json.dumps(linking.platform_policy()))
    org = linking.link_manually(org, account_id, arn, "us-east-1")
    image_shares.start(org)   # idempotent: the link has started them already
    return org


def new_org_on_second_account():
    creds = bootstrap_account(SECOND_ACCOUNT, "admin")
    return link(organizations.create_organization("acme"), SECOND_ACCOUNT, creds), creds


def test_starting_again_reshares_without_duplicates(platform):
    org = platform.demo.organization
    before = {r: share_row(platform, r).version for r in REGIONS}
    image_shares.start(org)
    image_shares.start(org)   # the second finds the shares under way: nothing new
    after_start = {r: share_row(platform, r).version for r in REGIONS}
    assert all(after_start[r] == before[r] + 1 for r in REGIONS)
    platform.settle()
    assert image_shares.ready(org.uuid)
    assert all(s["status"] == "SHARED" for s in image_shares.status(org.uuid).values())


def test_an_image_published_later_reaches_the_linked_account(platform):
    org = platform.demo.organization.uuid
    new = publish_platform_images(platform.platform_creds, ["us-west-2"], ["2025.7"])
    new_id = new["us-west-2"][0]["image_id"]
    assert new_id not in customer_sees(platform, "us-west-2")
    # The hourly look (and the per-process listing cache) finds it; the tick re-drives.
    run_until(platform, lambda: new_id in customer_sees(platform, "us-west-2"),
              step_seconds=300)
    got = image_shares.status(org)["us-west-2"]
    assert got["status"] == "SHARED" and got["images"] == len(seed.BODO_VERSIONS) + 1
    task = task_row(platform, got["taskUUID"]).state
    assert new_id in task["details"][0] and task["status"] == "FINISHED"
    # The other regions had nothing new: still their first task.
    assert image_shares.status(org)["us-east-1"]["images"] == len(seed.BODO_VERSIONS)


def test_a_failing_region_shows_its_reason_alone_and_the_tick_retries_it(platform):
    injected = faults.fail("ec2", "ModifyImageAttribute", "UnauthorizedOperation",
                           "You are not authorized to perform this operation.", times=3,
                           status=403)
    # A new account, so every region really calls ModifyImageAttribute: the first three
    # calls fail, all in the first region driven (it tries each of its four images, so one
    # of them is shared); every other region shares.
    org, creds = new_org_on_second_account()
    platform.pump.drain()
    got = image_shares.status(org.uuid)
    failed = [r for r, s in got.items() if s["status"] == "FAILED"]
    assert len(failed) == 1, got
    region = failed[0]
    assert "UnauthorizedOperation" in got[region]["reason"] and got[region]["attempts"] == 1
    assert got[region]["retryAt"] is not None
    assert all(got[r]["status"] == "SHARED" for r in REGIONS if r != region)
    assert not image_shares.ready(org.uuid)
    task = task_row(platform, got[region]["taskUUID"], org.uuid).state
    assert task["status"] == "FAILED"
    assert any("not authorized" in d for d in task["details"])
    # Partial failure: the images that went through are recorded, the rest retried.
    assert injected["left"] == 0
    # Partial failure: the one image that went through is shared and offered; the rest is
    # retried.
    assert got[region]["images"] == 1
    ws = seed.request_workspace(org, "w", region)
    client, secret = clients.create_client(org.uuid, ws.uuid)
    headers = platform.headers(client.client_id, secret)
    reply = platform.request("GET", f"/v1/workspaces/{ws.uuid}/available-images",
                             headers=headers)
    assert reply.status_code == 200 and len(reply.json_body[0]["options"]) == 1
    rounds = run_until(platform, lambda: image_shares.ready(org.uuid))
    assert rounds >= 1   # only after the clock moved past the backoff
    got = image_shares.status(org.uuid)[region]
    assert got["status"] == "SHARED" and got["reason"] is None
    assert customer_sees(platform, region, creds) == published(platform, region)
    reply = platform.request("GET", f"/v1/workspaces/{ws.uuid}/available-images",
                             headers=headers)
    assert reply.status_code == 200 and len(reply.json_body[0]["options"]) == 3


def test_a_lasting_failure_backs_off_and_counts_attempts(platform):
    faults.fail("ec2", "ModifyImageAttribute", "InvalidUserID.Malformed", "bad account",
                times=10_000)
    org, _ = new_org_on_second_account()
    platform.pump.drain()
    assert all(s["status"] == "FAILED" for s in image_shares.status(org.uuid).values())
    ws = seed.request_workspace(org, "w", "us-west-1")
    client, secret = clients.create_client(org.uuid, ws.uuid)
    reply = platform.request("GET", f"/v1/workspaces/{ws.uuid}/available-images",
                             headers=platform.headers(client.client_id, secret))
    assert reply.status_code == 409
    message = reply.json_body["message"]
    assert "failed in us-west-1: InvalidUserID.Malformed" in message
    assert "retries it automatically (attempt 1" in message
    for attempts in (2, 3, 4):
        wait = m.backoff(attempts - 1)
        platform.clock.advance(wait - 1)   # not yet due: nothing retried
        tick()
        platform.pump.drain()
        assert {s["attempts"] for s in image_shares.status(org.uuid).values()} == {attempts - 1}
        platform.clock.advance(1)
        tick()
        platform.pump.drain()
        assert {s["attempts"] for s in image_shares.status(org.uuid).values()} == {attempts}


def test_throttling_is_retried_and_shown_while_pending(platform):
    faults.fail("ec2", "ModifyImageAttribute", "RequestLimitExceeded", "Request limit exceeded.",
                times=1, status=503)
    org, _ = new_org_on_second_account()
    platform.pump.drain()
    got = image_shares.status(org.uuid)
    slowed = [r for r, s in got.items() if s["status"] == "PENDING"]
    assert len(slowed) == 1
    assert "RequestLimitExceeded" in got[slowed[0]]["reason"]
    ws = seed.request_workspace(org, "w", slowed[0])
    client, secret = clients.create_client(org.uuid, ws.uuid)
    reply = platform.request("GET", f"/v1/workspaces/{ws.uuid}/available-images",
                             headers=platform.headers(client.client_id, secret))
    assert reply.status_code == 409
    assert f"is in progress in {slowed[0]} (retrying after: RequestLimitExceeded" in \
        reply.json_body["message"]
    run_until(platform, lambda: image_shares.ready(org.uuid))
    assert got[slowed[0]]["taskUUID"] == image_shares.status(org.uuid)[slowed[0]]["taskUUID"]


def test_a_relink_to_another_account_shares_with_the_new_one(platform):
    org = link(organizations.create_organization("acme"), platform.demo.customer_account_id,
               platform.customer_creds, role_name="BodoPlatformUserAcme")
    platform.settle()
    assert image_shares.ready(org.uuid)
    first_tasks = {r: s["taskUUID"] for r, s in image_shares.status(org.uuid).items()}
    creds = bootstrap_account(SECOND_ACCOUNT, "admin")
    for region in REGIONS:
        assert customer_sees(platform, region, creds) == set()
    org = link(org, SECOND_ACCOUNT, creds)
    got = image_shares.status(org.uuid)
    assert all(s["accountId"] == SECOND_ACCOUNT and s["status"] == "PENDING"
               for s in got.values())
    assert not image_shares.ready(org.uuid)
    platform.settle()
    assert image_shares.ready(org.uuid)
    for region, s in image_shares.status(org.uuid).items():
        assert s["taskUUID"] != first_tasks[region] and s["images"] == len(seed.BODO_VERSIONS)
        assert customer_sees(platform, region, creds) == published(platform, region)


def test_an_unlinked_account_gets_no_new_images(platform):
    org = platform.demo.organization
    organizations.remove_link(organizations.get_organization(org.uuid))
    new = publish_platform_images(platform.platform_creds, ["us-east-1"], ["2025.7"])
    new_id = new["us-east-1"][0]["image_id"]
    for _ in range(15):   # past the hourly look, and past the listing cache
        platform.clock.advance(300)
        tick()
        platform.pump.drain()
    assert new_id not in customer_sees(platform, "us-east-1")
    assert image_shares.status(org.uuid)["us-east-1"]["images"] == len(seed.BODO_VERSIONS)
