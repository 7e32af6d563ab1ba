"""The organization's network in one region, one resource per function: the VPC, public and
private subnets in two availability zones, the internet gateway, the NAT gateway and its
Elastic IP, the route tables and the node security group. Every `ensure_*` finds its resource
by the organization's tags before it makes one, then converges its configuration (attachment,
routes, associations, rules), so a retry after a crash between "create" and "configure"
finishes the job instead of skipping it. Every `delete_*` finds what carries the tags and
removes it; it is a no-op once nothing is left. Writes no state (cloud/ never does)."""
from __future__ import annotations

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

VPC_CIDR = "10.42.0.0/16"
ZONES = 2
# Per zone index: a small public subnet (the NAT gateway, nodes with a public IP) and a large
# private one (the nodes).
PUBLIC_CIDRS = ("10.42.0.0/20", "10.42.16.0/20")
PRIVATE_CIDRS = ("10.42.128.0/18", "10.42.192.0/18")
ANYWHERE = "0.0.0.0/0"
NFS_PORT = 2049
ZONE_TAG = "corral:zone"

# corral:role of each resource
VPC, PUBLIC, PRIVATE, GATEWAY = "network", "public-subnet", "private-subnet", "gateway"
NAT_IP, NAT = "nat-ip", "nat"
PUBLIC_ROUTES, PRIVATE_ROUTES, NODES = "public-routes", "private-routes", "nodes"
LIVE_NAT_STATES = ["pending", "available", "deleting", "failed"]


def _tags(org: str, role: str, **extra) -> dict:
    return {t.ORG: org, t.ROLE: role, "Name": f"corral-{role}", **extra}


def _found(describe, key: str, org: str, role: str) -> list[dict]:
    return call(describe, Filters=t.filters({t.ORG: org, t.ROLE: role}))[key]


def _nat_gateways(ec2, org: str) -> list[dict]:
    """The organization's NAT gateways not yet deleted (DescribeNatGateways names its
    filters `Filter`, and lists deleted gateways for an hour)."""
    return call(ec2.describe_nat_gateways, Filter=t.filters({t.ORG: org, t.ROLE: NAT}) + [
        {"Name": "state", "Values": LIVE_NAT_STATES}])["NatGateways"]


# ---- VPC ----------------------------------------------------------------------------------

