"""Linking a customer's AWS account: the role the platform assumes, the policy it needs, the
check that the link really works before it is saved, and "create role for me".

An organization links one account. The link is also what the SDK calls a cloud config: it gets
a stable uuid on the organization record the first time it is made. Once saved, the link is
checked again every few minutes and after any refusal (linking.health); Settings shows how it
stands.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from ..cloud.sessions import Link, call, customer_client, keys_client, platform_client
from ..identity import organizations
from ..identity.organizations import Organization
from ..image_shares import commands as image_shares
from ..kernel import config, holds
from ..kernel.errors import CloudError
from ..kernel.regions import REGIONS
from . import health

log = logging.getLogger("corral.linking")

ROLE_NAME = "BodoPlatformUser"
# The roles the platform's own policy lets it assume: arn:aws:iam::*:role/BodoPlatformUser*
ASSUMABLE_NAME = re.compile(rf"^{ROLE_NAME}[\w+=,.@-]*$")
POLICY_NAME = "Bodo-Platform-User-Policy"
POLICY_PATH = Path(__file__).parent / "platform-policy.json"
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")


class LinkError(Exception):
    """The link cannot be made; `message` says why and what to do, `field` names the input
    at fault (None when no single input is), `conflict` when the account is in the way."""

    def __init__(self, message: str, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict


def link_for(organization_uuid: str) -> Link:
    """The organization's link to act through (every step needs it). Its health is checked
    every few minutes and at once after a refusal (linking.health): raises CloudError
    AccountNotLinked when there is none, LinkFailed (AWS's reason) when it failed its last
    check. A re-linked account is picked up within the minute."""
    return health.usable(organization_uuid)


def forget(organization_uuid: str | None = None) -> None:
    """Drop what is known of one organization's link (unlinked), or of all of them (tests)."""
    health.forget(organization_uuid)


POLICY_ACCOUNT = "481633624848"   # the platform account named in the file (image ownership)


def platform_policy() -> dict:
    """The policy the customer's role carries, naming this deployment's platform account."""
    text = POLICY_PATH.read_text()
    return json.loads(text.replace(POLICY_ACCOUNT, config.get().platform_account_id))


def trust_policy(platform_account_id: str, external_id: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{platform_account_id}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    }]}


# ---- checking what the user typed -----------------------------------------------------------

def check_account_id(account_id) -> str:
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        raise LinkError("The AWS account id must be 12 digits, as shown under your account "
                        "name in the AWS console (for example 123456789012).", "accountId")
    return account_id


def check_role_arn(role_arn) -> str:
    """A role ARN the platform may assume: its own policy allows sts:AssumeRole only on
    roles named BodoPlatformUser* with no path (.chalice/policy-*.json: ASSUMABLE), so a link
    to another name could never work on AWS: refused here, saying why."""
    if not isinstance(role_arn, str) or not ROLE_ARN.match(role_arn):
        raise LinkError("The role ARN must look like arn:aws:iam::<12-digit account id>:role/"
                        "<role name>; copy it from the role's summary in the IAM console.",
                        "roleArn")
    name = role_arn.split(":role/", 1)[1]
    if not ASSUMABLE_NAME.match(name):
        raise LinkError(f"The role's name must start with {ROLE_NAME} (for example "
                        f"{ROLE_NAME} or {ROLE_NAME}-analytics), with no path: the platform may "
                        f"assume only roles named so. Create the role under such a name.",
                        "roleArn")
    return role_arn


def check_region(region, field: str = "region") -> str:
    if region not in REGIONS:
        raise LinkError(f"The region must be one of {', '.join(REGIONS)}: the platform's "
                        "images are shared only there.", field)
    return region


# ---- the manual link ------------------------------------------------------------------------

def _assumable_without_external_id(role_arn: str) -> bool:
    try:
        call(platform_client("sts", "us-east-1").assume_role, RoleArn=role_arn,
             RoleSessionName="corral-link-check", DurationSeconds=900)
    except CloudError:
        return False
    return True


