"""Port 22 of a cluster: open only with an SSH key, only to the allowed addresses (one rule
each, on the cluster's own group), converged after a crash between making the group and
authorising its rules."""
from __future__ import annotations

import base64

import pytest

from chalicelib.cloud import sessions
from tests import faults

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host"


def ssh_rules(platform, cluster_uuid: str) -> list[str]:
    """Every address any group of the cluster's nodes lets in on port 22."""
    instance = platform.customer_instances(cluster_uuid)[0]
    groups = platform.customer("ec2").describe_security_groups(
        GroupIds=[g["GroupId"] for g in instance["SecurityGroups"]])["SecurityGroups"]
    return sorted(r.get("CidrIp") or r.get("CidrIpv6") for g in groups for p in g["IpPermissions"]
                  if p.get("FromPort") == 22
                  for r in (*p.get("IpRanges", []), *p.get("Ipv6Ranges", [])))


def test_allowed_addresses_without_a_key_open_nothing(platform):
    created = platform.create_cluster(name="nokey", workersQuantity=1,
                                      allowedIps=["203.0.113.7/32"])
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    assert ssh_rules(platform, created["uuid"]) == []
    (instance,) = platform.customer_instances(created["uuid"])
    assert "PublicIpAddress" not in instance
    groups = platform.customer("ec2").describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [f"corral-{created['uuid']}"]}])["SecurityGroups"]
    assert groups == []


def test_a_key_opens_port_22_to_each_allowed_address_only(platform):
    created = platform.create_cluster(name="keyed", workersQuantity=1, sshPublicKey=KEY,
                                      allowedIps=["203.0.113.7", "198.51.100.0/24"])
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    assert ssh_rules(platform, created["uuid"]) == ["198.51.100.0/24", "203.0.113.7/32"]


@pytest.mark.parametrize("operation", ["CreateSecurityGroup", "AuthorizeSecurityGroupIngress"])
def test_a_crash_around_the_rules_converges_to_one_group_with_every_rule(platform, operation):
    created = platform.create_cluster(name="crash", workersQuantity=1, sshPublicKey=KEY,
                                      allowedIps=["203.0.113.7/32"])

    def crash(**_kwargs):
        raise faults.Crash("worker died")

    faults.after("ec2", operation, crash)
    with pytest.raises(faults.Crash):
        platform.settle()
    sessions.forget()            # a new worker: its clients carry no crash hook
    platform.clock.advance(300)  # the dead worker's claim expires; the tick re-drives it
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    assert ssh_rules(platform, created["uuid"]) == ["203.0.113.7/32"]
    groups = platform.customer("ec2").describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [f"corral-{created['uuid']}"]}])["SecurityGroups"]
    assert len(groups) == 1


def node_keys(platform, org_uuid: str) -> list[dict]:
    ssm = platform.customer("ssm")
    return ssm.get_parameters_by_path(Path=f"/corral/{org_uuid}/clusters", Recursive=True,
                                      WithDecryption=True)["Parameters"]


def test_the_nodes_share_a_key_of_their_own_kept_as_a_secret_until_removal(platform):
    org = platform.demo.organization.uuid
    created = platform.create_cluster(name="mpi", workersQuantity=2)
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    (param,) = node_keys(platform, org)
    assert param["Name"] == f"/corral/{org}/clusters/{created['uuid']}/ssh-key"
    assert param["Type"] == "SecureString"
    assert param["Value"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    tags = platform.customer("ssm").list_tags_for_resource(
        ResourceType="Parameter", ResourceId=param["Name"])["TagList"]
    assert {"Key": "corral:cluster", "Value": created["uuid"]} in tags
    template = platform.customer("ec2").describe_launch_template_versions(
        LaunchTemplateName=f"corral-{created['uuid']}")["LaunchTemplateVersions"][0]
    script = base64.b64decode(template["LaunchTemplateData"]["UserData"]).decode()
    assert f"--name {param['Name']}" in script
    platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    platform.settle()
    assert node_keys(platform, org) == []
    assert platform.cluster(created["uuid"])["status"] == "TERMINATED"


def test_a_crash_after_the_key_is_written_keeps_one_key(platform):
    created = platform.create_cluster(name="crashkey", workersQuantity=1)

    def crash(**_kwargs):
        raise faults.Crash("worker died")

    faults.after("ssm", "PutParameter", crash)
    with pytest.raises(faults.Crash):
        platform.settle()
    sessions.forget()
    platform.clock.advance(300)
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
    assert len(node_keys(platform, platform.demo.organization.uuid)) == 1
