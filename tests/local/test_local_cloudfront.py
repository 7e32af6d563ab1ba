"""The emulator's CloudFront, as strict as AWS where Corral depends on it: VPC origins (checked
targets, CloudFront's service group, deployment on the clock, ETags, in use), distributions
(deployment on the clock, a new ETag per change, PreconditionFailed, no deletion while enabled
or while the disabling deploys, VpcOriginConfig kept), and the edge really carrying a viewer's
connection (WebSocket upgrade included) only while enabled, deployed and let in by the
origin's security group."""
from __future__ import annotations

import socket
import threading

import pytest
import requests
from botocore.exceptions import ClientError

from chalicelib.cloud import entry_point
from chalicelib.kernel.clock import FakeClock
from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID as ACCOUNT
from local.moto_ext import cloudfront_deploys, cloudfront_edge

DEPLOY = 60


@pytest.fixture
def clock(aws):
    c = FakeClock()
    cloudfront_deploys.configure(DEPLOY, c)
    yield c
    cloudfront_edge.close_all()
    cloudfront_deploys.configure()


@pytest.fixture
def world(clock, customer_aws, own_ami):
    """A VPC with an internet gateway, a private subnet, a node with a group of its own."""
    ec2 = customer_aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="node", Description="n", VpcId=vpc)["GroupId"]
    node = ec2.run_instances(ImageId=own_ami, MinCount=1, MaxCount=1, SubnetId=subnet,
                             SecurityGroupIds=[group])["Instances"][0]
    return {"ec2": ec2, "cf": customer_aws("cloudfront"), "vpc": vpc, "group": group,
            "node": node, "subnet": subnet, "image": own_ami}


def _code(e: pytest.ExceptionInfo) -> tuple[str, int]:
    return (e.value.response["Error"]["Code"],
            e.value.response["ResponseMetadata"]["HTTPStatusCode"])


def _vpc_origin(world, port: int = 8888, instance: str | None = None) -> dict:
    arn = entry_point.instance_arn("us-east-1", ACCOUNT, instance or world["node"]["InstanceId"])
    return world["cf"].create_vpc_origin(VpcOriginEndpointConfig={
        "Name": "corral-nb-x", "Arn": arn, "HTTPPort": port, "HTTPSPort": 443,
        "OriginProtocolPolicy": "http-only"})


def _service_group(world) -> str | None:
    found = [g for g in world["ec2"].describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [world["vpc"]]}])["SecurityGroups"]
        if g["GroupName"] == "CloudFront-VPCOrigins-Service-SG"]
    return found[0]["GroupId"] if found else None


