"""RUNNING means MPI-ready: through SSM (the local extension really runs the scripts) the head
node writes the hostfile on the organization's /shared, every node finds /shared mounted, the
hostfile readable and (with EFA) the EFA device, and `mpiexec -n TOTAL -f hostfile hostname`
answers TOTAL lines. Checked on the emulated account: the node profile on every instance, the
EFA interface, tags on interfaces and volumes; and the ways it fails."""
from __future__ import annotations

import pytest

from chalicelib.cloud import sessions
from chalicelib.clusters import machine as c
from chalicelib.clusters.machine import Step
from chalicelib.engine import driver as engine
from handlers.tick import tick
from tests import faults
from tests.engine.test_delivery import drive_until
from tests.local.conftest import SSM_CORE_POLICY

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


def _org_resources(platform, ssm_core: bool = True, efs: bool = True) -> dict:
    """What the organization network gives a cluster (the orgnet aggregate makes these; here
    by hand, as COMMON.md allows until it lands): the node profile and the EFS."""
    iam = platform.customer("iam")
    iam.create_role(RoleName="corral-node", AssumeRolePolicyDocument=TRUST)
    if ssm_core:
        iam.attach_role_policy(RoleName="corral-node", PolicyArn=SSM_CORE_POLICY)
    profile = iam.create_instance_profile(InstanceProfileName="corral-node")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="corral-node", RoleName="corral-node")
    extra = {"instance_profile_name": "corral-node", "instance_profile_arn": profile["Arn"],
             "node_role_name": "corral-node"}
    extra["file_system_id"] = platform.customer("efs").create_file_system(
        CreationToken="corral")["FileSystemId"] if efs else None
    return extra


@pytest.fixture
def org(platform, monkeypatch):
    """Clusters start from the organization network with this test's node profile and EFS in
    place of its own, so that a test can take the SSM policy or the file system away."""
    def use(**kw):
        extra = _org_resources(platform, **kw)
        original = c.decide_create

        def decide_create(*args, network=None, **kwargs):
            return original(*args, network={**(network or {}), **extra}, **kwargs)

        monkeypatch.setattr(c, "decide_create", decide_create)
        return extra
    return use


def _task(platform, cluster: dict) -> dict:
    return platform.request("GET", f"/v1/tasks/{cluster['taskUUID']}").json_body


def test_a_cluster_is_running_once_mpi_ready(platform, org):
    net = org()
    created = platform.create_cluster(name="mpi", instanceType="c5.2xlarge", workersQuantity=2)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING", got["failureReason"]
    hostfile = f"/shared/.hostfile-{created['uuid']}"
    assert got["hostfile"] == hostfile
    assert got["coresPerWorker"] == 4 and got["totalCoreCount"] == 8
    instances = platform.customer_instances(created["uuid"])
    assert sorted(got["nodesIp"]) == sorted(i["PrivateIpAddress"] for i in instances)
    assert {n["instanceId"] for n in got["nodeMetadata"]} == {i["InstanceId"] for i in instances}
    assert all("publicIP" not in n for n in got["nodeMetadata"])   # no SSH key: no public IP
    assert all("PublicIpAddress" not in i for i in instances)
    # The hostfile really is on the organization's /shared, one localhost line per node.
    written = platform.shared_folder(net["file_system_id"]) / hostfile.rsplit("/", 1)[1]
    assert written.read_text() == "localhost:4\nlocalhost:4\n"
    details = _task(platform, created)["details"]
    assert any("'hostfile' passed" in d and "2 line(s)" in d for d in details), details
    assert any("'nodes' passed on every node: shared file system mounted, hostfile readable" in d
               for d in details), details
    assert any("mpiexec -n 8 answered 8 line(s)" in d for d in details), details
    # The emulated account: the node profile on every instance, tags on ENIs and volumes.
    ec2 = platform.customer("ec2")
    assert {i["IamInstanceProfile"]["Arn"] for i in instances} == {net["instance_profile_arn"]}
    tagged = [{"Name": "tag:corral:cluster", "Values": [created["uuid"]]}]
    enis = ec2.describe_network_interfaces(Filters=tagged)["NetworkInterfaces"]
    assert {e["Attachment"]["InstanceId"] for e in enis} == {i["InstanceId"] for i in instances}
    volumes = ec2.describe_volumes(Filters=tagged)["Volumes"]
    assert {v["Attachments"][0]["InstanceId"] for v in volumes} == \
        {i["InstanceId"] for i in instances}