def verify(org: Organization, account_id: str, role_arn: str, region: str,
           region_field: str = "region") -> None:
    """Check every input, then assume the role with the organization's External ID and check
    that it acts in `account_id`. Raises LinkError; has no lasting effect."""
    check_account_id(account_id)
    check_role_arn(role_arn)
    check_region(region, region_field)
    arn_account = ROLE_ARN.match(role_arn).group(1)
    if arn_account != account_id:
        raise LinkError(f"The role ARN belongs to account {arn_account}, but the AWS account id "
                        f"given is {account_id}: enter the id of the account the role is in.",
                        "accountId")
    platform = config.get().platform_account_id
    link = Link(role_arn, org.external_id, account_id)
    try:
        seen = call(customer_client(link, "sts", region).get_caller_identity)["Account"]
    except CloudError as e:
        if e.transient:
            raise LinkError(f"AWS did not answer in time ({e.reason}); try again in a minute.",
                            None) from None
        # AWS answers AccessDenied alike when the role does not exist, when it does not trust
        # the platform's account, and when its trust policy asks for another External ID:
        # from the platform's side these cannot be told apart, so the message names all three.
        raise LinkError(
            f"The platform cannot assume {role_arn} ({e.code}). Check that the role exists in "
            f"account {account_id}, that its trust policy allows the Bodo Platform account "
            f"{platform} to call sts:AssumeRole, and that it requires exactly this "
            f"organization's External ID {org.external_id} (a role made for another "
            "organization has another External ID).", "roleArn") from None
    if seen != account_id:
        raise LinkError(f"The role acts in account {seen}, not in {account_id}: enter the id "
                        "of the account the role is in.", "accountId")
    # A role that lets the platform in without the External ID can be used by anyone who
    # learns its ARN through the platform (the confused deputy): refuse it.
    if _assumable_without_external_id(role_arn):
        raise LinkError(f"The role {role_arn} trusts the platform without requiring the "
                        f"External ID: add the condition sts:ExternalId = {org.external_id} "
                        "to its trust policy (IAM console > Roles > the role > Trust "
                        "relationships), then save again.", "roleArn")


def link_manually(org: Organization, account_id: str, role_arn: str,
                  region: str, region_field: str = "region") -> Organization:
    """Verify the link and save it; start sharing the platform's images with the account.
    Raises LinkError; nothing is saved on failure."""
    verify(org, account_id, role_arn, region, region_field)
    current = organizations.get_organization(org.uuid) or org
    live = held(org.uuid) if current.linked and current.account_id != account_id else {}
    if live:
        raise LinkError(f"This organization's workspaces run in account {current.account_id} "
                        f"({_in_use(live)}): remove them before linking another account.",
                        "accountId", conflict=True)
    linked = organizations.save_link(org, account_id, role_arn, region)
    health.passed(Link(role_arn, org.external_id, account_id, owner=org.uuid))
    log.info("organization %s linked account %s", org.uuid, account_id)
    image_shares.start(linked)
    return linked


def rename(org: Organization, name: str) -> Organization:
    """Give the link (the SDK's cloud config) another name."""
    return organizations.rename_link(org, name)


def held(org_uuid: str) -> dict[str, list[str]]:
    """What still lives in the linked account, by kind (workspaces, clusters not TERMINATED)."""
    return holds.held(holds.ORGANIZATION, org_uuid, org_uuid)


def _in_use(what: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind} {', '.join(sorted(names))}" for kind, names in sorted(what.items()))


def unlink(org: Organization) -> Organization:
    """Forget the organization's link. Refused (LinkError, conflict) while anything lives in
    the account."""
    live = held(org.uuid)
    if live:
        raise LinkError(f"This cloud config is still in use ({_in_use(live)}): remove them and "
                        "wait until they are TERMINATED, then unlink.", None, conflict=True)
    unlinked = organizations.remove_link(org)
    forget(org.uuid)
    return unlinked


# ---- "create role for me" -------------------------------------------------------------------

