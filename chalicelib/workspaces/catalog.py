"""What a workspace can launch: the Bodo versions (images shared with the customer's account)
and the instance types of its region. Both are read from the customer's own account; when that
is impossible the reason is said, as the manual does, instead of an empty list.

The instance types are cached per link for an hour, unless the link fails its check first
(linking.health calls `forget_link`): a link that failed is refused with its reason, never
answered from the cache."""
from __future__ import annotations

import threading

from ..cloud import images, instance_types
from ..cloud.sessions import Link, customer_client
from ..image_shares import commands as image_shares
from ..kernel import clock, config
from ..kernel.errors import CloudError, DomainError
from ..kernel.regions import REGIONS
from ..kernel.times import iso
from ..linking.health import LinkFailed
from ..linking.links import link_for
from .machine import Workspace

TYPES_TTL_SECONDS = 3600
# The Bodo versions a link sees, and single instance types looked up to validate a cluster,
# are cached per link like the list of types: creating clusters does not call AWS each time.
# Only what was found is kept (a refusal, or a name that is no type, is asked again); the
# versions for less long (a new latest version is used within minutes), and a version asked
# for that they lack is looked up again.
IMAGES_TTL_SECONDS = 300
_lock = threading.Lock()
# (*link key, "types" | "images" | ("type", name)) -> (expires, value)
_found: dict[tuple, tuple[float, object]] = {}


def _remembered(key: tuple):
    with _lock:
        cached = _found.get(key)
    return cached if cached and cached[0] > clock.now() else None


def _remember(key: tuple, value, ttl: float) -> None:
    with _lock:
        _found[key] = (clock.now() + ttl, value)


def _link(ws: Workspace, what: str) -> Link:
    try:
        return link_for(ws.organization_uuid)
    except CloudError as e:
        raise DomainError(_credentials_problem(e, what)) from e


def _ec2(ws: Workspace, what: str, link: Link | None = None):
    link = link or _link(ws, what)
    try:
        return customer_client(link, "ec2", ws.region)
    except CloudError as e:
        raise _refusal(ws, e, what) from e


def _refusal(ws: Workspace, e: CloudError, what: str) -> DomainError:
    """Why a call through the link failed: the link's own failure when the refusal made it
    fail its check (it is checked at once), else AWS's answer to the call."""
    try:
        link_for(ws.organization_uuid)
    except CloudError as failed:
        e = failed
    return DomainError(_credentials_problem(e, what))


# The manual's notes under "Creating Clusters", said where the list would have been.
INSTANCE_TYPES = "instance types"
BODO_VERSIONS = "Bodo versions"


def _credentials_problem(e: CloudError, what: str) -> str:
    grant = (" and that Bodo's AMIs have been shared with your account"
             if what == BODO_VERSIONS else "")
    if e.code == "AccountNotLinked":
        return (f"The {what} cannot be listed: no AWS account is linked to this organization "
                "yet. Enter the AWS credentials (account id, role ARN and region) in Settings"
                f"{grant}.")
    if isinstance(e, LinkFailed):
        when = f" at {iso(e.checked_at)}" if e.checked_at else ""
        return (f"The {what} cannot be listed: the link to your AWS account {e.account_id} "
                f"failed its check{when} ({e.reason}): the AWS credentials in Settings are not "
                "entered properly or are not valid. Fix the role in your account (check "
                f"the role ARN, its trust policy and the External ID){grant}; Settings shows "
                "the link's status and turns green once its next check passes.")
    return (f"The {what} cannot be listed: the AWS credentials in Settings are not entered "
            f"properly or are not valid (the platform cannot act in your account: {e.reason}). "
            "Go back to Settings and complete them with valid credentials (check the role ARN, "
            f"its trust policy and the External ID){grant}.")


