"""What a workspace can launch: the Bodo versions (images shared with the customer's account)
and the instance types of its region. Both are read from the customer's own account; when that
is impossible the reason is said, as the manual does, instead of an empty list."""
from __future__ import annotations

import threading

from . import clock, identity, settings
from .cloud import images, instance_types
from .cloud.errors import CloudError
from .cloud.sessions import customer_client
from .linking import link_for
from .identity import Workspace
from .lifecycle import DomainError

TYPES_TTL_SECONDS = 3600
_lock = threading.Lock()
_types: dict[tuple[str, str], tuple[float, list]] = {}


def _ec2(ws: Workspace):
    try:
        return customer_client(link_for(ws.organization_uuid), "ec2", ws.region)
    except CloudError as e:
        raise DomainError(_credentials_problem(e)) from e


def _credentials_problem(e: CloudError) -> str:
    if e.code == "AccountNotLinked":
        return ("No AWS account is linked to this organization yet: set the AWS credentials "
                "(account id and role ARN) in Settings.")
    return ("The AWS credentials in Settings are not valid: the platform cannot act in your "
            f"account ({e.reason}). Check the role ARN, its trust policy and the External ID.")


def bodo_versions(ws: Workspace) -> list[images.Image]:
    ec2 = _ec2(ws)
    try:
        found = images.shared_with_customer(ec2, settings.get().platform_account_id)
    except CloudError as e:
        raise DomainError(_credentials_problem(e)) from e
    if not found:
        raise DomainError(f"No Bodo images are shared with your AWS account in {ws.region} yet: "
                          "wait until the AMI share status in Settings is green.")
    return found


def image_for(ws: Workspace, bodo_version: str | None) -> images.Image | None:
    """The image of `bodo_version` (the latest when None), or None if it is not offered."""
    versions = bodo_versions(ws)
    if bodo_version is None:
        return versions[0]
    return next((i for i in versions if i.bodo_version == bodo_version), None)


def _types_key(ws: Workspace) -> tuple[str, str]:
    org = identity.get_organization(ws.organization_uuid)
    return (org.account_id if org else "", ws.region)


def instance_type_list(ws: Workspace) -> list[instance_types.InstanceType]:
    key = _types_key(ws)
    with _lock:
        cached = _types.get(key)
        if cached and cached[0] > clock.now():
            return cached[1]
    ec2 = _ec2(ws)
    try:
        found = instance_types.offered(ec2)
    except CloudError as e:
        raise DomainError(_credentials_problem(e)) from e
    with _lock:
        _types[key] = (clock.now() + TYPES_TTL_SECONDS, found)
    return found


def instance_type(ws: Workspace, name: str) -> instance_types.InstanceType | None:
    """One offered type by name (one small call, not the whole list), or None."""
    key = _types_key(ws)
    with _lock:
        cached = _types.get(key)
    if cached and cached[0] > clock.now():
        return next((t for t in cached[1] if t.name == name), None)
    try:
        found = instance_types.describe(_ec2(ws), name)
    except CloudError as e:
        raise DomainError(_credentials_problem(e)) from e
    return found if found and found.vcpus >= 2 else None


def forget() -> None:
    with _lock:
        _types.clear()