def ensure_vpc(ec2, org: str) -> str:
    """The VPC, with DNS hostnames on (EFS mounts by name), converged on every call."""
    found = _found(ec2.describe_vpcs, "Vpcs", org, VPC)
    vpc_id = found[0]["VpcId"] if found else call(
        ec2.create_vpc, CidrBlock=VPC_CIDR,
        TagSpecifications=[t.spec("vpc", _tags(org, VPC))])["Vpc"]["VpcId"]
    call(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsSupport={"Value": True})
    call(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    return vpc_id


# ---- subnets ------------------------------------------------------------------------------

def zones(ec2, org: str) -> list[str]:
    """The two zones the network spans: those its subnets already use, else the first
    available ones by name (stable for an account)."""
    used = sorted({tag["Value"] for s in _found(ec2.describe_subnets, "Subnets", org, PRIVATE)
                   for tag in s.get("Tags", []) if tag["Key"] == ZONE_TAG})
    if len(used) >= ZONES:
        return used[:ZONES]
    offered = sorted(z["ZoneName"] for z in call(ec2.describe_availability_zones, Filters=[
        {"Name": "state", "Values": ["available"]},
        {"Name": "zone-type", "Values": ["availability-zone"]}])["AvailabilityZones"])
    picked = used + [z for z in offered if z not in used]
    if len(picked) < ZONES:
        raise CloudError("InsufficientZones", f"the region offers {len(picked)} availability "
                                              f"zone(s); the network needs {ZONES}", False)
    return picked[:ZONES]


def ensure_subnets(ec2, org: str, vpc_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """({zone: public subnet}, {zone: private subnet}), one of each per zone. Public subnets
    give no public IP by default: a node gets one only when its launch asks (SSH)."""
    public, private = {}, {}
    for index, zone in enumerate(zones(ec2, org)):
        public[zone] = _ensure_subnet(ec2, org, vpc_id, PUBLIC, zone, PUBLIC_CIDRS[index])
        private[zone] = _ensure_subnet(ec2, org, vpc_id, PRIVATE, zone, PRIVATE_CIDRS[index])
    return public, private


def _ensure_subnet(ec2, org: str, vpc_id: str, role: str, zone: str, cidr: str) -> str:
    found = call(ec2.describe_subnets, Filters=t.filters(
        {t.ORG: org, t.ROLE: role, ZONE_TAG: zone}))["Subnets"]
    if found:
        return found[0]["SubnetId"]
    return call(ec2.create_subnet, VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone,
                TagSpecifications=[t.spec("subnet", _tags(org, role, **{ZONE_TAG: zone}))]
                )["Subnet"]["SubnetId"]


# ---- internet gateway ---------------------------------------------------------------------

def ensure_internet_gateway(ec2, org: str, vpc_id: str) -> str:
    """The internet gateway, attached to the VPC (attached again if a crash left it loose)."""
    found = _found(ec2.describe_internet_gateways, "InternetGateways", org, GATEWAY)
    if found:
        igw_id, attached = found[0]["InternetGatewayId"], found[0].get("Attachments", [])
    else:
        igw_id, attached = call(ec2.create_internet_gateway, TagSpecifications=[t.spec(
            "internet-gateway", _tags(org, GATEWAY))])["InternetGateway"]["InternetGatewayId"], []
    if not any(a["VpcId"] == vpc_id for a in attached):
        call(ec2.attach_internet_gateway, InternetGatewayId=igw_id, VpcId=vpc_id)
    return igw_id


# ---- NAT gateway and its Elastic IP -------------------------------------------------------

def ensure_nat_address(ec2, org: str) -> tuple[str, str]:
    """The NAT gateway's Elastic IP: (allocation id, public IP)."""
    found = _found(ec2.describe_addresses, "Addresses", org, NAT_IP)
    if not found:
        found = [call(ec2.allocate_address, Domain="vpc", TagSpecifications=[t.spec(
            "elastic-ip", _tags(org, NAT_IP))])]
    return found[0]["AllocationId"], found[0]["PublicIp"]


def ensure_nat_gateway(ec2, org: str, subnet_id: str, allocation_id: str) -> tuple[str, str]:
    """The NAT gateway in a public subnet with the Elastic IP: (id, state). It is usable once
    `available`; a failed one is replaced (AWS keeps failed gateways listed for a while)."""
    found = [n for n in _nat_gateways(ec2, org) if n["State"] in ("pending", "available")]
    if found:
        return found[0]["NatGatewayId"], found[0]["State"]
    made = call(ec2.create_nat_gateway, SubnetId=subnet_id, AllocationId=allocation_id,
                ConnectivityType="public",
                TagSpecifications=[t.spec("natgateway", _tags(org, NAT))])["NatGateway"]
    return made["NatGatewayId"], made.get("State", "pending")


# ---- route tables -------------------------------------------------------------------------

def ensure_route_tables(ec2, org: str, vpc_id: str, igw_id: str, nat_id: str,
                        public: dict[str, str], private: dict[str, str]) -> tuple[str, str]:
    """(public route table, private route table): the public one's default route through the
    internet gateway, the private one's through the NAT gateway, each associated with its
    subnets. Routes and associations are converged on every call."""
    return (_ensure_routes(ec2, org, vpc_id, PUBLIC_ROUTES, {"GatewayId": igw_id}, public),
            _ensure_routes(ec2, org, vpc_id, PRIVATE_ROUTES, {"NatGatewayId": nat_id}, private))


def _ensure_routes(ec2, org: str, vpc_id: str, role: str, target: dict,
                   subnets: dict[str, str]) -> str:
    found = _found(ec2.describe_route_tables, "RouteTables", org, role)
    table = found[0] if found else call(ec2.create_route_table, VpcId=vpc_id, TagSpecifications=[
        t.spec("route-table", _tags(org, role))])["RouteTable"]
    rt_id = table["RouteTableId"]
    default = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == ANYWHERE]
    key, value = next(iter(target.items()))
    if not default:
        call(ec2.create_route, RouteTableId=rt_id, DestinationCidrBlock=ANYWHERE, **target)
    elif default[0].get(key) != value or default[0].get("State") == "blackhole":
        call(ec2.replace_route, RouteTableId=rt_id, DestinationCidrBlock=ANYWHERE, **target)
    associated = {a.get("SubnetId") for a in table.get("Associations", [])}
    for subnet_id in sorted(set(subnets.values()) - associated):
        call(ec2.associate_route_table, RouteTableId=rt_id, SubnetId=subnet_id)
    return rt_id


# ---- node security group ------------------------------------------------------------------

def node_permissions(sg_id: str) -> list[dict]:
    """What the nodes' group allows, in and out: all traffic to and from itself (MPI and EFA
    need every port both ways), and NFS from itself said apart (the mount targets carry this
    group: the NFS rule stays even if the all-traffic one is ever narrowed)."""
    return [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg_id}]},
            {"IpProtocol": "tcp", "FromPort": NFS_PORT, "ToPort": NFS_PORT,
             "UserIdGroupPairs": [{"GroupId": sg_id}]}]


