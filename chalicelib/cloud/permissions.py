"""Every IAM action the platform needs in a customer's account, what AWS authorises each
against, and the check, through IAM's policy simulation, that the linked role has them all.

One table (NEEDS) serves three readers: the pre-check before a workspace creates anything
(`missing`), the structure test that holds the platform policy (linking/platform-policy.json)
against the boto3 calls the code makes, and the policy itself, which must allow every row.

Why the simulation names resources: SimulatePrincipalPolicy evaluates an action against "*"
when no resource is given, and a statement limited to ARNs (corral-node-* roles, an instance
ARN with a tag condition) does not match "*": a least-privilege policy would then look
refused. So each action is simulated against the resource kinds AWS authorises it against
(RunInstances: the instance, volume and network interface it creates and the image, subnet,
security group, launch template and placement group it uses), with the context the
platform's real requests carry (its tags, the service a role is passed to, the images'
owner)."""
from __future__ import annotations

from dataclasses import dataclass

from .sessions import call
from .tags import ORG

# Resource kinds -> the ARN simulated for them ({region}, {account}, {role_arn} filled in).
# A "*" inside an ARN is a literal name here; the policy's patterns match it as a wildcard.
ARNS = {
    "*": "*",
    "image": "arn:aws:ec2:{region}::image/*",
    "document": "arn:aws:ssm:{region}::document/AWS-RunShellScript",
    "bucket": "arn:aws:s3:::corral-*",
    "object": "arn:aws:s3:::corral-*/*",
    "node-role": "arn:aws:iam::{account}:role/corral-node-*",
    "node-profile": "arn:aws:iam::{account}:instance-profile/corral-node-*",
    "file-system": "arn:aws:elasticfilesystem:{region}:{account}:file-system/*",
    "parameter": "arn:aws:ssm:{region}:{account}:parameter/corral/*",
    "secret": "arn:aws:secretsmanager:{region}:{account}:secret:/corral/*",
    "distribution": "arn:aws:cloudfront::{account}:distribution/*",
    "vpc-origin": "arn:aws:cloudfront::{account}:vpcorigin/*",
    "self": "{role_arn}",
}
EC2_ARN = "arn:aws:ec2:{region}:{account}:{kind}/*"   # every other kind is an EC2 resource


@dataclass(frozen=True)
class Need:
    """One action: the resource kinds it creates (their requests carry Corral's tags) and the
    existing ones it is also authorised against (no request tag there)."""
    creates: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.creates + self.uses or ("*",)


ANY = Need()
_LAUNCH_USES = ("image", "subnet", "security-group", "launch-template", "placement-group")


def _own(*kinds: str) -> Need:
    """Acts on what Corral made (tagged with the organization)."""
    return Need(uses=kinds)


def _new(*kinds: str, uses: tuple[str, ...] = ()) -> Need:
    """Creates `kinds` (tagged in the same request), authorised also against `uses`."""
    return Need(kinds, uses)


