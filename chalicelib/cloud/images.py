"""Bodo images: the platform publishes one AMI per Bodo version and region, named
`bodo-<version>-ami`, and grants launch permission to each linked customer account. A customer
sees the versions whose AMIs are shared with it; the three latest are offered."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sessions import call

NAME = re.compile(r"^bodo-(?P<version>[0-9][0-9A-Za-z.+-]*)-ami$")
OFFERED = 3


@dataclass(frozen=True)
class Image:
    image_id: str
    bodo_version: str
    created: str


def _images(ec2, **kw) -> list[Image]:
    found = call(ec2.describe_images, Filters=[{"Name": "name", "Values": ["bodo-*-ami"]},
                                               {"Name": "state", "Values": ["available"]}], **kw)
    images = []
    for i in found["Images"]:
        m = NAME.match(i.get("Name", ""))
        if m:
            images.append(Image(i["ImageId"], m["version"], i.get("CreationDate", "")))
    return sorted(images, key=lambda i: (i.created, i.bodo_version), reverse=True)


def shared_with_customer(ec2, platform_account_id: str) -> list[Image]:
    """The latest images this (customer) account may launch, newest first."""
    return _images(ec2, Owners=[platform_account_id], ExecutableUsers=["self"])[:OFFERED]


def published(platform_ec2) -> list[Image]:
    """Every image the platform publishes in the client's region, newest first."""
    return _images(platform_ec2, Owners=["self"])


def grant(platform_ec2, image_id: str, account_id: str) -> None:
    """Grant `account_id` launch permission on one image (idempotent: granting again changes
    nothing)."""
    call(platform_ec2.modify_image_attribute, ImageId=image_id,
         LaunchPermission={"Add": [{"UserId": account_id}]})


def share(platform_ec2, account_id: str) -> list[str]:
    """Grant `account_id` launch permission on every published image of this region (the
    platform shares through chalicelib.image_shares, a task per region; this is the bare
    call)."""
    shared = []
    for image in published(platform_ec2):
        grant(platform_ec2, image.image_id, account_id)
        shared.append(image.image_id)
    return shared
