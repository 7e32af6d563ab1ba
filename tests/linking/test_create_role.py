""""Create role for me": the customer's keys are used once to create BodoPlatformUser, and each
failure of the manual has its own message. The keys are never kept anywhere."""
from __future__ import annotations

import importlib.util
import json
import logging

import boto3
import pytest

from chalicelib.identity import organizations
from chalicelib.kernel import config
from chalicelib.linking import links as linking
from chalicelib.store import aggregates

from .helpers import OTHER_ACCOUNT, account, iam, org_headers, weak_user

PATH = "/v1/settings/aws-account/create-role"


def _create(platform, org, creds):
    return platform.request("POST", PATH, {"accessKeyId": creds["aws_access_key_id"],
                                           "secretAccessKey": creds["aws_secret_access_key"]},
                            headers=org_headers(platform, org))


def _scan_everything(platform) -> str:
    s = config.get()
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    dump = []
    for table in (s.state_table, s.events_table):
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            dump.append(json.dumps(page["Items"]))
    sqs = boto3.client("sqs", region_name="us-east-1")
    for url in sqs.list_queues().get("QueueUrls", []):
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                      VisibilityTimeout=0).get("Messages", [])
            if not got:
                break
            dump += [m["Body"] for m in got]
            for m in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return "\n".join(dump)


def test_create_role_then_link_and_the_secret_is_nowhere(platform, caplog):
    caplog.set_level(logging.DEBUG)
    org = organizations.create_organization("acme")
    creds = account()
    secret = creds["aws_secret_access_key"]
    reply = _create(platform, org, creds)
    assert reply.status_code == 200, reply.body
    arn = reply.json_body["roleArn"]
    assert arn == f"arn:aws:iam::{OTHER_ACCOUNT}:role/BodoPlatformUser"
    # The role trusts the platform with the organization's External ID, carries the policy.
    role = iam(creds).get_role(RoleName="BodoPlatformUser")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    assert trust == linking.trust_policy("481633624848", org.external_id)
    inline = iam(creds).get_role_policy(RoleName="BodoPlatformUser",
                                        PolicyName=linking.POLICY_NAME)["PolicyDocument"]
    assert (inline if isinstance(inline, dict) else json.loads(inline)) == linking.platform_policy()
    # Then the user saves it, and the platform verifies the link and shares its images.
    reply = platform.request("PUT", "/v1/settings/aws-account",
                             {"accountId": OTHER_ACCOUNT, "roleArn": arn, "region": "us-east-1"},
                             headers=org_headers(platform, org))
    assert reply.status_code == 200, reply.body
    for _ in range(10):
        platform.pump.drain()
    tasks = [r.state for r in aggregates.list_rows("task", org.uuid)]
    if importlib.util.find_spec("chalicelib.image_shares"):
        assert tasks  # the four AMI-share tasks
    assert all(secret not in json.dumps(t) for t in tasks)
    assert secret not in _scan_everything(platform)
    assert secret not in caplog.text
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_role_already_exists_says_where_to_find_its_arn(platform):
    org = organizations.create_organization("acme")
    creds = account()
    assert _create(platform, org, creds).status_code == 200
    reply = _create(platform, org, creds)
    assert reply.status_code == 409
    message = reply.json_body["message"]
    assert "already exists" in message and "IAM > Roles > BodoPlatformUser" in message
    assert f"arn:aws:iam::{OTHER_ACCOUNT}:role/BodoPlatformUser" in message


def test_keys_not_valid(platform):
    org = organizations.create_organization("acme")
    creds = account()
    unknown = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "x" * 40}
    reply = _create(platform, org, unknown)
    assert reply.status_code == 400 and reply.json_body["field"] == "accessKeyId"
    assert "not valid" in reply.json_body["message"]
    wrong_secret = {**creds, "aws_secret_access_key": "y" * 40}
    reply = _create(platform, org, wrong_secret)
    assert reply.status_code == 400 and reply.json_body["field"] == "secretAccessKey"
    assert "not valid" in reply.json_body["message"]
    with pytest.raises(Exception):
        iam(creds).get_role(RoleName="BodoPlatformUser")


def test_keys_without_permission_to_create_a_role(platform):
    org = organizations.create_organization("acme")
    account()
    reader = weak_user(OTHER_ACCOUNT, "reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]})
    reply = _create(platform, org, reader)
    assert reply.status_code == 400 and reply.json_body["field"] == "accessKeyId"
    assert "permissions needed to create a role" in reply.json_body["message"]
    # Allowed to create but not to attach the policy: the half-made role is removed again.
    creator = weak_user(OTHER_ACCOUNT, "creator", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:DeleteRole", "iam:GetRole"],
         "Resource": "*"}]})
    reply = _create(platform, org, creator)
    assert reply.status_code == 400 and "permissions" in reply.json_body["message"]
    admin = account()
    names = [r["RoleName"] for r in iam(admin).list_roles()["Roles"]]
    assert "BodoPlatformUser" not in names
