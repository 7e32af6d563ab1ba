"""Emulated AWS accounts for local mode: credentials and platform AMIs.

moto maps an access key to the account whose IAM backend holds it, so keys
created here make boto3 calls act in that account (as long as
``MOTO_ACCOUNT_ID`` is not set, which would override that mapping).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

import boto3

PLATFORM_ACCOUNT_ID = "481633624848"
DEMO_CUSTOMER_ACCOUNT_ID = "210987654321"   # linked to the seeded demo organization
NEW_CUSTOMER_ACCOUNT_ID = "333344445555"    # unlinked: for signing up as a new customer

_ADMIN_POLICY_NAME = "AdministratorAccess"
_ADMIN_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def bootstrap_account(account_id: str, user_name: str) -> dict[str, str]:
    """Create (once) an admin IAM user with an access key in ``account_id``.

    Works in-process on moto's IAM backend, so it must run in the process
    that hosts moto (``mock_aws`` or an ``Emulator``).  Calling it again
    returns the same key.
    """
    from moto.iam.exceptions import NoSuchEntity
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id]["global"]
    try:
        iam.get_user(user_name)
    except NoSuchEntity:
        iam.create_user(region_name="us-east-1", user_name=user_name)
    iam.put_user_policy(user_name, _ADMIN_POLICY_NAME, _ADMIN_POLICY)
    active = [k for k in iam.list_access_keys(user_name) if k.status == "Active"]
    key = active[0] if active else iam.create_access_key(user_name)
    return {
        "aws_access_key_id": key.access_key_id,
        "aws_secret_access_key": key.secret_access_key,
    }


def _session(session_or_creds: Any) -> tuple[boto3.Session, str | None]:
    if isinstance(session_or_creds, boto3.Session):
        return session_or_creds, None
    creds = dict(session_or_creds)
    endpoint_url = creds.pop("endpoint_url", None)
    return boto3.Session(**creds), endpoint_url


def _version_key(version: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-]", version))


def _publish_in_region(ec2: Any, versions: list[str]) -> list[dict[str, str]]:
    images = []
    for version in versions:  # oldest first, so the newest gets the latest date
        name = f"bodo-{version}-ami"
        found = ec2.describe_images(
            Owners=["self"], Filters=[{"Name": "name", "Values": [name]}]
        )["Images"]
        if found:
            image_id = found[0]["ImageId"]
        else:
            image_id = ec2.register_image(
                Name=name,
                Description=f"Corral platform image with Bodo {version}",
                Architecture="x86_64",
                VirtualizationType="hvm",
                RootDeviceName="/dev/xvda",
                EnaSupport=True,
            )["ImageId"]
        tags = [
            {"Key": "corral:bodo-version", "Value": version},
            {"Key": "corral:image", "Value": "platform"},
        ]
        ec2.create_tags(Resources=[image_id], Tags=tags)
        image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
        images.append(
            {
                "image_id": image_id,
                "bodo_version": version,
                "name": name,
                "created": image["CreationDate"],
            }
        )
    return sorted(images, key=lambda i: i["created"], reverse=True)


def publish_platform_images(
    session_or_creds: Any, regions: Iterable[str], versions: Iterable[str]
) -> dict[str, list[dict[str, str]]]:
    """Register one platform AMI per Bodo version in each region (idempotent).

    ``session_or_creds`` is a boto3 Session or a dict of Session keyword
    arguments (``aws_access_key_id``, ``aws_secret_access_key``, ...) plus an
    optional ``endpoint_url``; it must act as the platform account.  Images
    are named ``bodo-<version>-ami`` and tagged ``corral:bodo-version`` and
    ``corral:image=platform``; newer versions get later CreationDates (with
    ``local.moto_ext`` installed; versions are ordered numerically).
    Returns ``{region: [{"image_id", "bodo_version", "name", "created"}]}``,
    newest first.  Sharing the images with customers is not done here.
    """
    session, endpoint_url = _session(session_or_creds)
    ordered = sorted(set(versions), key=_version_key)
    return {
        region: _publish_in_region(
            session.client("ec2", region_name=region, endpoint_url=endpoint_url), ordered
        )
        for region in regions
    }
