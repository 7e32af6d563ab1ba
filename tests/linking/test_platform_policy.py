"""The platform policy: served as JSON, least-privilege, and clean under parliament."""
from __future__ import annotations

import json

import parliament

from chalicelib.linking import links as linking

SEVERITY = {"INFO": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


def test_parliament_finds_nothing_above_low():
    policy = parliament.analyze_policy_string(linking.POLICY_PATH.read_text())
    above = [(f.issue, f.detail) for f in policy.findings
             if SEVERITY[parliament.config.get(f.issue, {}).get("severity", "CRITICAL")] > 1]
    assert above == []


def test_every_action_corral_needs_and_no_more():
    actions = set()
    for s in linking.platform_policy()["Statement"]:
        if s["Effect"] == "Allow":
            actions |= set([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    assert not any("*" in a for a in actions)
    # IAM only on the node role and its profile (org_network makes them; clusters pass it)
    for s in linking.platform_policy()["Statement"]:
        acts = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        if any(a.startswith("iam:") for a in acts):
            resources = [s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]
            assert all(r.split(":", 5)[5].split("/")[1] == "corral-node-*" for r in resources)
    assert {"ec2:CreateFleet", "ec2:TerminateInstances", "ec2:CreateVpc",
            "ssm:DescribeInstanceInformation"} <= actions


def test_policy_is_served(shared_platform):
    public = shared_platform.http.get("/platform-policy.json")
    assert public.status_code == 200 and public.json_body == linking.platform_policy()
    org_key = shared_platform.headers(shared_platform.demo.org_client_id,
                                      shared_platform.demo.org_secret)
    reply = shared_platform.request("GET", "/v1/settings/platform-policy", headers=org_key)
    assert reply.status_code == 200 and json.dumps(reply.json_body) == json.dumps(
        linking.platform_policy())
