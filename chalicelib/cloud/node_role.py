"""The cluster nodes' IAM role and instance profile, one per organization and region (IAM is
global: the region is in the name, so cleaning one region leaves the others' roles). The nodes
report to SSM (AmazonSSMManagedInstanceCore), mount EFS (its client policy), use the
organization's bucket and read its secrets under the secrets prefix. The name starts with
`corral-node-`: the customer policy lets the platform pass only such roles. Converged on every
call: trust policy, attached and inline policies, the role in its profile."""
from __future__ import annotations

import json

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

PREFIX = "corral-node-"
REGION_TAG = "corral:region"
MANAGED_POLICIES = ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                    "arn:aws:iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess")
INLINE_POLICY = "corral-node-access"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def role_name(org: str, region: str) -> str:
    return f"{PREFIX}{org}-{region}"


def _tags(org: str, region: str) -> list[dict]:
    return t.tag_list({t.ORG: org, t.ROLE: "node-role", REGION_TAG: region})


def _absent(code: str) -> bool:
    return code == "NoSuchEntity"


def inline_policy(bucket: str, secrets_prefix: str, region: str, account_id: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "OrganizationBucket", "Effect": "Allow",
         "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "OrganizationBucketObjects", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Sid": "ReadData", "Effect": "Allow",   # jobs' S3 code and data (bucket policies apply)
         "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": "*"},
        {"Sid": "OrganizationSecrets", "Effect": "Allow",
         "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
         "Resource": f"arn:aws:ssm:{region}:{account_id}:parameter{secrets_prefix}*"}]}


def ensure_role(iam, org: str, region: str, bucket: str, secrets_prefix: str,
                account_id: str) -> tuple[str, str]:
    """(role name, role ARN), with its trust and policies converged."""
    name = role_name(org, region)
    try:
        role = call(iam.get_role, RoleName=name)["Role"]
    except CloudError as e:
        if not _absent(e.code):
            raise
        role = call(iam.create_role, RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST),
                    Description="Corral cluster nodes: SSM, EFS, the organization's bucket",
                    Tags=_tags(org, region))["Role"]
    call(iam.update_assume_role_policy, RoleName=name, PolicyDocument=json.dumps(TRUST))
    attached = {p["PolicyArn"] for p in call(iam.list_attached_role_policies,
                                             RoleName=name)["AttachedPolicies"]}
    for arn in MANAGED_POLICIES:
        if arn not in attached:
            call(iam.attach_role_policy, RoleName=name, PolicyArn=arn)
    call(iam.put_role_policy, RoleName=name, PolicyName=INLINE_POLICY,
         PolicyDocument=json.dumps(inline_policy(bucket, secrets_prefix, region, account_id)))
    return name, role["Arn"]


def ensure_instance_profile(iam, org: str, region: str) -> tuple[str, str]:
    """(profile name, profile ARN), holding the node role."""
    name = role_name(org, region)
    try:
        profile = call(iam.get_instance_profile, InstanceProfileName=name)["InstanceProfile"]
    except CloudError as e:
        if not _absent(e.code):
            raise
        profile = call(iam.create_instance_profile, InstanceProfileName=name,
                       Tags=_tags(org, region))["InstanceProfile"]
    if not any(r["RoleName"] == name for r in profile.get("Roles", [])):
        call(iam.add_role_to_instance_profile, InstanceProfileName=name, RoleName=name)
    return name, profile["Arn"]


def delete_instance_profile(iam, org: str, region: str) -> list[str]:
    name = role_name(org, region)
    try:
        profile = call(iam.get_instance_profile, InstanceProfileName=name)["InstanceProfile"]
    except CloudError as e:
        if _absent(e.code):
            return []
        raise
    for role in profile.get("Roles", []):
        call(iam.remove_role_from_instance_profile, InstanceProfileName=name,
             RoleName=role["RoleName"])
    call(iam.delete_instance_profile, InstanceProfileName=name)
    return [name]


def delete_role(iam, org: str, region: str) -> list[str]:
    """Detach and delete its policies, then the role."""
    name = role_name(org, region)
    try:
        attached = call(iam.list_attached_role_policies, RoleName=name)["AttachedPolicies"]
    except CloudError as e:
        if _absent(e.code):
            return []
        raise
    for p in attached:
        call(iam.detach_role_policy, RoleName=name, PolicyArn=p["PolicyArn"])
    for policy in call(iam.list_role_policies, RoleName=name)["PolicyNames"]:
        call(iam.delete_role_policy, RoleName=name, PolicyName=policy)
    call(iam.delete_role, RoleName=name)
    return [name]
