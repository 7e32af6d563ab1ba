"""A link the customer breaks is noticed within minutes, not after the credentials' hour: the
link is checked (one AssumeRole) when its last check is a few minutes old and at once when AWS
refuses a call made through it; Settings and the catalog then say why, what was cached through
the link ends, and the next check that passes turns it green again."""
from __future__ import annotations

import json

from chalicelib.cloud import sessions
from chalicelib.identity import organizations, users
from chalicelib.kernel import config
from chalicelib.linking import health
from chalicelib.linking import links as linking
from chalicelib.workspaces import catalog
from tests import faults
from tests.identity.helpers import Browser, signed_up_and_in, text

from .helpers import OTHER_ACCOUNT, account, iam, role_for

ROLE = "BodoPlatformUser"
# A small instance-type list (listing a region's every type on moto takes over a second).
TYPES = {"InstanceTypes": [{"InstanceType": "c5.2xlarge", "VCpuInfo": {"DefaultVCpus": 8},
                            "MemoryInfo": {"SizeInMiB": 16384},
                            "NetworkInfo": {"EfaSupported": False}}]}


def set_trust(iam_client, external_id: str) -> None:
    """The customer changes the role's trust policy (UpdateAssumeRolePolicy)."""
    trust = linking.trust_policy(config.get().platform_account_id, external_id)
    iam_client.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))


def break_trust(platform) -> None:
    """The demo's role now asks for another External ID (as if made for someone else)."""
    set_trust(platform.customer("iam"), "0" * 48)


def fix_trust(platform) -> None:
    set_trust(platform.customer("iam"), platform.demo.organization.external_id)


def settings(platform) -> dict:
    headers = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    reply = platform.request("GET", "/v1/settings", headers=headers)
    assert reply.status_code == 200, reply.body
    return reply.json_body


def catalog_reply(platform, what: str):
    ws = platform.demo.workspace
    return platform.request("GET", f"/v1/workspaces/{ws.uuid}/available-{what}")


def link_of(platform) -> sessions.Link:
    org = platform.demo.organization
    return sessions.Link(org.role_arn, org.external_id, org.account_id)


def cached_credentials(platform) -> bool:
    link = link_of(platform)
    return (link.role_arn, link.external_id) in sessions._credentials


def cached_types(platform) -> bool:
    link = link_of(platform)
    return any(k[:3] == (link.account_id, link.role_arn, link.external_id)
               and k[4:] == ("types",) for k in catalog._found)


def assert_failed_with_trust_reason(platform) -> dict:
    view = settings(platform)
    assert view["ready"] is False
    assert view["link"]["status"] == "FAILED", view["link"]
    assert view["link"]["reason"].startswith("AccessDenied") \
        and "sts:AssumeRole" in view["link"]["reason"]
    for what in ("images", "instances"):
        reply = catalog_reply(platform, what)
        assert reply.status_code == 409, reply.body
        message = reply.json_body["message"]
        assert f"account {platform.demo.customer_account_id} failed its check" in message
        assert "sts:AssumeRole" in message and "Settings" in message
    # What was cached through the link ended with it.
    assert not cached_credentials(platform) and not cached_types(platform)
    return view


def test_a_broken_trust_policy_shows_within_minutes_and_heals_at_the_next_check(platform):
    listed = faults.empty_reply("ec2", "DescribeInstanceTypes", TYPES, times=10)
    view = settings(platform)
    assert view["ready"] is True and view["link"]["status"] == "OK"
    assert catalog_reply(platform, "instances").status_code == 200
    assert cached_credentials(platform) and cached_types(platform) and listed["calls"] == 1

    break_trust(platform)
    # The credentials already assumed still work (as on AWS): nothing tells yet.
    assert settings(platform)["link"]["status"] == "OK"
    platform.clock.advance(health.CHECK_EVERY_SECONDS + 1)   # 5 minutes, not 55
    assert_failed_with_trust_reason(platform)

    # Still failing a minute later (checked again, answered the same).
    platform.clock.advance(health.RECHECK_FAILED_SECONDS + 1)
    assert settings(platform)["link"]["status"] == "FAILED"

    fix_trust(platform)
    platform.clock.advance(health.RECHECK_FAILED_SECONDS + 1)
    view = settings(platform)
    assert view["link"] == {"status": "OK", "reason": None,
                            "checkedAt": view["link"]["checkedAt"]} and view["ready"] is True
    assert catalog_reply(platform, "instances").status_code == 200
    assert catalog_reply(platform, "images").status_code == 200
    assert listed["calls"] == 2   # the list was asked for again, not served from before


