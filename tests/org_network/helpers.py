"""Looking at the organization's resources in the emulated customer account: everything the
network dict names exists, is configured, and is tagged with the organization; or nothing
tagged with it is left."""
from __future__ import annotations

import json

from chalicelib.org_network import commands as org_network
from chalicelib.org_network.machine import NetworkStatus, network

ORG_TAG = "corral:organization"
NEEDED_POLICIES = {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                   "arn:aws:iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess"}


def org_headers(platform) -> dict:
    return platform.headers(platform.demo.org_client_id, platform.demo.org_secret)


def tags(resource: dict, key: str = "Tags") -> dict:
    return {t["Key"]: t["Value"] for t in resource.get(key, [])}


def by_org(org: str) -> list[dict]:
    return [{"Name": f"tag:{ORG_TAG}", "Values": [org]}]


def workspace_in(platform, region: str, name: str = "analytics") -> dict:
    """A READY workspace of the demo organization in `region`, through the API."""
    reply = platform.request("POST", "/v1/workspaces", {
        "name": name, "region": region,
        "cloudConfig": {"uuid": platform.demo.organization.cloud_config_uuid}},
        headers=org_headers(platform))
    assert reply.status_code == 200, reply.body
    platform.settle()
    got = platform.request("GET", f"/v1/workspaces/{reply.json_body['uuid']}",
                           headers=org_headers(platform)).json_body
    assert got["status"] == "READY", got
    return got


def network_of(org: str, region: str) -> dict:
    state = org_network.get(org, region)
    assert state is not None and state.status == NetworkStatus.READY, state
    return network(state)


