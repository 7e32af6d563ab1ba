"""IAM SimulatePrincipalPolicy for roles: inline and managed policies, wildcards, NotAction,
resources, conditions, explicit deny, pagination and errors."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID
from local.moto_ext.policy_simulation import decide

ACCOUNT = DEMO_CUSTOMER_ACCOUNT_ID
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _role(customer_aws, *statements, name: str = "tested", managed: list | None = None) -> str:
    iam = customer_aws("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": list(statements)}))
    for i, document in enumerate(managed or []):
        policy = iam.create_policy(PolicyName=f"{name}-managed-{i}",
                                   PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def _decisions(customer_aws, arn: str, actions: list[str], **kw) -> dict[str, str]:
    reply = customer_aws("iam").simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=actions, **kw)
    return {r["EvalActionName"]: r["EvalDecision"] for r in reply["EvaluationResults"]}


def test_wildcard_actions_allow_and_others_are_implicitly_denied(customer_aws):
    arn = _role(customer_aws, {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
    assert _decisions(customer_aws, arn, ["ec2:DescribeInstances", "ec2:describevpcs",
                                          "ec2:CreateFleet"]) == {
        "ec2:DescribeInstances": "allowed", "ec2:describevpcs": "allowed",
        "ec2:CreateFleet": "implicitDeny"}


def test_explicit_deny_wins_over_an_allow_in_another_policy(customer_aws):
    arn = _role(customer_aws, {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
                managed=[{"Version": "2012-10-17", "Statement": [
                    {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*"}]}])
    assert _decisions(customer_aws, arn, ["ec2:TerminateInstances", "ec2:RunInstances"]) == {
        "ec2:TerminateInstances": "explicitDeny", "ec2:RunInstances": "allowed"}


def test_not_action_allows_everything_but_what_it_names(customer_aws):
    arn = _role(customer_aws, {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})
    assert _decisions(customer_aws, arn, ["s3:PutObject", "iam:CreateRole"]) == {
        "s3:PutObject": "allowed", "iam:CreateRole": "implicitDeny"}


def test_a_statement_limited_to_arns_does_not_match_the_default_star_resource(customer_aws):
    statement = {"Effect": "Allow", "Action": "iam:PassRole",
                 "Resource": "arn:aws:iam::*:role/corral-node-*"}
    arn = _role(customer_aws, statement)
    assert _decisions(customer_aws, arn, ["iam:PassRole"]) == {"iam:PassRole": "implicitDeny"}
    node = f"arn:aws:iam::{ACCOUNT}:role/corral-node-abc"
    other = f"arn:aws:iam::{ACCOUNT}:role/admin"
    reply = customer_aws("iam").simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["iam:PassRole"], ResourceArns=[node, other])
    result = reply["EvaluationResults"][0]
    assert {r["EvalResourceName"]: r["EvalResourceDecision"]
            for r in result["ResourceSpecificResults"]} == {node: "allowed",
                                                            other: "implicitDeny"}
    assert result["EvalDecision"] == "implicitDeny"   # not allowed on every resource named


def test_conditions_are_judged_on_the_context_given(customer_aws):
    arn = _role(customer_aws, {
        "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*",
        "Condition": {"Null": {"aws:RequestTag/corral:organization": "false"}}}, {
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}})
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"
    iam = customer_aws("iam")
    bare = iam.simulate_principal_policy(PolicySourceArn=arn, ResourceArns=[instance],
                                         ActionNames=["ec2:RunInstances"])
    assert bare["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    tagged = iam.simulate_principal_policy(
        PolicySourceArn=arn, ResourceArns=[instance], ActionNames=["ec2:RunInstances"],
        ContextEntries=[{"ContextKeyName": "aws:RequestTag/corral:organization",
                         "ContextKeyType": "string", "ContextKeyValues": ["org"]}])
    assert tagged["EvaluationResults"][0]["EvalDecision"] == "allowed"
    unpassed = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["iam:PassRole"])
    assert unpassed["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert unpassed["EvaluationResults"][0]["MissingContextValues"] == ["iam:PassedToService"]
    lambda_ = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["iam:PassRole"],
        ContextEntries=[{"ContextKeyName": "iam:PassedToService", "ContextKeyType": "string",
                         "ContextKeyValues": ["lambda.amazonaws.com"]}])
    assert lambda_["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_policy_variables_are_filled_from_the_context():
    policies = [{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}]
    ann = {"aws:username": ["ann"]}
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::home/ann/x", ann)[0] == "allowed"
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::home/bob/x", ann)[0] == "implicitDeny"
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::home/ann/x", {})[0] == "implicitDeny"


def test_results_are_paged_and_the_paginator_reads_them_all(customer_aws):
    arn = _role(customer_aws, {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    actions = [f"ec2:Describe{i}" for i in range(7)]
    iam = customer_aws("iam")
    first = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=actions, MaxItems=3)
    assert first["IsTruncated"] and len(first["EvaluationResults"]) == 3
    pages = iam.get_paginator("simulate_principal_policy").paginate(
        PolicySourceArn=arn, ActionNames=actions, PaginationConfig={"PageSize": 3})
    assert [r["EvalActionName"] for p in pages for r in p["EvaluationResults"]] == actions


def test_unknown_role_and_non_role_source_are_refused(customer_aws):
    iam = customer_aws("iam")
    with pytest.raises(ClientError) as missing:
        iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/nobody",
                                      ActionNames=["ec2:DescribeVpcs"])
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"
    with pytest.raises(ClientError) as user:
        iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/someone",
                                      ActionNames=["ec2:DescribeVpcs"])
    assert user.value.response["Error"]["Code"] == "InvalidInput"


@pytest.mark.parametrize("operator, value, context, expected", [
    ("StringNotEquals", "481633624848", {}, "explicitDeny"),          # absent key: negated holds
    ("StringNotEquals", "481633624848", {"ec2:Owner": ["481633624848"]}, "allowed"),
    ("StringNotEquals", "481633624848", {"ec2:Owner": ["999999999999"]}, "explicitDeny"),
    ("StringEqualsIfExists", "x", {}, "explicitDeny"),
    ("StringLike", "48*", {"ec2:Owner": ["481633624848"]}, "explicitDeny"),
    ("ArnNotLike", "arn:aws:iam::*:role/x", {}, "explicitDeny"),
])
def test_deny_conditions_like_aws(operator, value, context, expected):
    policies = [{"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
         "Condition": {operator: {"ec2:Owner": value}}}]}]
    assert decide(policies, "ec2:RunInstances", "*", context)[0] == expected
