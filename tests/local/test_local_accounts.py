"""Emulated accounts: bootstrapped credentials and platform images."""

from __future__ import annotations

import boto3

from local.accounts import (
    DEMO_CUSTOMER_ACCOUNT_ID,
    PLATFORM_ACCOUNT_ID,
    bootstrap_account,
    publish_platform_images,
)


def test_bootstrap_account_keys_act_in_that_account(aws, client_for):
    creds = bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "admin")
    assert set(creds) == {"aws_access_key_id", "aws_secret_access_key"}
    client = client_for(creds)
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == DEMO_CUSTOMER_ACCOUNT_ID
    assert identity["Arn"] == f"arn:aws:iam::{DEMO_CUSTOMER_ACCOUNT_ID}:user/admin"
    policies = client("iam").list_user_policies(UserName="admin")["PolicyNames"]
    assert policies == ["AdministratorAccess"]


def test_bootstrap_account_is_idempotent(aws):
    first = bootstrap_account(PLATFORM_ACCOUNT_ID, "admin")
    assert bootstrap_account(PLATFORM_ACCOUNT_ID, "admin") == first
    other = bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "admin")
    assert other["aws_access_key_id"] != first["aws_access_key_id"]


def test_publish_platform_images(platform_aws, aws):
    creds = bootstrap_account(PLATFORM_ACCOUNT_ID, "platform-admin")
    versions = ["2024.9", "2024.10", "2025.1"]
    published = publish_platform_images(creds, ["us-east-1", "us-west-2"], versions)
    assert set(published) == {"us-east-1", "us-west-2"}
    for region, images in published.items():
        # newest (by version) first, with strictly decreasing CreationDate
        assert [i["bodo_version"] for i in images] == ["2025.1", "2024.10", "2024.9"]
        assert [i["name"] for i in images] == [
            "bodo-2025.1-ami",
            "bodo-2024.10-ami",
            "bodo-2024.9-ami",
        ]
        created = [i["created"] for i in images]
        assert created == sorted(created, reverse=True) and len(set(created)) == 3
        described = platform_aws("ec2", region).describe_images(Owners=["self"])["Images"]
        assert {i["ImageId"] for i in described} == {i["image_id"] for i in images}
        by_id = {i["ImageId"]: i for i in described}
        for image in images:
            tags = {t["Key"]: t["Value"] for t in by_id[image["image_id"]]["Tags"]}
            assert tags == {
                "corral:bodo-version": image["bodo_version"],
                "corral:image": "platform",
            }
            assert by_id[image["image_id"]]["CreationDate"] == image["created"]
            assert by_id[image["image_id"]]["Name"] == image["name"]
    newest = sorted(described, key=lambda i: i["CreationDate"], reverse=True)[0]
    assert newest["Name"] == "bodo-2025.1-ami"

    # Idempotent, and accepts a boto3 Session too.
    session = boto3.Session(**creds)
    assert publish_platform_images(session, ["us-east-1"], versions) == {
        "us-east-1": published["us-east-1"]
    }
    assert len(platform_aws("ec2").describe_images(Owners=["self"])["Images"]) == 3