def ensure_security_group(ec2, org: str, vpc_id: str) -> str:
    found = _found(ec2.describe_security_groups, "SecurityGroups", org, NODES)
    group = found[0] if found else None
    if group is None:
        sg_id = call(ec2.create_security_group, GroupName=f"corral-nodes-{org}",
                     Description="Corral cluster nodes: all traffic between nodes, both ways",
                     VpcId=vpc_id, TagSpecifications=[t.spec("security-group",
                                                              _tags(org, NODES))])["GroupId"]
        group = {"GroupId": sg_id, "IpPermissions": [], "IpPermissionsEgress": []}
    sg_id = group["GroupId"]
    wanted = node_permissions(sg_id)
    missing_in = [p for p in wanted if not _has(group.get("IpPermissions", []), p)]
    if missing_in:
        call(ec2.authorize_security_group_ingress, GroupId=sg_id, IpPermissions=missing_in)
    missing_out = [p for p in wanted if not _has(group.get("IpPermissionsEgress", []), p)]
    if missing_out:
        call(ec2.authorize_security_group_egress, GroupId=sg_id, IpPermissions=missing_out)
    return sg_id


def _has(rules: list[dict], wanted: dict) -> bool:
    group = wanted["UserIdGroupPairs"][0]["GroupId"]
    return any(r.get("IpProtocol") == wanted["IpProtocol"]
               and r.get("FromPort") == wanted.get("FromPort")
               and r.get("ToPort") == wanted.get("ToPort")
               and any(p.get("GroupId") == group for p in r.get("UserIdGroupPairs", []))
               for r in rules)


# ---- removal, in dependency order (the steps call them one by one) ------------------------

def delete_nat_gateways(ec2, org: str) -> tuple[list[str], bool]:
    """Ask every NAT gateway of the organization to go: (ids asked, all gone). AWS takes a
    minute to delete one; its Elastic IP and subnet are free only once it is `deleted`."""
    found = _nat_gateways(ec2, org)
    asked = [n["NatGatewayId"] for n in found if n["State"] in ("pending", "available", "failed")]
    for nat_id in asked:
        call(ec2.delete_nat_gateway, NatGatewayId=nat_id)
    return asked, not (_nat_gateways(ec2, org) if asked else found)


def release_nat_addresses(ec2, org: str) -> tuple[list[str], bool]:
    """Release the Elastic IPs no longer associated: (released, all gone)."""
    found = _found(ec2.describe_addresses, "Addresses", org, NAT_IP)
    free = [a["AllocationId"] for a in found if not a.get("AssociationId")]
    for allocation_id in free:
        call(ec2.release_address, AllocationId=allocation_id)
    return free, len(free) == len(found)


def delete_internet_gateways(ec2, org: str) -> list[str]:
    """Detach, then delete, every internet gateway of the organization."""
    found = _found(ec2.describe_internet_gateways, "InternetGateways", org, GATEWAY)
    for igw in found:
        for attachment in igw.get("Attachments", []):
            call(ec2.detach_internet_gateway, InternetGatewayId=igw["InternetGatewayId"],
                 VpcId=attachment["VpcId"])
        call(ec2.delete_internet_gateway, InternetGatewayId=igw["InternetGatewayId"])
    return [igw["InternetGatewayId"] for igw in found]


def delete_subnets(ec2, org: str) -> list[str]:
    ids = [s["SubnetId"] for role in (PUBLIC, PRIVATE)
           for s in _found(ec2.describe_subnets, "Subnets", org, role)]
    for subnet_id in ids:
        call(ec2.delete_subnet, SubnetId=subnet_id)
    return ids


def delete_route_tables(ec2, org: str) -> list[str]:
    """Disassociate what is still associated, then delete each table."""
    tables = [rt for role in (PUBLIC_ROUTES, PRIVATE_ROUTES)
              for rt in _found(ec2.describe_route_tables, "RouteTables", org, role)]
    for rt in tables:
        for a in rt.get("Associations", []):
            if not a.get("Main"):
                call(ec2.disassociate_route_table, AssociationId=a["RouteTableAssociationId"])
        call(ec2.delete_route_table, RouteTableId=rt["RouteTableId"])
    return [rt["RouteTableId"] for rt in tables]


def delete_security_groups(ec2, org: str) -> list[str]:
    ids = [g["GroupId"] for g in _found(ec2.describe_security_groups, "SecurityGroups", org, NODES)]
    for sg_id in ids:
        call(ec2.delete_security_group, GroupId=sg_id)
    return ids


def delete_vpcs(ec2, org: str) -> list[str]:
    ids = [v["VpcId"] for v in _found(ec2.describe_vpcs, "Vpcs", org, VPC)]
    for vpc_id in ids:
        call(ec2.delete_vpc, VpcId=vpc_id)
    return ids
