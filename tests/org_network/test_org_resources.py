"""The organization's resources in the emulated customer account: made when the first
workspace of a region needs them, configured, tagged, shared by the next workspace, and given
to each workspace (and its clusters) as the network dict."""
from __future__ import annotations

from chalicelib.org_network import commands as org_network
from chalicelib.org_network.machine import NetworkStatus
from tests.org_network.helpers import assert_network, network_of, org_headers, workspace_in


def test_the_demo_workspace_made_the_network_of_its_region(platform):
    org = platform.demo.organization.uuid
    net = assert_network(platform, org, "us-east-1")
    assert platform.demo.workspace.network == net
    ws = platform.request("GET", f"/v1/workspaces/{platform.demo.workspace.uuid}",
                          headers=org_headers(platform)).json_body
    data = ws["networkData"]
    assert data["vpcId"] == net["vpc_id"] and data["securityGroupId"] == net["security_group_id"]
    assert sorted(data["privateSubnetsIds"]) == sorted(net["private_subnets"].values())
    assert sorted(data["publicSubnetsIds"]) == sorted(net["public_subnets"].values())
    task = org_network.get(org, "us-east-1").task
    reply = platform.request("GET", f"/v1/tasks/{task.uuid}", headers=org_headers(platform))
    assert reply.status_code == 200 and reply.json_body["status"] == "FINISHED"
    details = " ".join(reply.json_body["details"])
    for word in ("VPC", "Subnets", "Internet gateway", "Elastic IP", "NAT gateway",
                 "Route tables", "security group", "EFS file system", "mount targets",
                 "S3 bucket", "Node role", "Instance profile"):
        assert word in details, word


def test_a_second_workspace_of_the_region_shares_it_and_another_region_gets_its_own(platform):
    org = platform.demo.organization.uuid
    first = network_of(org, "us-east-1")
    same = workspace_in(platform, "us-east-1", "second")
    assert same["networkData"]["vpcId"] == first["vpc_id"]
    vpcs = platform.customer("ec2").describe_vpcs(Filters=[
        {"Name": "tag:corral:organization", "Values": [org]}])["Vpcs"]
    assert len(vpcs) == 1                                   # found by tag, not made again
    other = workspace_in(platform, "us-east-2")
    net = assert_network(platform, org, "us-east-2")
    assert other["networkData"]["vpcId"] == net["vpc_id"] != first["vpc_id"]
    assert net["node_role_name"] != first["node_role_name"]   # IAM is global: one per region


def test_a_cluster_launches_in_a_private_subnet_of_the_first_zone(platform):
    org = platform.demo.organization.uuid
    net = network_of(org, "us-east-1")
    c = platform.create_cluster()
    platform.settle()
    ec2 = platform.customer("ec2")
    lt = ec2.describe_launch_templates(Filters=[
        {"Name": "tag:corral:cluster", "Values": [c["uuid"]]}])["LaunchTemplates"][0]
    data = ec2.describe_launch_template_versions(LaunchTemplateId=lt["LaunchTemplateId"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    first_zone = sorted(net["private_subnets"])[0]
    # What the platform asked (moto's CreateFleet does not honour the template's interfaces
    # yet: the ssmrun helper's emulator extension does).
    assert data["NetworkInterfaces"][0]["SubnetId"] == net["private_subnets"][first_zone]


def test_a_lasting_refusal_fails_the_network_and_the_workspace_with_its_reason(platform):
    from tests import faults
    faults.fail("ec2", "CreateNatGateway", "UnauthorizedOperation", "not allowed to", times=1)
    reply = platform.request("POST", "/v1/workspaces", {
        "name": "west", "region": "us-west-2",
        "cloudConfig": {"uuid": platform.demo.organization.cloud_config_uuid}},
        headers=org_headers(platform))
    platform.settle()
    ws = platform.request("GET", f"/v1/workspaces/{reply.json_body['uuid']}",
                          headers=org_headers(platform)).json_body
    assert ws["status"] == "FAILED" and "UnauthorizedOperation" in ws["reason"]
    state = org_network.get(platform.demo.organization.uuid, "us-west-2")
    assert state.status == NetworkStatus.FAILED
    # A workspace asked later asks again: the retry finishes what the first began.
    platform.clock.advance(60)
    again = workspace_in(platform, "us-west-2", "west2")
    assert again["status"] == "READY"
    assert_network(platform, platform.demo.organization.uuid, "us-west-2")
