"""STS AssumeRole: trust policy, ExternalId and cross-account credentials."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID, PLATFORM_ACCOUNT_ID

ROLE_ARN = f"arn:aws:iam::{DEMO_CUSTOMER_ACCOUNT_ID}:role/CorralControlPlane"


def _platform_user_arn() -> str:
    return f"arn:aws:iam::{PLATFORM_ACCOUNT_ID}:user/platform-admin"


def _trust(principal, external_id: str | None = "ext-123", effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _create_role(customer_aws, policy: str, name: str = "CorralControlPlane") -> str:
    role = customer_aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=policy)
    return role["Role"]["Arn"]


def _assume(client_factory, role_arn: str = ROLE_ARN, **extra):
    return client_factory("sts").assume_role(RoleArn=role_arn, RoleSessionName="corral", **extra)


def _denied(excinfo: pytest.ExceptionInfo[ClientError], caller_arn: str, role_arn=ROLE_ARN):
    error = excinfo.value.response["Error"]
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )


def _creds(response) -> dict[str, str]:
    creds = response["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def test_cross_account_credentials_act_in_role_account(
    platform_aws, customer_aws, client_for, own_ami
):
    _create_role(customer_aws, _trust({"AWS": f"arn:aws:iam::{PLATFORM_ACCOUNT_ID}:root"}))
    assumed = client_for(_creds(_assume(platform_aws, ExternalId="ext-123")))
    identity = assumed("sts").get_caller_identity()
    assert identity["Account"] == DEMO_CUSTOMER_ACCOUNT_ID
    assert identity["Arn"] == (
        f"arn:aws:sts::{DEMO_CUSTOMER_ACCOUNT_ID}:assumed-role/CorralControlPlane/corral"
    )
    # EC2 calls with the assumed credentials see the customer's resources.
    assert assumed("ec2").describe_images(Owners=["self"])["Images"][0]["ImageId"] == own_ami
    instance = assumed("ec2").run_instances(ImageId=own_ami, MinCount=1, MaxCount=1)["Instances"][0]
    reservations = customer_aws("ec2").describe_instances(InstanceIds=[instance["InstanceId"]])
    assert reservations["Reservations"][0]["OwnerId"] == DEMO_CUSTOMER_ACCOUNT_ID


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{PLATFORM_ACCOUNT_ID}:root"},
        {"AWS": PLATFORM_ACCOUNT_ID},
        {"AWS": ["arn:aws:iam::111122223333:root", _platform_user_arn()]},
        {"AWS": "*"},
        "*",
    ],
)
def test_trusted_principals(platform_aws, customer_aws, principal):
    _create_role(customer_aws, _trust(principal))
    assert _assume(platform_aws, ExternalId="ext-123")["AssumedRoleUser"]["Arn"].endswith(
        "assumed-role/CorralControlPlane/corral"
    )


def test_nonexistent_role(platform_aws, customer_aws):
    with pytest.raises(ClientError) as excinfo:
        _assume(platform_aws, ExternalId="ext-123")
    _denied(excinfo, _platform_user_arn())


def test_wrong_external_id(platform_aws, customer_aws):
    _create_role(customer_aws, _trust({"AWS": PLATFORM_ACCOUNT_ID}))
    with pytest.raises(ClientError) as excinfo:
        _assume(platform_aws, ExternalId="ext-999")
    _denied(excinfo, _platform_user_arn())


def test_missing_external_id(platform_aws, customer_aws):
    _create_role(customer_aws, _trust({"AWS": PLATFORM_ACCOUNT_ID}))
    with pytest.raises(ClientError) as excinfo:
        _assume(platform_aws)
    _denied(excinfo, _platform_user_arn())


def test_string_like_external_id(platform_aws, customer_aws):
    policy = json.loads(_trust({"AWS": PLATFORM_ACCOUNT_ID}, external_id=None))
    policy["Statement"][0]["Condition"] = {"StringLike": {"sts:ExternalId": "corral-*"}}
    _create_role(customer_aws, json.dumps(policy))
    _assume(platform_aws, ExternalId="corral-abc")
    with pytest.raises(ClientError):
        _assume(platform_aws, ExternalId="other-abc")


def test_no_condition_needs_no_external_id(platform_aws, customer_aws):
    _create_role(customer_aws, _trust({"AWS": PLATFORM_ACCOUNT_ID}, external_id=None))
    _assume(platform_aws)


def test_untrusted_account(platform_aws, customer_aws):
    _create_role(customer_aws, _trust({"AWS": "arn:aws:iam::111122223333:root"}))
    with pytest.raises(ClientError) as excinfo:
        _assume(platform_aws, ExternalId="ext-123")
    _denied(excinfo, _platform_user_arn())


def test_untrusted_user_of_trusted_account(platform_aws, customer_aws):
    _create_role(
        customer_aws, _trust({"AWS": f"arn:aws:iam::{PLATFORM_ACCOUNT_ID}:user/someone-else"})
    )
    with pytest.raises(ClientError):
        _assume(platform_aws, ExternalId="ext-123")


def test_service_principal_only(platform_aws, customer_aws):
    _create_role(customer_aws, _trust({"Service": "ec2.amazonaws.com"}, external_id=None))
    with pytest.raises(ClientError):
        _assume(platform_aws)


def test_deny_statement_wins(platform_aws, customer_aws):
    allow = json.loads(_trust({"AWS": PLATFORM_ACCOUNT_ID}, external_id=None))["Statement"][0]
    deny = {**allow, "Effect": "Deny"}
    _create_role(customer_aws, json.dumps({"Version": "2012-10-17", "Statement": [allow, deny]}))
    with pytest.raises(ClientError):
        _assume(platform_aws)


def test_role_chaining_by_role_arn(platform_aws, customer_aws, client_for):
    """An assumed-role caller is matched by its role's ARN."""
    hop = f"arn:aws:iam::{PLATFORM_ACCOUNT_ID}:role/Hop"
    platform_aws("iam").create_role(
        RoleName="Hop", AssumeRolePolicyDocument=_trust({"AWS": PLATFORM_ACCOUNT_ID}, None)
    )
    _create_role(customer_aws, _trust({"AWS": hop}, external_id=None))
    hopper = client_for(_creds(_assume(platform_aws, role_arn=hop)))
    assert _assume(hopper)["AssumedRoleUser"]["Arn"].startswith(
        f"arn:aws:sts::{DEMO_CUSTOMER_ACCOUNT_ID}:assumed-role/"
    )
    # The platform's own user is not the trusted role.
    with pytest.raises(ClientError):
        _assume(platform_aws)