def test_a_refused_catalog_call_checks_the_link_at_once(platform):
    assert settings(platform)["link"]["status"] == "OK"
    assert catalog_reply(platform, "instances").status_code == 200   # credentials assumed
    assert cached_credentials(platform)
    break_trust(platform)
    # The role was deleted or its sessions revoked: calls with the cached credentials fail.
    faults.fail("ec2", "DescribeImages", "UnauthorizedOperation",
                "You are not authorized to perform this operation.", status=403)
    reply = catalog_reply(platform, "images")   # no time has passed
    assert reply.status_code == 409
    assert "failed its check" in reply.json_body["message"]
    assert_failed_with_trust_reason(platform)

    fix_trust(platform)
    platform.clock.advance(health.RECHECK_FAILED_SECONDS + 1)
    assert settings(platform)["link"]["status"] == "OK"
    assert catalog_reply(platform, "images").status_code == 200


def test_a_refused_step_checks_the_link_at_once(platform):
    c = platform.create_cluster()
    break_trust(platform)
    faults.fail("ec2", "DescribePlacementGroups", "UnauthorizedOperation",
                "You are not authorized to perform this operation.", status=403)
    platform.pump.drain()   # the launch's first step: refused
    assert "UnauthorizedOperation" in platform.cluster(c["uuid"])["failureReason"]
    assert_failed_with_trust_reason(platform)
    # Meanwhile a new cluster is refused with the link's reason, before anything is made.
    reply = platform.request("POST", "/v1/clusters", {"name": "c2", "instanceType": "c5.2xlarge",
                                                      "workersQuantity": 2})
    assert reply.status_code == 409 and "sts:AssumeRole" in reply.json_body["message"]

    fix_trust(platform)
    platform.clock.advance(health.RECHECK_FAILED_SECONDS + 1)
    assert settings(platform)["link"]["status"] == "OK"
    ok = platform.create_cluster(name="c3")
    platform.pump.drain()
    assert platform.cluster(ok["uuid"])["status"] != "FAILED"


def test_a_missing_permission_is_said_where_it_happened_and_leaves_the_link_usable(platform):
    before = settings(platform)["link"]["checkedAt"]
    platform.clock.advance(10)
    faults.fail("ec2", "DescribeImages", "UnauthorizedOperation",
                "You are not authorized to perform this operation.", status=403)
    reply = catalog_reply(platform, "images")
    assert reply.status_code == 409 and "UnauthorizedOperation" in reply.json_body["message"]
    link = settings(platform)["link"]
    # Checked again at once (the role's trust holds): the link stays green.
    assert link["status"] == "OK" and link["checkedAt"] != before
    assert catalog_reply(platform, "images").status_code == 200


def test_a_failed_check_is_shared_by_every_process(platform):
    break_trust(platform)
    platform.clock.advance(health.CHECK_EVERY_SECONDS + 1)
    assert settings(platform)["link"]["status"] == "FAILED"
    # Another process, knowing nothing of the link yet, goes by the recorded check.
    health.forget()
    asked = faults.fail("sts", "AssumeRole", "AccessDenied", "not asked", times=0)
    assert settings(platform)["link"]["status"] == "FAILED"
    assert catalog_reply(platform, "images").status_code == 409
    assert asked["calls"] == 0


def test_the_settings_page_shows_the_failure_and_its_reason(platform):
    b = Browser(platform)
    signed_up_and_in(b, "grace@example.com")
    org = organizations.get_organization(
        users.find_by_email("grace@example.com").organization_uuid)
    creds = account()
    arn = role_for(org, creds)
    linking.link_manually(org, OTHER_ACCOUNT, arn, "us-east-1")
    assert 'id="status">link failing' not in text(b.get("/settings"))

    set_trust(iam(creds), "0" * 48)
    platform.clock.advance(health.CHECK_EVERY_SECONDS + 1)
    page = text(b.get("/settings"))
    assert 'id="status">link failing' in page and 'id="status">ready' not in page
    assert "AccessDenied" in page and "sts:AssumeRole" in page and arn in page

    set_trust(iam(creds), org.external_id)
    platform.clock.advance(health.RECHECK_FAILED_SECONDS + 1)
    assert 'id="status">link failing' not in text(b.get("/settings"))