NEEDS: dict[str, Need] = {
    "sts:GetCallerIdentity": ANY,
    "iam:SimulatePrincipalPolicy": _own("self"),
    # ---- reading (EC2 has no resource-level permissions for Describe*) ----
    **{f"ec2:{a}": ANY for a in (
        "DescribeAddresses", "DescribeAvailabilityZones", "DescribeFleets", "DescribeImages",
        "DescribeInstanceStatus", "DescribeInstanceTypeOfferings", "DescribeInstanceTypes",
        "DescribeInstances", "DescribeInternetGateways", "DescribeLaunchTemplateVersions",
        "DescribeLaunchTemplates", "DescribeNatGateways", "DescribeNetworkInterfaces",
        "DescribePlacementGroups", "DescribeRouteTables", "DescribeSecurityGroupRules",
        "DescribeSecurityGroups", "DescribeSubnets", "DescribeTags", "DescribeVolumes",
        "DescribeVpcAttribute", "DescribeVpcs")},
    # ---- the organization's network ----
    "ec2:CreateVpc": _new("vpc"),
    "ec2:CreateSubnet": _new("subnet", uses=("vpc",)),
    "ec2:CreateInternetGateway": _new("internet-gateway"),
    "ec2:CreateRouteTable": _new("route-table", uses=("vpc",)),
    "ec2:AllocateAddress": _new("elastic-ip"),
    "ec2:CreateNatGateway": _new("natgateway", uses=("subnet", "elastic-ip")),
    "ec2:CreateSecurityGroup": _new("security-group", uses=("vpc",)),
    "ec2:CreateTags": ANY,   # only while creating (ec2:CreateAction), see the policy
    **{f"ec2:{a}": _own(*kinds) for a, kinds in {
        "ModifyVpcAttribute": ("vpc",), "ModifySubnetAttribute": ("subnet",),
        "AttachInternetGateway": ("internet-gateway", "vpc"),
        "DetachInternetGateway": ("internet-gateway", "vpc"),
        "CreateRoute": ("route-table",), "ReplaceRoute": ("route-table",),
        "DeleteRoute": ("route-table",),
        "AssociateRouteTable": ("route-table", "subnet"),
        "DisassociateRouteTable": ("route-table",),
        "AuthorizeSecurityGroupIngress": ("security-group",),
        "AuthorizeSecurityGroupEgress": ("security-group",),
        "RevokeSecurityGroupIngress": ("security-group",),
        "RevokeSecurityGroupEgress": ("security-group",),
        "DeleteVpc": ("vpc",), "DeleteSubnet": ("subnet",),
        "DeleteInternetGateway": ("internet-gateway",), "DeleteRouteTable": ("route-table",),
        "DeleteNatGateway": ("natgateway",), "ReleaseAddress": ("elastic-ip",),
        "DisassociateAddress": ("elastic-ip",), "DeleteSecurityGroup": ("security-group",),
    }.items()},
    # EFS makes a mount target's network interface as the caller, untagged.
    "ec2:CreateNetworkInterface": ANY,
    "ec2:DeleteNetworkInterface": ANY,
    # ---- a cluster ----
    "ec2:CreatePlacementGroup": _new("placement-group"),
    "ec2:CreateLaunchTemplate": _new("launch-template"),
    "ec2:CreateFleet": _new("fleet", "instance", "volume", "network-interface",
                            uses=_LAUNCH_USES),
    "ec2:RunInstances": _new("instance", "volume", "network-interface", uses=_LAUNCH_USES),
    **{f"ec2:{a}": _own(*kinds) for a, kinds in {
        "CreateLaunchTemplateVersion": ("launch-template",),
        "ModifyLaunchTemplate": ("launch-template",),
        "DeleteLaunchTemplate": ("launch-template",),
        "DeletePlacementGroup": ("placement-group",), "DeleteFleets": ("fleet",),
        "StartInstances": ("instance",), "StopInstances": ("instance",),
        "ModifyInstanceAttribute": ("instance",),   # a new instance type, while stopped
        "TerminateInstances": ("instance",), "DeleteVolume": ("volume",),
    }.items()},
    # ---- the node role and its instance profile ----
    "iam:PassRole": _own("node-role"),
    **{f"iam:{a}": _own("node-role") for a in (
        "CreateRole", "DeleteRole", "GetRole", "TagRole", "PutRolePolicy", "GetRolePolicy",
        "DeleteRolePolicy", "ListRolePolicies", "AttachRolePolicy", "DetachRolePolicy",
        "ListAttachedRolePolicies", "ListInstanceProfilesForRole", "UpdateAssumeRolePolicy")},
    **{f"iam:{a}": _own("node-profile") for a in (
        "CreateInstanceProfile", "DeleteInstanceProfile", "GetInstanceProfile",
        "TagInstanceProfile")},
    **{f"iam:{a}": _own("node-profile", "node-role") for a in (
        "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile")},
    # ---- shared file system ----
    "elasticfilesystem:CreateFileSystem": _new("file-system"),
    "elasticfilesystem:TagResource": _own("file-system"),
    **{f"elasticfilesystem:{a}": ANY for a in (
        "DescribeFileSystems", "DescribeMountTargets", "DescribeLifecycleConfiguration")},
    **{f"elasticfilesystem:{a}": _own("file-system") for a in (
        "DeleteFileSystem", "CreateMountTarget", "DeleteMountTarget",
        "DescribeMountTargetSecurityGroups", "ModifyMountTargetSecurityGroups",
        "PutLifecycleConfiguration", "ListTagsForResource")},
    # ---- the organization's bucket ----
    "s3:ListAllMyBuckets": ANY,
    "s3:GetBucketLocation": ANY,   # a job's S3 source must be in its cluster's region
    **{f"s3:{a}": _own("bucket") for a in (
        "CreateBucket", "DeleteBucket", "ListBucket", "ListBucketVersions",
        "GetBucketTagging", "PutBucketTagging", "PutBucketPublicAccessBlock",
        "PutEncryptionConfiguration", "PutBucketOwnershipControls", "PutBucketPolicy",
        "PutLifecycleConfiguration", "PutBucketVersioning")},
    **{f"s3:{a}": _own("object") for a in (
        "GetObject", "PutObject", "DeleteObject", "DeleteObjectVersion")},
    # ---- commands on the nodes ----
    "ssm:SendCommand": _own("instance", "document"),
    **{f"ssm:{a}": ANY for a in (
        "DescribeInstanceInformation", "GetCommandInvocation", "ListCommandInvocations",
        "ListCommands", "CancelCommand")},
    # ---- secrets under /corral/ ----
    **{f"ssm:{a}": _own("parameter") for a in (
        "PutParameter", "GetParameter", "GetParameters", "GetParametersByPath",
        "DeleteParameter", "DeleteParameters", "AddTagsToResource")},
    **{f"secretsmanager:{a}": _own("secret") for a in (
        "CreateSecret", "DescribeSecret", "GetSecretValue", "PutSecretValue", "DeleteSecret",
        "TagResource")},
    # ---- notebooks' entry points (cloud/entry_point.py): CloudFront, a global service ----
    # Scoped to CloudFront's distributions and VPC origins, not by tag: Corral's are told
    # apart by their comment and name, and their tags are read before any is removed.
    **{f"cloudfront:{a}": ANY for a in (
        "ListDistributions", "ListVpcOrigins", "ListDistributionsByVpcOriginId")},
    **{f"cloudfront:{a}": _own("distribution") for a in (
        "CreateDistribution", "GetDistribution", "GetDistributionConfig",
        "UpdateDistribution", "DeleteDistribution")},
    **{f"cloudfront:{a}": _own("vpc-origin") for a in (
        "CreateVpcOrigin", "GetVpcOrigin", "DeleteVpcOrigin")},
    **{f"cloudfront:{a}": _own("distribution", "vpc-origin") for a in (
        "TagResource", "ListTagsForResource")},
}
REQUIRED_ACTIONS: tuple[str, ...] = tuple(sorted(NEEDS))

