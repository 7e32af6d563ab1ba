"""A worker that dies right after AWS made a resource, before the step configured it (attach,
route, associate, authorise, set bucket settings, attach policies, add the role to its
profile): the retry finds the resource by tag or name and finishes its configuration, and
nothing is made twice."""
from __future__ import annotations

import pytest

from chalicelib.cloud import sessions
from tests import faults
from tests.org_network.helpers import assert_network, by_org, org_headers

REGION = "us-east-2"


def _crash(**_kwargs):
    raise faults.Crash("worker died")


@pytest.mark.parametrize("service, operation", [
    ("ec2", "CreateVpc"),                 # DNS hostnames not set yet
    ("ec2", "CreateInternetGateway"),     # not attached yet
    ("ec2", "CreateRouteTable"),          # no default route, no association yet
    ("ec2", "CreateSecurityGroup"),       # no rule yet, either way
    ("ec2", "CreateNatGateway"),
    ("efs", "CreateFileSystem"),
    ("s3", "CreateBucket"),               # not private, not encrypted, not tagged yet
    ("iam", "CreateRole"),                # no policy yet
    ("iam", "CreateInstanceProfile"),     # the role not in it yet
])
def test_a_crash_between_create_and_configure_is_finished_on_retry(platform, service, operation):
    faults.after(service, operation, _crash)
    reply = platform.request("POST", "/v1/workspaces", {
        "name": "east2", "region": REGION,
        "cloudConfig": {"uuid": platform.demo.organization.cloud_config_uuid}},
        headers=org_headers(platform))
    assert reply.status_code == 200, reply.body
    with pytest.raises(faults.Crash):
        platform.settle()
    sessions.forget()           # a new worker: its clients carry no crash hook
    platform.clock.advance(300)  # the dead worker's claim expires; the tick re-drives it
    platform.settle()
    ws = platform.request("GET", f"/v1/workspaces/{reply.json_body['uuid']}",
                          headers=org_headers(platform)).json_body
    assert ws["status"] == "READY", ws
    org = platform.demo.organization.uuid
    assert_network(platform, org, REGION)
    ec2 = platform.customer("ec2", REGION)
    assert len(ec2.describe_vpcs(Filters=by_org(org))["Vpcs"]) == 1
    assert len(ec2.describe_security_groups(Filters=by_org(org))["SecurityGroups"]) == 1
    assert len(ec2.describe_internet_gateways(Filters=by_org(org))["InternetGateways"]) == 1
