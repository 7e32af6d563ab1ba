"""The platform policy against the code: every boto3 call the production code makes with the
customer's role is one of cloud.permissions.NEEDS, and the policy allows each of them on every
resource AWS authorises it against; tag conditions sit only where AWS can satisfy them (a
resource being created), PassRole only hands the node role to EC2.

The policy is judged by the emulator's evaluator (local/moto_ext/policy_simulation.py), the
same one the workspace pre-check meets in local mode."""
from __future__ import annotations

import ast
import fnmatch
import json
from functools import lru_cache
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from chalicelib.cloud import permissions as p
from chalicelib.cloud.tags import ORG
from chalicelib.linking import links as linking
from local.moto_ext.policy_simulation import action_matches, decide

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
CLIENT_NAMES = {"ec2": "ec2", "ssm": "ssm", "iam": "iam", "efs": "efs", "s3": "s3",
                "cf": "cloudfront", "cloudfront": "cloudfront",
                "sts": "sts", "secretsmanager": "secretsmanager", "secrets": "secretsmanager"}
NOT_CUSTOMER = ("platform_client", "keys_client")   # the platform's own keys, a person's keys
NOT_CALLS = {"get_paginator", "get_waiter", "can_paginate", "meta", "exceptions",
             "generate_presigned_url"}
# Methods whose first argument names the operation the role's credentials authorise: a
# paginator calls it, a presigned URL is that request, signed for someone else to send.
NAMING = ("get_paginator", "generate_presigned_url")
# AWS calls these on the platform's behalf (the first fleet, file system, VPC origin).
IMPLIED = {"iam:CreateServiceLinkedRole"}
LAUNCHES = ("ec2:RunInstances", "ec2:CreateFleet")
ROLE = "arn:aws:iam::123456789012:role/BodoPlatformUser"
REGION, ACCOUNT, PLATFORM = "us-east-2", "123456789012", "481633624848"


# ---- what the code calls --------------------------------------------------------------------

def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _service_defaults(tree: ast.AST) -> dict[str, str]:
    """Client-making helpers defined in the file and their default service (`_client(s)`)."""
    found = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            args = fn.args.args[-len(fn.args.defaults):] if fn.args.defaults else []
            for arg, default in zip(args, fn.args.defaults):
                if arg.arg == "service" and isinstance(default, ast.Constant):
                    found[fn.name] = default.value
    return found


def _client_service(node: ast.AST, defaults: dict[str, str]) -> str | None | bool:
    """The service of a client-making call: a name, False for a non-customer client, None
    when `node` makes no client."""
    if not isinstance(node, ast.Call):
        return None
    fn = _name(node.func) or ""
    if fn in NOT_CUSTOMER:
        return False
    if not fn.endswith("client"):
        return None
    literals = [a.value for a in node.args if isinstance(a, ast.Constant)
                and isinstance(a.value, str)]
    literals += [k.value.value for k in node.keywords
                 if k.arg == "service" and isinstance(k.value, ast.Constant)]
    return literals[0] if literals else defaults.get(fn)


def calls_in(source: str) -> set[tuple[str, str]]:
    """(boto3 service, method) for every customer-client method the source calls, passes
    to call(), or pages through."""
    tree = ast.parse(source)
    defaults = _service_defaults(tree)
    clients = dict(CLIENT_NAMES)
    for node in ast.walk(tree):   # an imported name is a module (cloud.ssm), not a client
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                clients.pop(alias.asname or alias.name.split(".")[0], None)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            service = _client_service(node.value, defaults)
            if service is False:
                clients.pop(node.targets[0].id, None)
            elif service:
                clients[node.targets[0].id] = service
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr.startswith("_"):
            continue
        service = _client_service(node.value, defaults)
        if service is None and isinstance(node.value, ast.Name):
            if node.value.id.startswith("platform"):
                continue
            service = clients.get(node.value.id)
        if not service:
            continue
        if node.attr == "get_paginator":
            continue   # the operation is named by the call below
        if node.attr not in NOT_CALLS:
            found.add((service, node.attr))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in NAMING and node.args \
                and isinstance(node.args[0], ast.Constant):
            owner = node.func.value
            service = _client_service(owner, defaults) if isinstance(owner, ast.Call) else \
                clients.get(owner.id) if isinstance(owner, ast.Name) else None
            if service:
                found.add((service, node.args[0].value))
    return found