def assert_network(platform, org: str, region: str) -> dict:
    """Every resource of the region's network, configured as it must be, and tagged."""
    net = network_of(org, region)
    ec2, efs = platform.customer("ec2", region), platform.customer("efs", region)
    vpc = ec2.describe_vpcs(VpcIds=[net["vpc_id"]])["Vpcs"][0]
    assert tags(vpc)[ORG_TAG] == org
    assert ec2.describe_vpc_attribute(VpcId=net["vpc_id"], Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"]["Value"] is True

    public, private = net["public_subnets"], net["private_subnets"]
    assert len(public) == len(private) == 2 and set(public) == set(private)
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(
        SubnetIds=list(public.values()) + list(private.values()))["Subnets"]}
    for zone in public:
        for subnet_id in (public[zone], private[zone]):
            s = subnets[subnet_id]
            assert s["AvailabilityZone"] == zone and s["VpcId"] == net["vpc_id"]
            assert tags(s)[ORG_TAG] == org
            assert s["MapPublicIpOnLaunch"] is False

    igws = ec2.describe_internet_gateways(Filters=by_org(org))["InternetGateways"]
    assert len(igws) == 1 and igws[0]["Attachments"][0]["VpcId"] == net["vpc_id"]
    igw_id = igws[0]["InternetGatewayId"]

    nats = [n for n in ec2.describe_nat_gateways(Filter=by_org(org))["NatGateways"]
            if n["State"] == "available"]
    assert len(nats) == 1 and nats[0]["SubnetId"] in public.values()
    nat_id = nats[0]["NatGatewayId"]
    eips = ec2.describe_addresses(Filters=by_org(org))["Addresses"]
    assert len(eips) == 1
    assert nats[0]["NatGatewayAddresses"][0]["AllocationId"] == eips[0]["AllocationId"]
    assert eips[0]["AssociationId"]

    tables = ec2.describe_route_tables(Filters=by_org(org))["RouteTables"]
    assert len(tables) == 2
    for rt in tables:
        default = [r for r in rt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        associated = {a["SubnetId"] for a in rt["Associations"] if a.get("SubnetId")}
        if associated == set(public.values()):
            assert default[0].get("GatewayId") == igw_id
        else:
            assert associated == set(private.values())
            assert default[0].get("NatGatewayId") == nat_id

    sg_id = net["security_group_id"]
    sg = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert tags(sg)[ORG_TAG] == org and sg["VpcId"] == net["vpc_id"]
    for rules in (sg["IpPermissions"], sg["IpPermissionsEgress"]):
        everything = [r for r in rules if r["IpProtocol"] == "-1"
                      and any(p["GroupId"] == sg_id for p in r["UserIdGroupPairs"])]
        assert everything, rules
    nfs = [r for r in sg["IpPermissions"] if r.get("FromPort") == 2049]
    assert nfs and nfs[0]["UserIdGroupPairs"][0]["GroupId"] == sg_id

    fs = efs.describe_file_systems(FileSystemId=net["file_system_id"])["FileSystems"][0]
    assert tags(fs)[ORG_TAG] == org and fs["LifeCycleState"] == "available"
    mounts = efs.describe_mount_targets(FileSystemId=net["file_system_id"])["MountTargets"]
    assert sorted(m["SubnetId"] for m in mounts) == sorted(private.values())
    for mount in mounts:
        assert efs.describe_mount_target_security_groups(
            MountTargetId=mount["MountTargetId"])["SecurityGroups"] == [sg_id]

    s3 = platform.customer("s3", region)
    bucket = net["bucket"]
    assert tags(s3.get_bucket_tagging(Bucket=bucket), "TagSet")[ORG_TAG] == org
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]

    iam = platform.customer("iam", region)
    role_name = net["node_role_name"]
    assert role_name.startswith("corral-node-") and region in role_name
    role = iam.get_role(RoleName=role_name)["Role"]
    assert tags(role)[ORG_TAG] == org
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"]["Service"] == "ec2.amazonaws.com"
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(
        RoleName=role_name)["AttachedPolicies"]}
    assert NEEDED_POLICIES <= attached
    inline = iam.get_role_policy(RoleName=role_name, PolicyName="corral-node-access")
    assert bucket in json.dumps(inline["PolicyDocument"])
    assert net["secrets_prefix"] == f"/corral/{org}/"
    assert net["secrets_prefix"] in json.dumps(inline["PolicyDocument"])
    profile = iam.get_instance_profile(InstanceProfileName=net["instance_profile_name"])[
        "InstanceProfile"]
    assert profile["Arn"] == net["instance_profile_arn"]
    assert [r["RoleName"] for r in profile["Roles"]] == [role_name]
    assert tags(profile)[ORG_TAG] == org
    return net


def assert_nothing_left(platform, org: str, region: str) -> None:
    """No resource tagged with the organization in the region (nor its node role)."""
    ec2, efs = platform.customer("ec2", region), platform.customer("efs", region)
    assert ec2.describe_vpcs(Filters=by_org(org))["Vpcs"] == []
    assert ec2.describe_subnets(Filters=by_org(org))["Subnets"] == []
    assert ec2.describe_internet_gateways(Filters=by_org(org))["InternetGateways"] == []
    assert [n for n in ec2.describe_nat_gateways(Filter=by_org(org))["NatGateways"]
            if n["State"] != "deleted"] == []
    assert ec2.describe_addresses(Filters=by_org(org))["Addresses"] == []
    assert ec2.describe_route_tables(Filters=by_org(org))["RouteTables"] == []
    assert ec2.describe_security_groups(Filters=by_org(org))["SecurityGroups"] == []
    assert [f for f in efs.describe_file_systems()["FileSystems"]
            if tags(f).get(ORG_TAG) == org] == []
    s3 = platform.customer("s3", region)
    assert [b for b in s3.list_buckets()["Buckets"] if org in b["Name"]
            and region in b["Name"]] == []
    iam = platform.customer("iam", region)
    assert [r for r in iam.list_roles()["Roles"] if org in r["RoleName"]
            and region in r["RoleName"]] == []
    assert [p for p in iam.list_instance_profiles()["InstanceProfiles"]
            if org in p["InstanceProfileName"] and region in p["InstanceProfileName"]] == []