# boto3 service names whose IAM prefix differs, and API operations whose IAM action does.
IAM_PREFIX = {"efs": "elasticfilesystem"}
OPERATION_ACTIONS = {
    "s3:ListObjects": "s3:ListBucket", "s3:ListObjectsV2": "s3:ListBucket",
    "s3:HeadBucket": "s3:ListBucket", "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectVersions": "s3:ListBucketVersions", "s3:DeleteObjects": "s3:DeleteObject",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    # Authorised as CreateDistribution and TagResource (both in NEEDS).
    "cloudfront:CreateDistributionWithTags": "cloudfront:CreateDistribution",
}
NODE_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
BATCH = 25   # actions per simulation call (AWS documents no bound; small answers page well)


def action_for(service: str, operation: str) -> str:
    """The IAM action a boto3 `service` client's API `operation` (CamelCase) is checked as."""
    name = f"{IAM_PREFIX.get(service, service)}:{operation}"
    return OPERATION_ACTIONS.get(name, name)


def context(organization_uuid: str, platform_account_id: str) -> list[dict]:
    """What the platform's own requests carry, for conditions to be judged as AWS would."""
    def entry(key: str, value: str) -> dict:
        return {"ContextKeyName": key, "ContextKeyType": "string", "ContextKeyValues": [value]}
    return [entry(f"aws:RequestTag/{ORG}", organization_uuid),
            entry(f"aws:ResourceTag/{ORG}", organization_uuid),
            entry(f"ssm:resourceTag/{ORG}", organization_uuid),
            entry("ec2:CreateAction", "RunInstances"),
            entry("elasticfilesystem:CreateAction", "CreateFileSystem"),
            entry("ec2:Owner", platform_account_id),
            entry("iam:PassedToService", "ec2.amazonaws.com"),
            entry("iam:PolicyARN", NODE_POLICY_ARN)]


def resource_arns(need: Need, region: str, account: str, role_arn: str) -> list[str]:
    return [ARNS.get(kind, EC2_ARN).format(region=region, account=account, role_arn=role_arn,
                                           kind=kind) for kind in need.kinds]


def _allowed(result: dict) -> bool:
    """Allowed on every resource simulated (AWS sums them up in EvalDecision, but a result
    per resource is the one to trust when given)."""
    per_resource = result.get("ResourceSpecificResults") or []
    if per_resource:
        return all(r.get("EvalResourceDecision") == "allowed" for r in per_resource)
    return result.get("EvalDecision") == "allowed"


def missing(iam, role_arn: str, region: str, organization_uuid: str,
            platform_account_id: str) -> list[str]:
    """The REQUIRED_ACTIONS the role `role_arn` may not perform, as IAM's policy simulation
    answers (sorted; empty when it has them all). Actions simulated against the same
    resources go in one call, at most BATCH at a time, every page read. Raises CloudError
    (AccessDenied when the role may not simulate its own policy)."""
    account = role_arn.split(":")[4]
    groups: dict[tuple[str, ...], list[str]] = {}
    for action in REQUIRED_ACTIONS:
        arns = tuple(resource_arns(NEEDS[action], region, account, role_arn))
        groups.setdefault(arns, []).append(action)
    entries = context(organization_uuid, platform_account_id)
    allowed: dict[str, bool] = {}
    paginator = iam.get_paginator("simulate_principal_policy")
    for arns, actions in groups.items():
        for start in range(0, len(actions), BATCH):
            kw = {"PolicySourceArn": role_arn, "ActionNames": actions[start:start + BATCH],
                  "ContextEntries": entries}
            if arns != ("*",):
                kw["ResourceArns"] = list(arns)
            pages = paginator.paginate(**kw)
            for page in call(lambda: list(pages)):
                for result in page["EvaluationResults"]:
                    name = result["EvalActionName"]
                    allowed[name] = allowed.get(name, True) and _allowed(result)
    return sorted(a for a in REQUIRED_ACTIONS if not allowed.get(a, False))
