"""The platform policy: served as JSON, least-privilege, and clean under parliament (its
structure against the code is tests/linking/test_policy_structure.py)."""
from __future__ import annotations

import fnmatch
import json

import parliament

from chalicelib.linking import links as linking
from local.moto_ext.policy_simulation import action_matches

SEVERITY = {"INFO": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
# parliament's copy of AWS's authorization data predates resource-level CreateFileSystem.
OUTDATED = {("elasticfilesystem:CreateFileSystem", "*")}


def _covered_elsewhere(statements: list, action: str, required: str) -> bool:
    """One action's resources split over statements on purpose (a request tag exists only on
    what is being created): parliament reads each statement alone."""
    wanted = required.replace("arn:*:", "arn:aws:")
    for s in statements:
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        if s["Effect"] == "Allow" and action_matches(s, action) and any(
                r == "*" or fnmatch.fnmatchcase(wanted, r) or fnmatch.fnmatchcase(r, wanted)
                for r in resources):
            return True
    return False


def _serious(finding, statements: list) -> bool:
    if SEVERITY[parliament.config.get(finding.issue, {}).get("severity", "CRITICAL")] <= 1:
        return False
    if finding.issue == "RESOURCE_MISMATCH":
        return any((m["action"], m["required_format"]) not in OUTDATED
                   and not _covered_elsewhere(statements, m["action"], m["required_format"])
                   for m in finding.detail)
    return True


def test_parliament_finds_nothing_above_low():
    policy = parliament.analyze_policy_string(linking.POLICY_PATH.read_text())
    statements = linking.platform_policy()["Statement"]
    assert [(f.issue, f.detail) for f in policy.findings if _serious(f, statements)] == []


def test_a_resource_allowed_in_no_statement_is_still_caught():
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateSubnet", "Resource": "arn:aws:ec2:*:*:subnet/*"}]}
    findings = parliament.analyze_policy_string(json.dumps(document)).findings
    mismatch = [f for f in findings if f.issue == "RESOURCE_MISMATCH"]
    assert mismatch and _serious(mismatch[0], document["Statement"])


def test_policy_is_served(shared_platform):
    public = shared_platform.http.get("/platform-policy.json")
    assert public.status_code == 200 and public.json_body == linking.platform_policy()
    org_key = shared_platform.headers(shared_platform.demo.org_client_id,
                                      shared_platform.demo.org_secret)
    reply = shared_platform.request("GET", "/v1/settings/platform-policy", headers=org_key)
    assert reply.status_code == 200 and json.dumps(reply.json_body) == json.dumps(
        linking.platform_policy())