def create_role_for_me(org: Organization, access_key_id: str, secret_access_key: str) -> str:
    """Use the customer's keys once to create BodoPlatformUser (trusting the platform with
    this organization's External ID, with the platform policy inline) and return its ARN.

    The keys live only in this call: the client built from them is not cached, and no error,
    log line, row or message carries them. Raises LinkError."""
    if not isinstance(access_key_id, str) or not ACCESS_KEY_ID.match(access_key_id):
        raise LinkError("The access key id must be the 16 to 128 capital letters and digits AWS "
                        "shows when it creates the key (for example AKIAIOSFODNN7EXAMPLE).",
                        "accessKeyId")
    if not isinstance(secret_access_key, str) or not 1 <= len(secret_access_key) <= 128:
        raise LinkError("The secret access key is required: paste the secret AWS showed "
                        "when it created the access key.", "secretAccessKey")
    iam = keys_client("iam", "us-east-1", access_key_id, secret_access_key)
    trust = json.dumps(trust_policy(config.get().platform_account_id, org.external_id))
    try:
        arn = call(iam.create_role, RoleName=ROLE_NAME, AssumeRolePolicyDocument=trust,
                   Description="Lets the Bodo Platform (Corral) manage clusters in this "
                               "account")["Role"]["Arn"]
    except CloudError as e:
        raise _role_error(iam, e) from None
    try:
        call(iam.put_role_policy, RoleName=ROLE_NAME, PolicyName=POLICY_NAME,
             PolicyDocument=json.dumps(platform_policy()))
    except CloudError as e:
        try:  # a role without its policy is of no use: do not leave it behind
            call(iam.delete_role, RoleName=ROLE_NAME)
        except CloudError:
            pass
        raise _role_error(iam, e) from None
    log.info("organization %s: created role %s with the customer's keys", org.uuid, arn)
    return arn


INVALID_KEY_CODES = ("InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException",
                     "AuthFailure")
BAD_SECRET_CODES = ("SignatureDoesNotMatch", "IncompleteSignature")
DENIED_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")


def _role_error(iam, e: CloudError) -> LinkError:
    if e.code == "EntityAlreadyExists":
        where = ""
        try:
            where = f" Its ARN is {call(iam.get_role, RoleName=ROLE_NAME)['Role']['Arn']}."
        except CloudError:
            pass
        return LinkError(
            f"A role named {ROLE_NAME} already exists in this AWS account.{where} To use it, "
            f"open the AWS console, go to IAM > Roles > {ROLE_NAME}, copy the Role ARN from its "
            "summary and save it with your account id in Settings. Or delete that role (make "
            "sure no one else uses it) and create the role again here, so it has the right "
            "trust and permissions.", None, conflict=True)
    if e.code in INVALID_KEY_CODES:
        return LinkError("These access keys are not valid: AWS does not know the access key id. "
                         "Check that you copied an active key of this account.", "accessKeyId")
    if e.code in BAD_SECRET_CODES:
        return LinkError("These access keys are not valid: the secret access key does not match "
                         "the access key id. Paste the secret shown when the key was created.",
                         "secretAccessKey")
    if e.code in DENIED_CODES:
        return LinkError("These access keys do not have the permissions needed to create a role: "
                         "give their user iam:CreateRole, iam:PutRolePolicy and iam:GetRole "
                         "(or create the role manually, as Settings explains).", "accessKeyId")
    if e.transient:
        return LinkError(f"AWS did not answer in time ({e.code}); try again in a minute.")
    return LinkError(f"AWS refused to create the role ({e.code}). Create the role manually, as "
                     "Settings explains.")


# ---- what Settings shows --------------------------------------------------------------------

def settings_view(org_uuid: str) -> dict:
    org = organizations.get_organization(org_uuid)
    if org is None:
        raise LookupError(org_uuid)
    shares, ready = image_shares.status(org_uuid), image_shares.ready(org_uuid)
    check = None
    if org.linked:
        try:
            check = health.current(org_uuid)[1]   # checked now when its last check is due
        except CloudError:   # unlinked meanwhile
            check = None
    return {"externalId": org.external_id,
            "platformAccountId": config.get().platform_account_id,
            "accountId": org.account_id, "roleArn": org.role_arn, "region": org.region,
            "cloudConfigUUID": org.cloud_config_uuid if org.linked else None,
            "link": check.render() if check else None,
            "amiShare": shares, "ready": bool(org.linked and ready and check
                                              and check.ok is not False)}
