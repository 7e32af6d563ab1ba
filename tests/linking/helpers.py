"""Helpers for the linking tests: a second customer account, roles made by hand, org keys."""
from __future__ import annotations

import json

import boto3

from chalicelib.identity import clients, organizations
from chalicelib.kernel import config
from chalicelib.linking import links as linking
from local.accounts import bootstrap_account

OTHER_ACCOUNT = "111122223333"


def account(account_id: str = OTHER_ACCOUNT, user: str = "admin") -> dict:
    return bootstrap_account(account_id, user)


def iam(creds: dict):
    return boto3.Session(**creds).client("iam", region_name="us-east-1")


def make_role(creds: dict, trust: dict, name: str = "BodoPlatformUser") -> str:
    return iam(creds).create_role(RoleName=name,
                                  AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def role_for(org: organizations.Organization, creds: dict, name: str = "BodoPlatformUser",
             external_id: str | None = None) -> str:
    trust = linking.trust_policy(config.get().platform_account_id,
                                 external_id or org.external_id)
    return make_role(creds, trust, name)


def org_headers(platform, org: organizations.Organization) -> dict:
    client, secret = clients.create_client(org.uuid, name="org key")
    return platform.headers(client.client_id, secret)


def weak_user(account_id: str, name: str, policy: dict | None = None) -> dict:
    """A user of `account_id` with only `policy` (none by default), and its key."""
    from moto.iam.models import iam_backends
    backend = iam_backends[account_id]["global"]
    backend.create_user(region_name="us-east-1", user_name=name)
    if policy:
        backend.put_user_policy(name, "only", json.dumps(policy))
    key = backend.create_access_key(name)
    return {"aws_access_key_id": key.access_key_id,
            "aws_secret_access_key": key.secret_access_key}