def _admit(world, port: int) -> None:
    world["ec2"].authorize_security_group_ingress(GroupId=world["group"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": _service_group(world)}]}])


def _distribution(world, vo_id: str, reference: str = "ref-1") -> dict:
    config = entry_point.distribution_config("x", vo_id, world["node"]["PrivateDnsName"])
    config["CallerReference"] = reference
    return world["cf"].create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": config, "Tags": {"Items": [{"Key": "k", "Value": "v"}]}})


def _origin_server(reply_101: bool = False):
    """A loopback server: plain HTTP 200, or a WebSocket-style upgrade then an echo."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            if reply_101:
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\n\r\n")
                while data := conn.recv(4096):
                    conn.sendall(data)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close"
                             b"\r\n\r\nhello")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


# ---- VPC origins ----------------------------------------------------------------------------

def test_a_vpc_origin_checks_its_target_and_its_ports(world):
    cf = world["cf"]
    for arn, said in (("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/x",
                       "EC2 instance"),
                      (entry_point.instance_arn("us-east-1", ACCOUNT, "i-0123456789abcdef0"),
                       "does not exist"),
                      (entry_point.instance_arn("us-east-1", "999999999999",
                                                world["node"]["InstanceId"]), "not in account")):
        with pytest.raises(ClientError) as e:
            cf.create_vpc_origin(VpcOriginEndpointConfig={
                "Name": "n", "Arn": arn, "HTTPPort": 80, "HTTPSPort": 443,
                "OriginProtocolPolicy": "http-only"})
        assert _code(e)[0] == "InvalidArgument" and said in str(e.value)
    with pytest.raises(ClientError) as e:
        _vpc_origin(world, port=70000)
    assert "HTTPPort" in str(e.value)
    # A VPC without an internet gateway takes no VPC origin.
    ec2 = world["ec2"]
    bare = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=bare, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    lone = ec2.run_instances(ImageId=world["image"], MinCount=1, MaxCount=1,
                             SubnetId=subnet)["Instances"][0]["InstanceId"]
    with pytest.raises(ClientError) as e:
        _vpc_origin(world, instance=lone)
    assert "no internet gateway" in str(e.value)


def test_a_vpc_origin_deploys_on_the_clock_and_is_deleted_only_with_its_etag(world, clock):
    cf = world["cf"]
    assert _service_group(world) is None
    made = _vpc_origin(world)
    vo = made["VpcOrigin"]["Id"]
    assert made["VpcOrigin"]["Status"] == "Deploying" and _service_group(world)
    clock.advance(DEPLOY)
    got = cf.get_vpc_origin(Id=vo)
    assert got["VpcOrigin"]["Status"] == "Deployed" and got["ETag"] == made["ETag"]
    with pytest.raises(ClientError) as e:
        cf.delete_vpc_origin(Id=vo, IfMatch="E-OLD")
    assert _code(e) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        cf.delete_vpc_origin(Id=vo, IfMatch="")
    assert _code(e)[0] == "InvalidIfMatchVersion"
    deleting = cf.delete_vpc_origin(Id=vo, IfMatch=got["ETag"])
    assert deleting["VpcOrigin"]["Status"] == "Deleting" and deleting["ETag"] != got["ETag"]
    assert cf.get_vpc_origin(Id=vo)["VpcOrigin"]["Status"] == "Deleting"
    clock.advance(DEPLOY)
    with pytest.raises(ClientError) as e:
        cf.get_vpc_origin(Id=vo)
    assert _code(e) == ("EntityNotFound", 404)
    assert _service_group(world) is None        # its VPC's last origin gone: the group too


def test_the_service_group_stays_while_a_group_names_it(world, clock):
    cf = world["cf"]
    made = _vpc_origin(world)
    _admit(world, 8888)
    clock.advance(DEPLOY)
    cf.delete_vpc_origin(Id=made["VpcOrigin"]["Id"],
                         IfMatch=cf.get_vpc_origin(Id=made["VpcOrigin"]["Id"])["ETag"])
    clock.advance(DEPLOY)
    assert cf.list_vpc_origins()["VpcOriginList"]["Quantity"] == 0
    assert _service_group(world) is not None   # AWS cannot delete a referenced group either


# ---- distributions ----------------------------------------------------------------------

def test_a_distribution_needs_a_deployed_vpc_origin_and_one_cache_setting(world, clock):
    vo = _vpc_origin(world)["VpcOrigin"]["Id"]
    with pytest.raises(ClientError) as e:
        _distribution(world, vo)
    assert _code(e)[0] == "InvalidArgument" and "Deploying" in str(e.value)
    with pytest.raises(ClientError) as e:
        _distribution(world, "vo_missing")
    assert _code(e)[0] == "EntityNotFound"
    clock.advance(DEPLOY)
    config = entry_point.distribution_config("x", vo, "n")
    config["DefaultCacheBehavior"]["ForwardedValues"] = {"QueryString": True,
                                                        "Cookies": {"Forward": "all"}}
    with pytest.raises(ClientError) as e:
        world["cf"].create_distribution(DistributionConfig=config)
    assert "ForwardedValues cannot be used" in str(e.value)


def test_a_distribution_deploys_changes_etags_and_is_deleted_only_disabled_and_deployed(
        world, clock):
    cf = world["cf"]
    vo = _vpc_origin(world)["VpcOrigin"]["Id"]
    clock.advance(DEPLOY)
    made = _distribution(world, vo)
    dist = made["Distribution"]["Id"]
    assert made["Distribution"]["Status"] == "InProgress"
    clock.advance(DEPLOY)
    got = cf.get_distribution_config(Id=dist)
    assert cf.get_distribution(Id=dist)["Distribution"]["Status"] == "Deployed"
    assert got["ETag"] == made["ETag"]
    settings = got["DistributionConfig"]
    assert settings["Origins"]["Items"][0]["VpcOriginConfig"]["VpcOriginId"] == vo
    assert "ForwardedValues" not in settings["DefaultCacheBehavior"]   # as AWS gives it back
    with pytest.raises(ClientError) as e:
        cf.delete_distribution(Id=dist, IfMatch=got["ETag"])
    assert _code(e) == ("DistributionNotDisabled", 409)
    settings["Enabled"] = False
    with pytest.raises(ClientError) as e:
        cf.update_distribution(Id=dist, IfMatch="E-STALE", DistributionConfig=settings)
    assert _code(e) == ("PreconditionFailed", 412)
    updated = cf.update_distribution(Id=dist, IfMatch=got["ETag"], DistributionConfig=settings)
    assert updated["ETag"] != got["ETag"] and updated["Distribution"]["Status"] == "InProgress"
    with pytest.raises(ClientError) as e:                  # the old ETag no longer counts
        cf.update_distribution(Id=dist, IfMatch=got["ETag"], DistributionConfig=settings)
    assert _code(e)[0] == "PreconditionFailed"
    with pytest.raises(ClientError) as e:                  # disabled, but not yet deployed
        cf.delete_distribution(Id=dist, IfMatch=updated["ETag"])
    assert _code(e)[0] == "DistributionNotDisabled" and "InProgress" in str(e.value)
    with pytest.raises(ClientError) as e:                  # its VPC origin is in use
        cf.delete_vpc_origin(Id=vo, IfMatch=cf.get_vpc_origin(Id=vo)["ETag"])
    assert _code(e) == ("CannotDeleteEntityWhileInUse", 409)
    assert cf.list_distributions_by_vpc_origin_id(VpcOriginId=vo)["DistributionIdList"][
        "Items"] == [dist]
    clock.advance(DEPLOY)
    with pytest.raises(ClientError) as e:
        cf.delete_distribution(Id=dist, IfMatch="E-STALE")
    assert _code(e)[0] == "PreconditionFailed"
    cf.delete_distribution(Id=dist, IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as e:
        cf.get_distribution(Id=dist)
    assert _code(e)[0] == "NoSuchDistribution"
    cf.delete_vpc_origin(Id=vo, IfMatch=cf.get_vpc_origin(Id=vo)["ETag"])


# ---- the edge -------------------------------------------------------------------------------

def test_the_edge_carries_traffic_only_when_deployed_enabled_and_let_in(world, clock):
    cf = world["cf"]
    server, port = _origin_server()
    vo = _vpc_origin(world, port)["VpcOrigin"]["Id"]
    clock.advance(DEPLOY)
    made = _distribution(world, vo)
    address = f"http://{made['Distribution']['DomainName']}/"
    assert made["Distribution"]["DomainName"].startswith("localhost:")
    reply = requests.get(address, timeout=5)
    assert reply.status_code == 403 and reply.headers["Server"] == "CloudFront"  # deploying
    clock.advance(DEPLOY)
    reply = requests.get(address, timeout=5)
    assert reply.status_code == 504                   # the node's group does not let it in
    assert "CloudFront-VPCOrigins-Service-SG" in reply.text
    _admit(world, port + 1)                           # another port does not count
    assert requests.get(address, timeout=5).status_code == 504
    _admit(world, port)
    reply = requests.get(address, timeout=5)
    assert (reply.status_code, reply.text) == (200, "hello")
    # Disabled: it serves until the change is deployed, then refuses.
    got = cf.get_distribution_config(Id=made["Distribution"]["Id"])
    got["DistributionConfig"]["Enabled"] = False
    done = cf.update_distribution(Id=made["Distribution"]["Id"], IfMatch=got["ETag"],
                                  DistributionConfig=got["DistributionConfig"])
    assert requests.get(address, timeout=5).status_code == 200
    clock.advance(DEPLOY)
    assert requests.get(address, timeout=5).status_code == 403
    cf.delete_distribution(Id=made["Distribution"]["Id"], IfMatch=done["ETag"])
    with pytest.raises(requests.ConnectionError):      # deleted: the address is closed
        requests.get(address, timeout=5)
    server.close()


def test_the_edge_answers_502_when_the_origin_refuses(world, clock):
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()                                      # nothing listens there now
    vo = _vpc_origin(world, port)["VpcOrigin"]["Id"]
    _admit(world, port)
    clock.advance(DEPLOY)
    made = _distribution(world, vo)
    clock.advance(DEPLOY)
    reply = requests.get(f"http://{made['Distribution']['DomainName']}/", timeout=5)
    assert reply.status_code == 502 and "could not connect to the origin" in reply.text


def test_the_edge_carries_a_websocket_upgrade_both_ways(world, clock):
    server, port = _origin_server(reply_101=True)
    vo = _vpc_origin(world, port)["VpcOrigin"]["Id"]
    _admit(world, port)
    clock.advance(DEPLOY)
    made = _distribution(world, vo)
    clock.advance(DEPLOY)
    edge_port = int(made["Distribution"]["DomainName"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", edge_port), timeout=5) as viewer:
        viewer.sendall(b"GET /api/kernels/k/channels HTTP/1.1\r\nHost: x\r\nUpgrade: websocket"
                       b"\r\nConnection: Upgrade\r\nSec-WebSocket-Key: a2V5\r\n"
                       b"Sec-WebSocket-Version: 13\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += viewer.recv(4096)
        assert head.startswith(b"HTTP/1.1 101")
        for message in (b"frame one", b"frame two"):
            viewer.sendall(message)
            assert viewer.recv(4096) == message
    server.close()
