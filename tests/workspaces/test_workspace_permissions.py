"""Before a workspace creates anything, the linked role's permissions are checked with IAM's
policy simulation: every missing action is named in one error, and nothing is made."""
from __future__ import annotations

import json

from chalicelib.cloud import permissions
from chalicelib.linking import links as linking
from tests import faults

from .helpers import create, get

ROLE = linking.ROLE_NAME


def _put_policy(platform, policy: dict) -> None:
    iam = platform.customer("iam")
    for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
    iam.put_role_policy(RoleName=ROLE, PolicyName=linking.POLICY_NAME,
                        PolicyDocument=json.dumps(policy))


def _without(*actions: str) -> dict:
    policy = linking.platform_policy()
    for s in policy["Statement"]:
        listed = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        s["Action"] = [a for a in listed if a not in actions]
    policy["Statement"] = [s for s in policy["Statement"] if s["Action"]]
    return policy


def _corral_resources(platform, region: str) -> dict:
    ec2 = platform.customer("ec2", region=region)
    mine = [{"Name": "tag:corral:organization", "Values": [platform.demo.organization.uuid]}]
    return {"vpcs": ec2.describe_vpcs(Filters=mine)["Vpcs"],
            "subnets": ec2.describe_subnets(Filters=mine)["Subnets"],
            "groups": ec2.describe_security_groups(Filters=mine)["SecurityGroups"],
            "gateways": ec2.describe_internet_gateways(Filters=mine)["InternetGateways"]}


def test_missing_permissions_are_all_named_and_nothing_is_created(platform):
    _put_policy(platform, _without("ec2:CreateFleet", "elasticfilesystem:CreateFileSystem"))
    before = _corral_resources(platform, "us-west-2")
    created = create(platform, name="underpowered", region="us-west-2")
    platform.settle()
    failed = get(platform, created["uuid"])
    assert failed["status"] == "FAILED" and failed["task"]["status"] == "FAILED"
    reason = failed["reason"]
    assert reason.startswith("MissingPermissions") and ROLE in reason
    assert "ec2:CreateFleet" in reason and "elasticfilesystem:CreateFileSystem" in reason
    assert "lacks 2 permission(s)" in reason and "platform-policy.json" in reason
    assert before == {"vpcs": [], "subnets": [], "groups": [], "gateways": []}
    assert _corral_resources(platform, "us-west-2") == before


def test_a_condition_the_platform_cannot_meet_is_a_missing_permission(platform):
    # Conditions count, not only action names: here the node role may be passed to Lambda only.
    policy = linking.platform_policy()
    for s in policy["Statement"]:
        if s.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService"):
            s["Condition"]["StringEquals"]["iam:PassedToService"] = "lambda.amazonaws.com"
    _put_policy(platform, policy)
    created = create(platform, name="wrong-service", region="us-west-1")
    platform.settle()
    failed = get(platform, created["uuid"])
    assert failed["status"] == "FAILED" and "iam:PassRole" in failed["reason"]
    assert "lacks 1 permission(s)" in failed["reason"]


def test_a_role_that_may_not_simulate_its_policy_is_told_so(platform):
    before = _corral_resources(platform, "us-east-1")
    refused = faults.fail("iam", "SimulatePrincipalPolicy", "AccessDenied",
                          "not authorized to perform: iam:SimulatePrincipalPolicy", status=403)
    created = create(platform, name="blind", region="us-east-1")
    platform.settle()
    failed = get(platform, created["uuid"])
    assert refused["calls"] == 1 and failed["status"] == "FAILED"
    assert failed["reason"].startswith("MissingPermissions") and \
        "iam:SimulatePrincipalPolicy" in failed["reason"] and "Settings" in failed["reason"]
    assert _corral_resources(platform, "us-east-1") == before


def test_throttled_simulation_is_retried_to_ready(platform):
    throttled = faults.fail("iam", "SimulatePrincipalPolicy", "Throttling", times=2)
    created = create(platform, name="patient-iam", region="us-east-2")
    platform.settle()
    assert get(platform, created["uuid"])["status"] == "READY"
    assert throttled["calls"] > 2


# ---- the simulation calls themselves -------------------------------------------------------

class _Pages:
    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def paginate(self, **kw):
        self.calls.append(kw)
        results = [self.answer(a, kw.get("ResourceArns")) for a in kw["ActionNames"]]
        return [{"EvaluationResults": results[:3]}, {"EvaluationResults": results[3:]}]


class _Iam:
    def __init__(self, answer):
        self.pages = _Pages(answer)

    def get_paginator(self, name):
        assert name == "simulate_principal_policy"
        return self.pages


ROLE_ARN = "arn:aws:iam::123456789012:role/BodoPlatformUser"


def _missing(answer):
    iam = _Iam(answer)
    return permissions.missing(iam, ROLE_ARN, "us-east-2", "org-1", "481633624848"), iam.pages


def test_every_action_is_simulated_in_batches_against_its_resources():
    allowed, pages = _missing(lambda a, arns: {"EvalActionName": a, "EvalDecision": "allowed"})
    assert allowed == []
    asked = [a for c in pages.calls for a in c["ActionNames"]]
    assert sorted(asked) == list(permissions.REQUIRED_ACTIONS)
    assert all(len(c["ActionNames"]) <= permissions.BATCH for c in pages.calls)
    launch = next(c for c in pages.calls if "ec2:RunInstances" in c["ActionNames"])
    assert "arn:aws:ec2:us-east-2::image/*" in launch["ResourceArns"]
    assert "arn:aws:ec2:us-east-2:123456789012:instance/*" in launch["ResourceArns"]
    reads = next(c for c in pages.calls if "ec2:DescribeVpcs" in c["ActionNames"])
    assert "ResourceArns" not in reads   # "*": EC2 reads have no resource-level permissions
    keys = {e["ContextKeyName"]: e["ContextKeyValues"] for e in launch["ContextEntries"]}
    assert keys["aws:RequestTag/corral:organization"] == ["org-1"]
    assert keys["iam:PassedToService"] == ["ec2.amazonaws.com"]


def test_one_refused_resource_or_an_unanswered_action_counts_as_missing():
    def answer(action, arns):
        if action == "ec2:RunInstances":
            return {"EvalActionName": action, "EvalDecision": "allowed",
                    "ResourceSpecificResults": [
                        {"EvalResourceName": r, "EvalResourceDecision":
                         "implicitDeny" if "image" in r else "allowed"} for r in arns]}
        if action == "ssm:SendCommand":
            return {"EvalActionName": "ec2:DescribeVpcs", "EvalDecision": "allowed"}
        return {"EvalActionName": action,
                "EvalDecision": "explicitDeny" if action == "s3:PutObject" else "allowed"}
    missing, _ = _missing(answer)
    assert missing == ["ec2:RunInstances", "s3:PutObject", "ssm:SendCommand"]
