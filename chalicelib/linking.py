"""Linking a customer's AWS account: the role the platform assumes, the policy it needs, and
the check that the link really works before it is saved."""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import clock, identity
from .cloud.errors import CloudError
from .cloud.sessions import Link, call, customer_client
from .identity import Organization

ROLE_NAME = "BodoPlatformUser"
POLICY_PATH = Path(__file__).parent / "policy" / "platform-policy.json"
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


class LinkError(Exception):
    """The link cannot be made; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


LINK_TTL_SECONDS = 60
_links: dict[str, tuple[Link, float]] = {}


def link_for(organization_uuid: str) -> Link:
    """The organization's link, read at most once a minute per process (every step needs it;
    a re-linked account is picked up within the minute)."""
    cached = _links.get(organization_uuid)
    if cached and cached[1] > clock.now():
        return cached[0]
    org = identity.get_organization(organization_uuid)
    if org is None or not org.linked:
        raise CloudError("AccountNotLinked", "the organization has no linked AWS account; "
                         "link one in Settings first", transient=False)
    link = Link(org.role_arn, org.external_id, org.account_id)
    _links[organization_uuid] = (link, clock.now() + LINK_TTL_SECONDS)
    return link


def forget() -> None:
    """Drop cached links (tests)."""
    _links.clear()


def platform_policy() -> dict:
    return json.loads(POLICY_PATH.read_text())


def trust_policy(platform_account_id: str, external_id: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{platform_account_id}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    }]}


def verify_and_save(org: Organization, account_id: str, role_arn: str,
                    region: str) -> Organization:
    """Assume the role with the organization's External ID, check it acts in `account_id`,
    then save the link. Raises LinkError; nothing is saved on failure."""
    if not ACCOUNT_ID.match(account_id or ""):
        raise LinkError("The AWS account id must be 12 digits.")
    m = ROLE_ARN.match(role_arn or "")
    if not m:
        raise LinkError("The role ARN must look like arn:aws:iam::<account id>:role/<name>.")
    if m.group(1) != account_id:
        raise LinkError(f"The role ARN belongs to account {m.group(1)}, not {account_id}.")
    link = Link(role_arn, org.external_id, account_id)
    try:
        seen = call(customer_client(link, "sts", region).get_caller_identity)["Account"]
    except CloudError as e:
        raise LinkError(f"The platform cannot assume {role_arn} with this organization's "
                        f"External ID ({e.reason}).") from e
    if seen != account_id:
        raise LinkError(f"The role acts in account {seen}, not {account_id}.")
    _links.pop(org.uuid, None)
    return identity.save_link(org, account_id, role_arn, region)
