"""The AMI share status of the seeded demo (read-only, one platform for the module)."""
from __future__ import annotations

import boto3
import pytest

from chalicelib.identity import organizations
from chalicelib.image_shares import commands as image_shares
from chalicelib.image_shares import machine as m
from chalicelib.kernel.regions import REGIONS
from chalicelib.store import aggregates
from local import seed


def customer_sees(platform, region: str) -> set[str]:
    ec2 = boto3.Session(**platform.customer_creds).client("ec2", region_name=region)
    return {i["ImageId"] for i in ec2.describe_images(ExecutableUsers=["self"])["Images"]}


def published(platform, region: str) -> set[str]:
    ec2 = boto3.Session(**platform.platform_creds).client("ec2", region_name=region)
    return {i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]}


def task_row(platform, task_uuid: str):
    return aggregates.get("task", platform.demo.organization.uuid, task_uuid)


def test_the_seeded_demo_is_shared_in_all_four_regions(shared_platform):
    p = shared_platform
    org = p.demo.organization.uuid
    got = image_shares.status(org)
    assert set(got) == set(REGIONS)
    for region, s in got.items():
        assert s["status"] == "SHARED" and s["reason"] is None and s["attempts"] == 0
        assert s["updatedAt"].endswith("Z") and s["taskUUID"]
        assert s["images"] == len(seed.BODO_VERSIONS)
        assert customer_sees(p, region) == published(p, region)
        task = task_row(p, s["taskUUID"]).state
        assert task["status"] == "FINISHED" and task["operation"] == m.SHARE_IMAGES
        assert task["details"][-1].startswith(f"Shared {len(seed.BODO_VERSIONS)} image(s)")
    assert image_shares.ready(org)


def test_an_organization_never_started_is_pending_everywhere(shared_platform):
    other = organizations.create_organization("never linked")
    got = image_shares.status(other.uuid)
    assert got == {r: {"status": "PENDING", "reason": None, "updatedAt": None, "taskUUID": None,
                       "attempts": 0, "retryAt": None, "accountId": None, "images": 0}
                   for r in REGIONS}
    assert not image_shares.ready(other.uuid)
    with pytest.raises(ValueError):
        image_shares.start(other)


def test_share_uuids_are_deterministic_and_distinct(shared_platform):
    org = shared_platform.demo.organization.uuid
    ids = {image_shares.share_uuid(org, r) for r in REGIONS}
    assert len(ids) == 4 and image_shares.share_uuid(org, "us-east-1") in ids
    assert image_shares.share_uuid("another", "us-east-1") not in ids


