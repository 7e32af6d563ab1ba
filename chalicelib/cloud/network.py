"""Organization-level network in one region: a VPC, a subnet, an internet gateway with a default
route, and the security group that lets a cluster's nodes reach each other (MPI needs every
port between nodes). Created once, found again by tags, shared by the organization's clusters."""
from __future__ import annotations

from dataclasses import dataclass

from . import tags as t
from .sessions import call

VPC_CIDR = "10.42.0.0/16"
SUBNET_CIDR = "10.42.0.0/20"


@dataclass(frozen=True)
class Network:
    vpc_id: str
    subnet_id: str
    security_group_id: str


def ensure(ec2, organization_uuid: str) -> Network:
    base = {t.ORG: organization_uuid}
    vpc_id = _ensure_vpc(ec2, base)
    subnet_id = _ensure_subnet(ec2, base, vpc_id)
    _ensure_internet_route(ec2, base, vpc_id, subnet_id)
    sg_id = _ensure_security_group(ec2, base, organization_uuid, vpc_id)
    return Network(vpc_id, subnet_id, sg_id)


def _find(describe, key: str, id_key: str, base: dict, role: str, **kw) -> str | None:
    found = call(describe, Filters=t.filters({**base, t.ROLE: role}), **kw)[key]
    return found[0][id_key] if found else None


def _ensure_vpc(ec2, base: dict) -> str:
    vpc_id = _find(ec2.describe_vpcs, "Vpcs", "VpcId", base, "network")
    if vpc_id:
        return vpc_id
    vpc_id = call(ec2.create_vpc, CidrBlock=VPC_CIDR, TagSpecifications=[t.spec(
        "vpc", {**base, t.ROLE: "network", "Name": "corral"})])["Vpc"]["VpcId"]
    call(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    return vpc_id


def _ensure_subnet(ec2, base: dict, vpc_id: str) -> str:
    subnet_id = _find(ec2.describe_subnets, "Subnets", "SubnetId", base, "subnet")
    if subnet_id:
        return subnet_id
    zone = call(ec2.describe_availability_zones,
                Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"][0]
    subnet_id = call(ec2.create_subnet, VpcId=vpc_id, CidrBlock=SUBNET_CIDR,
                     AvailabilityZone=zone["ZoneName"], TagSpecifications=[t.spec(
                         "subnet", {**base, t.ROLE: "subnet", "Name": "corral"})])["Subnet"]["SubnetId"]
    call(ec2.modify_subnet_attribute, SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    return subnet_id


def _ensure_internet_route(ec2, base: dict, vpc_id: str, subnet_id: str) -> None:
    igw_id = _find(ec2.describe_internet_gateways, "InternetGateways", "InternetGatewayId",
                   base, "gateway")
    if not igw_id:
        igw_id = call(ec2.create_internet_gateway, TagSpecifications=[t.spec(
            "internet-gateway", {**base, t.ROLE: "gateway"})])["InternetGateway"]["InternetGatewayId"]
        call(ec2.attach_internet_gateway, InternetGatewayId=igw_id, VpcId=vpc_id)
    rt_id = _find(ec2.describe_route_tables, "RouteTables", "RouteTableId", base, "routes")
    if not rt_id:
        rt_id = call(ec2.create_route_table, VpcId=vpc_id, TagSpecifications=[t.spec(
            "route-table", {**base, t.ROLE: "routes"})])["RouteTable"]["RouteTableId"]
        call(ec2.create_route, RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0",
             GatewayId=igw_id)
        call(ec2.associate_route_table, RouteTableId=rt_id, SubnetId=subnet_id)


def _ensure_security_group(ec2, base: dict, organization_uuid: str, vpc_id: str) -> str:
    sg_id = _find(ec2.describe_security_groups, "SecurityGroups", "GroupId", base, "nodes")
    if sg_id:
        return sg_id
    sg_id = call(ec2.create_security_group, GroupName=f"corral-nodes-{organization_uuid[:8]}",
                 Description="Corral cluster nodes: all traffic between nodes", VpcId=vpc_id,
                 TagSpecifications=[t.spec("security-group", {**base, t.ROLE: "nodes"})])["GroupId"]
    call(ec2.authorize_security_group_ingress, GroupId=sg_id, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg_id}]}])
    return sg_id
