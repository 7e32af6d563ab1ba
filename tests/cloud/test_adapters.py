"""The boto3 adapters against moto in the customer's account, reached through the assumed role:
idempotent on repeat, found again by tag, and AWS's errors sorted into retry or give up."""
from __future__ import annotations

import pytest

from chalicelib.cloud import fleet, images, instance_types, network
from chalicelib.cloud.sessions import Link, assume, customer_client
from chalicelib.kernel.errors import CloudError
from chalicelib.linking.links import link_for
from tests import faults
from tests.local.conftest import node_profile

CLUSTER = "7d4f1f3e-2a7e-4bb8-9a51-0a3c1d7e9f00"


@pytest.fixture
def ec2(platform):
    return customer_client(link_for(platform.demo.organization.uuid), "ec2", "us-east-1")


@pytest.fixture
def ssm(platform):
    return customer_client(link_for(platform.demo.organization.uuid), "ssm", "us-east-1")


class Net:
    """The parts of an organization network the fleet adapter needs, made directly."""

    def __init__(self, ec2, org: str):
        self.vpc_id = network.ensure_vpc(ec2, org)
        public, private = network.ensure_subnets(ec2, org, self.vpc_id)
        self.subnet_id = private[sorted(private)[0]]
        self.security_group_id = network.ensure_security_group(ec2, org, self.vpc_id)


def spec(net, image_id, count=2, **kw):
    return fleet.LaunchSpec(cluster_uuid=CLUSTER, image_id=image_id, instance_type="c5.2xlarge",
                            count=count, subnet_id=net.subnet_id,
                            security_group_ids=(net.security_group_id,),
                            placement_group=fleet.resource_name(CLUSTER), efa=False,
                            tags={"corral:cluster": CLUSTER, "corral:organization": "o"}, **kw)


def latest_image(platform, ec2):
    return images.shared_with_customer(ec2, "481633624848")[0].image_id


def test_network_is_made_once_and_found_again(platform, ec2):
    first = vars(Net(ec2, "org-1"))
    again = vars(Net(ec2, "org-1"))
    assert first == again
    other = Net(ec2, "org-2")
    assert other.vpc_id != first["vpc_id"]
    sg = ec2.describe_security_groups(GroupIds=[first["security_group_id"]])["SecurityGroups"][0]
    assert sg["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == first["security_group_id"]


def test_placement_group_and_launch_template_are_idempotent(platform, ec2):
    net = Net(ec2, "org-1")
    name = fleet.ensure_placement_group(ec2, CLUSTER, {"corral:cluster": CLUSTER})
    assert fleet.ensure_placement_group(ec2, CLUSTER, {"corral:cluster": CLUSTER}) == name
    s = spec(net, latest_image(platform, ec2), ssh_public_key="ssh-ed25519 AAAA me")
    lt = fleet.ensure_launch_template(ec2, s)
    assert fleet.ensure_launch_template(ec2, s) == lt
    data = ec2.describe_launch_template_versions(LaunchTemplateId=lt)["LaunchTemplateVersions"][0][
        "LaunchTemplateData"]
    assert data["Placement"]["GroupName"] == name and data["InstanceType"] == "c5.2xlarge"


def test_launch_is_all_or_nothing_and_idempotent(platform, ec2, ssm):
    net = Net(ec2, "org-1")
    fleet.ensure_placement_group(ec2, CLUSTER, {"corral:cluster": CLUSTER})
    s = spec(net, latest_image(platform, ec2), count=3, instance_profile_arn=node_profile(platform.customer))
    lt = fleet.ensure_launch_template(ec2, s)
    ids = fleet.launch(ec2, s, lt)
    assert len(ids) == 3
    assert fleet.launch(ec2, s, lt) == ids  # found by tag, not launched again
    ready = fleet.readiness(ec2, ssm, ids)
    assert ready.nodes and {n["instance_id"] for n in ready.nodes} == set(ids)
    placed = ec2.describe_instances(InstanceIds=ids)["Reservations"][0]["Instances"][0]
    assert placed["Placement"]["GroupName"] == fleet.resource_name(CLUSTER)
    assert fleet.terminate(ec2, CLUSTER, []) == sorted(ids)  # found by tag alone
    assert fleet.all_terminated(ec2, ids)
    fleet.delete_launch_template(ec2, lt)
    fleet.delete_launch_template(ec2, lt)  # already gone: fine
    fleet.delete_placement_group(ec2, fleet.resource_name(CLUSTER))
    fleet.delete_placement_group(ec2, fleet.resource_name(CLUSTER))


def test_fleet_errors_become_permanent_cloud_errors(platform, ec2):
    net = Net(ec2, "org-1")
    fleet.ensure_placement_group(ec2, CLUSTER, {"corral:cluster": CLUSTER})
    s = spec(net, "ami-0123456789abcdef0")  # not shared with this account
    lt = fleet.ensure_launch_template(ec2, s)
    with pytest.raises(CloudError) as e:
        fleet.launch(ec2, s, lt)
    assert e.value.code == "InvalidAMIID.NotFound" and not e.value.transient
    assert fleet.cluster_instances(ec2, CLUSTER) == []


@pytest.mark.parametrize("code, transient", [
    ("RequestLimitExceeded", True), ("InsufficientInstanceCapacity", False),
    ("UnauthorizedOperation", False), ("InternalError", True),
])
def test_injected_faults_are_classified(platform, ec2, code, transient):
    faults.fail("ec2", "DescribeVpcs", code, "injected", times=10, status=400)
    with pytest.raises(CloudError) as e:
        network.ensure_vpc(customer_client(link_for(platform.demo.organization.uuid), "ec2",
                                           "us-east-1"), "org-1")
    assert e.value.code == code and e.value.transient is transient


def test_assume_role_enforces_the_external_id(platform):
    org = platform.demo.organization
    with pytest.raises(CloudError) as e:
        assume(Link(org.role_arn, "wrong-external-id", org.account_id))
    assert e.value.code == "AccessDenied"
    with pytest.raises(CloudError):
        assume(Link("arn:aws:iam::210987654321:role/NoSuchRole", org.external_id, org.account_id))
    creds = assume(Link(org.role_arn, org.external_id, org.account_id))
    assert creds["aws_access_key_id"]


def test_instance_types_and_images_from_the_customer_account(platform, ec2):
    offered = instance_types.offered(ec2)
    by_name = {t.name: t for t in offered}
    assert by_name["c5n.18xlarge"].efa and by_name["c5n.18xlarge"].cores == 36
    assert instance_types.describe(ec2, "nope.large") is None
    shared = images.shared_with_customer(ec2, "481633624848")
    assert [i.bodo_version for i in shared] == ["2025.6", "2025.5", "2025.4"]