def _not_shared_problem(ws: Workspace) -> str:
    """Why no Bodo image is visible in the workspace's region, from the share status."""
    if ws.region not in REGIONS:
        return (f"No Bodo versions in {ws.region}: Bodo's AMIs are shared only in "
                f"{', '.join(REGIONS)}. Use a workspace in one of those regions.")
    share = image_shares.status(ws.organization_uuid)[ws.region]
    if share["status"] == "FAILED":
        return (f"No Bodo versions yet: sharing Bodo's AMIs with your AWS account failed in "
                f"{ws.region}: {share['reason']}. The platform retries it automatically "
                f"(attempt {share['attempts']}, next at {share['retryAt']}); the AMI share "
                "status in Settings turns green once it succeeds.")
    if share["status"] == "PENDING":
        if share["updatedAt"] is None:
            return (f"No Bodo versions yet: Bodo's AMIs have not been shared with your AWS "
                    f"account in {ws.region}. Save the AWS credentials in Settings to start "
                    "sharing them.")
        passing = f" (retrying after: {share['reason']})" if share["reason"] else ""
        return (f"No Bodo versions yet: sharing Bodo's AMIs with your AWS account is in "
                f"progress in {ws.region}{passing}. Try again in a minute; the AMI share "
                "status in Settings turns green when it is done.")
    if share["images"] == 0:
        return (f"No Bodo versions in {ws.region}: the platform has not published any Bodo "
                "image in this region yet.")
    return (f"No Bodo versions: Bodo's AMIs are shared with account {share['accountId']} in "
            f"{ws.region}, but the linked role cannot see them. Check that the role ARN in "
            "Settings belongs to that account.")


def bodo_versions(ws: Workspace) -> list[images.Image]:
    """The Bodo versions the workspace's link sees, read now (the catalog shows what is shared
    at this moment), and remembered for validating creates."""
    link = _link(ws, BODO_VERSIONS)
    ec2 = _ec2(ws, BODO_VERSIONS, link)
    try:
        found = images.shared_with_customer(ec2, config.get().platform_account_id)
    except CloudError as e:
        raise _refusal(ws, e, BODO_VERSIONS) from e
    if not found:
        raise DomainError(_not_shared_problem(ws))
    _remember((*_types_key(link, ws), "images"), found, IMAGES_TTL_SECONDS)
    return found


def _pick(versions: list[images.Image], bodo_version: str | None) -> images.Image | None:
    if bodo_version is None:
        return versions[0]
    return next((i for i in versions if i.bodo_version == bodo_version), None)


def image_for(ws: Workspace, bodo_version: str | None) -> images.Image | None:
    """The image of `bodo_version` (the latest when None), or None if it is not offered. From
    the versions seen lately when they have it; a version not among them is looked up again
    (it may have been shared since)."""
    remembered = _remembered((*_types_key(_link(ws, BODO_VERSIONS), ws), "images"))
    found = _pick(remembered[1], bodo_version) if remembered else None
    return found or _pick(bodo_versions(ws), bodo_version)


def _types_key(link: Link, ws: Workspace) -> tuple:
    """Cached per link, not per account: another organization's role in the same account
    must not stand in for this one's (whose credentials may be wrong)."""
    return (link.account_id, link.role_arn, link.external_id, ws.region)


def instance_type_list(ws: Workspace) -> list[instance_types.InstanceType]:
    link = _link(ws, INSTANCE_TYPES)   # a link that failed its check is refused first
    key = _types_key(link, ws)
    cached = _remembered((*key, "types"))
    if cached:
        return cached[1]
    ec2 = _ec2(ws, INSTANCE_TYPES, link)
    try:
        found = instance_types.offered(ec2)
    except CloudError as e:
        raise _refusal(ws, e, INSTANCE_TYPES) from e
    _remember((*key, "types"), found, TYPES_TTL_SECONDS)
    return found


def instance_type(ws: Workspace, name: str) -> instance_types.InstanceType | None:
    """One type by name as the region describes it (one small call, not the whole list), or
    None when the region does not know it; whether a cluster can use it is its `usable`."""
    link = _link(ws, INSTANCE_TYPES)
    key = _types_key(link, ws)
    cached = _remembered((*key, "types"))
    if cached:
        listed = next((t for t in cached[1] if t.name == name), None)
        if listed:
            return listed
    remembered = _remembered((*key, "type", name))
    if remembered:
        return remembered[1]
    try:
        found = instance_types.describe(_ec2(ws, INSTANCE_TYPES, link), name)
    except CloudError as e:
        raise _refusal(ws, e, INSTANCE_TYPES) from e
    if not found:
        return None   # not kept: names that are not types must not fill the cache
    _remember((*key, "type", name), found, TYPES_TTL_SECONDS)
    return found


def forget_link(link: Link) -> None:
    """Drop what was cached through `link` (it failed its check)."""
    mine = (link.account_id, link.role_arn, link.external_id)
    with _lock:
        for key in [k for k in _found if k[:3] == mine]:
            del _found[key]


def forget() -> None:
    with _lock:
        _found.clear()