@lru_cache(maxsize=None)
def _operations(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


def actions_of(calls: set[tuple[str, str]]) -> set[str]:
    """The IAM actions of boto3 calls; a method the service does not have fails the test."""
    actions = set()
    for service, method in calls:
        operation = _operations(service).get(method)
        assert operation, f"{service} clients have no method {method}"
        actions.add(p.action_for(service, operation))
    return actions


def production_sources() -> list[Path]:
    files = set(ROOT.glob("cloud/*.py")) | set(ROOT.glob("**/steps.py"))
    files |= {f for f in ROOT.glob("**/*.py") if "customer_client(" in f.read_text()}
    return sorted(files)


def code_actions() -> dict[str, list[str]]:
    """IAM action -> the files calling it."""
    where: dict[str, list[str]] = {}
    for path in production_sources():
        for action in actions_of(calls_in(path.read_text())):
            where.setdefault(action, []).append(str(path.relative_to(ROOT)))
    return where


def uncovered(actions) -> list[str]:
    return sorted(set(actions) - set(p.NEEDS))


# ---- what the policy allows -----------------------------------------------------------------

def _context(without: tuple[str, ...] = ()) -> dict[str, list[str]]:
    entries = {e["ContextKeyName"]: e["ContextKeyValues"] for e in p.context("org-1", PLATFORM)}
    entries["aws:PrincipalArn"] = [ROLE]
    return {k: v for k, v in entries.items() if not k.startswith(without)}


def _arn(kind: str) -> str:
    return p.resource_arns(p.Need(uses=(kind,)), REGION, ACCOUNT, ROLE)[0]


def _decision(action: str, kind: str, context=None) -> str:
    return decide([linking.platform_policy()], action, _arn(kind),
                  _context() if context is None else context)[0]


def _statements():
    return linking.platform_policy()["Statement"]


def _resources(statement) -> list[str]:
    r = statement.get("Resource", statement.get("NotResource", "*"))
    return r if isinstance(r, list) else [r]


def _request_tagged(statement) -> bool:
    return "aws:requesttag/" in json.dumps(statement.get("Condition", {})).lower()


# ---- the tests ------------------------------------------------------------------------------

def test_the_checker_finds_every_form_of_call_and_flags_an_uncovered_one():
    snippet = '''
def _client(s, service: str = "ec2"):
    return customer_client(link_for(s.org), service, s.region)

def step(ec2, s):
    call(ec2.create_fleet, Type="instant")
    ec2.get_paginator("describe_instances").paginate()
    ec2.delete_key_pair(KeyName="k")
    call(customer_client(link, "sts", region).get_caller_identity)
    nodes = _client(s, "ssm")
    nodes.send_command(InstanceIds=[])
    _client(s).stop_instances(InstanceIds=[])
    mine = platform_client("ec2", region)
    mine.modify_image_attribute(ImageId="x")
    platform_ec2.deregister_image(ImageId="x")
    efs = _client(s, "efs")
    efs.create_file_system(CreationToken="t")
'''
    assert calls_in(snippet) == {("ec2", "create_fleet"), ("ec2", "describe_instances"),
                                 ("ec2", "delete_key_pair"), ("sts", "get_caller_identity"),
                                 ("ssm", "send_command"), ("ec2", "stop_instances"),
                                 ("efs", "create_file_system")}
    assert uncovered(actions_of(calls_in(snippet))) == ["ec2:DeleteKeyPair"]
    with pytest.raises(AssertionError, match="no method"):
        actions_of({("ec2", "create_flet")})


def test_every_call_the_code_makes_is_a_needed_action():
    where = code_actions()
    assert {"ec2:CreateFleet", "ec2:DescribeInstances", "sts:GetCallerIdentity",
            "ssm:DescribeInstanceInformation"} <= set(where)   # the checker sees the code
    missing = {a: where[a] for a in uncovered(where)}
    assert missing == {}, ("add these to chalicelib/cloud/permissions.py NEEDS and allow them "
                           f"in linking/platform-policy.json: {missing}")


@pytest.mark.parametrize("action", p.REQUIRED_ACTIONS)
def test_the_policy_allows_each_needed_action_on_each_resource_it_is_authorised_against(action):
    refused = [kind for kind in p.NEEDS[action].kinds if _decision(action, kind) != "allowed"]
    assert refused == []


def test_what_is_created_must_carry_the_organization_tag():
    untagged = _context(without=("aws:RequestTag/",))
    let_through = [(a, k) for a, need in p.NEEDS.items() for k in need.creates
                   if _decision(a, k, untagged) == "allowed"]
    assert let_through == []


def test_what_is_changed_or_removed_must_carry_the_organization_tag():
    # An existing resource without Corral's tag (and no tagging while creating either).
    untagged = _context(without=("aws:ResourceTag/", "ssm:resourceTag/", "ec2:CreateAction",
                                 "elasticfilesystem:CreateAction"))
    tag_scoped = [(a, k) for a, need in p.NEEDS.items() for k in need.uses
                  if a.split(":")[0] in ("ec2", "elasticfilesystem", "ssm")
                  and not need.creates and k not in ("document", "parameter", "image")]
    assert tag_scoped   # the rule is about something
    assert [(a, k) for a, k in tag_scoped if _decision(a, k, untagged) == "allowed"] == []


def test_request_tag_conditions_only_on_the_resources_being_created():
    for s in _statements():
        if s["Effect"] != "Allow" or not _request_tagged(s):
            continue
        resources = _resources(s)
        assert "Resource" in s and "*" not in resources, s["Sid"]
        actions = [a for a in p.NEEDS if action_matches(s, a)]
        for action in actions:
            used = {_arn(k) for k in p.NEEDS[action].uses}
            hit = [r for r in resources for u in used if fnmatch.fnmatchcase(u, r)]
            assert hit == [], f"{s['Sid']}: {action} uses {hit}, which carry no request tag"
        if any(a in actions for a in LAUNCHES):
            kinds = [r.split(":")[-1].split("/")[0] for r in resources]
            assert not {"image", "subnet", "security-group", "launch-template",
                        "placement-group"} & set(kinds), s["Sid"]


def test_pass_role_hands_only_the_node_role_to_ec2_only():
    assert _decision("iam:PassRole", "node-role") == "allowed"
    admin = f"arn:aws:iam::{ACCOUNT}:role/Admin"
    assert decide([linking.platform_policy()], "iam:PassRole", admin, _context())[0] != "allowed"
    to_lambda = {**_context(), "iam:PassedToService": ["lambda.amazonaws.com"]}
    assert _decision("iam:PassRole", "node-role", to_lambda) != "allowed"
    for s in _statements():
        if s["Effect"] == "Allow" and action_matches(s, "iam:PassRole"):
            assert _resources(s) == ["arn:aws:iam::*:role/corral-node-*"]


def test_role_and_profile_writes_only_on_corral_node_names():
    for action, need in p.NEEDS.items():
        if action.startswith("iam:") and action != "iam:SimulatePrincipalPolicy":
            other = f"arn:aws:iam::{ACCOUNT}:role/Admin"
            assert decide([linking.platform_policy()], action, other, _context())[0] \
                != "allowed", action


def test_the_policy_grants_nothing_the_code_does_not_need():
    granted = {a for s in _statements() if s["Effect"] == "Allow"
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any("*" in a for a in granted)
    assert granted - set(p.NEEDS) - IMPLIED == set()


def test_the_policy_fits_in_a_roles_inline_policies():
    # IAM counts a role's inline policies together, whitespace aside: 10,240 characters.
    text = json.dumps(linking.platform_policy(), separators=(",", ":"))
    assert len(text.replace(" ", "")) < 10_240