def test_an_efa_cluster_has_efa_interfaces_and_the_device(platform, org):
    org()
    created = platform.create_cluster(name="efa", instanceType="c5n.9xlarge", workersQuantity=2,
                                      acceleratedNetworking=True)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING", got["failureReason"]
    assert got["totalCoreCount"] == 36
    for i in platform.customer_instances(created["uuid"]):
        assert [n["InterfaceType"] for n in i["NetworkInterfaces"]] == ["efa"]
    details = _task(platform, created)["details"]
    assert any("EFA device present" in d for d in details), details
    assert any("mpiexec -n 36 answered 36 line(s)" in d for d in details), details


def test_ssh_key_and_allowed_ips_give_public_addresses(platform, org):
    org()
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx5eDNmY2Q0ZmE1YjZjN2Q4ZTlmMGExYjJjM2Q0ZTVm x@y"
    created = platform.create_cluster(name="ssh", workersQuantity=1, sshPublicKey=key,
                                      allowedIps=["203.0.113.7/32"])
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING", got["failureReason"]
    (instance,) = platform.customer_instances(created["uuid"])
    assert got["nodeMetadata"][0]["publicIP"] == instance["PublicIpAddress"]


def test_nodes_never_online_without_the_ssm_role_fail_the_launch(platform, org):
    org(ssm_core=False)
    created = platform.create_cluster(name="offline", workersQuantity=2)
    for _ in range(c.READINESS_TIMEOUT_SECONDS // 60 + 3):   # the nodes' waits, a minute apart
        platform.pump.drain()
        platform.clock.advance(60)
        tick()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED"
    assert "not yet online in SSM" in got["failureReason"]


def test_without_efs_the_hostfile_cannot_be_written(platform, org):
    org(efs=False)
    created = platform.create_cluster(name="noefs", workersQuantity=2)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED"
    assert "MPI check 'hostfile' failed" in got["failureReason"]


def test_mpiexec_failing_fails_the_launch_with_its_reason(platform, org):
    org()
    created = platform.create_cluster(name="broken", workersQuantity=2)
    drive_until(platform, created["uuid"], Step.AWAIT_MPI_CHECK)
    for node in (platform.state_dir / "nodes").iterdir():   # a broken MPI install
        broken = node / "bin" / "mpiexec"
        broken.write_text("#!/bin/sh\necho 'HYDU_sock_connect: unable to connect' >&2\nexit 255\n")
        broken.chmod(0o755)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "FAILED"
    assert "MPI check 'mpiexec' failed" in got["failureReason"]
    assert "HYDU_sock_connect: unable to connect" in got["failureReason"]


def test_a_crash_after_writing_the_hostfile_converges(platform, org):
    net = org()
    created = platform.create_cluster(name="crash", workersQuantity=2)
    work = drive_until(platform, created["uuid"], Step.SEND_MPI_CHECK)
    sends = faults.fail("ssm", "SendCommand", "Unused", times=0)   # counts the calls

    def crash():
        raise faults.Crash("worker died after SendCommand")

    faults.after("ssm", "SendCommand", crash)
    with pytest.raises(faults.Crash):
        engine.drive(work)
    sessions.forget()   # a new worker: its clients carry no crash hook
    platform.clock.advance(121)
    platform.settle()
    got = platform.cluster(created["uuid"])
    assert got["status"] == "RUNNING", got["failureReason"]
    assert sends["calls"] == 1    # the crashed attempt (the new worker's clients are unhooked)
    written = platform.shared_folder(net["file_system_id"]) / f".hostfile-{created['uuid']}"
    assert written.read_text() == "localhost:4\nlocalhost:4\n"
    checks = [d for d in _task(platform, created)["details"] if "'hostfile' passed" in d]
    assert len(checks) == 1


def test_ssm_not_taking_commands_yet_is_waited_for(platform, org):
    org()
    created = platform.create_cluster(name="lagging", workersQuantity=1)
    refused = faults.fail("ssm", "SendCommand", "InvalidInstanceId",
                          "Instances [[i-1]] not in a valid state", times=2)
    platform.settle()
    assert refused["left"] == 0
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"
