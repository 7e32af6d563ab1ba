"""SSM Run Command really runs AWS-RunShellScript here: one process per node, each in its
own folder, /shared the folder of the EFS file system the node mounted."""

from __future__ import annotations

import base64
import time

import pytest
from botocore.exceptions import ClientError

from local.moto_ext import ssm_commands
from tests.local.conftest import node_profile


@pytest.fixture(autouse=True)
def state(tmp_path):
    ssm_commands.configure(state_dir=tmp_path, read_grace=20)
    yield tmp_path
    ssm_commands.configure()


@pytest.fixture
def efs(customer_aws) -> str:
    return customer_aws("efs").create_file_system(CreationToken="t")["FileSystemId"]


def _user_data(fs_id: str | None) -> str:
    lines = ["#!/bin/bash"]
    if fs_id:
        lines += ["mkdir -p /shared", f"mount -t efs -o tls {fs_id}:/ /shared"]
    return base64.b64encode("\n".join(lines).encode()).decode()


def _nodes(customer_aws, image, profile, count=2, fs_id=None, efa=False) -> list[str]:
    ec2 = customer_aws("ec2")
    extra = {}
    if efa:
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.0.0/24")["Subnet"]["SubnetId"]
        extra["NetworkInterfaces"] = [{"DeviceIndex": 0, "SubnetId": subnet,
                                       "InterfaceType": "efa"}]
    reply = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count,
                              IamInstanceProfile={"Arn": profile},
                              UserData=base64.b64decode(_user_data(fs_id)).decode(), **extra)
    return [i["InstanceId"] for i in reply["Instances"]]


def _send(ssm, ids, *lines, **parameters):
    params = {"commands": list(lines), **{k: [str(v)] for k, v in parameters.items()}}
    return ssm.send_command(InstanceIds=ids, DocumentName="AWS-RunShellScript",
                            Parameters=params)["Command"]["CommandId"]


def _get(ssm, command_id, instance_id):
    return ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)


def test_each_node_runs_in_its_own_folder_and_shares_shared(customer_aws, own_ami,
                                                             ssm_profile, efs, state):
    ssm = customer_aws("ssm")
    first, second = _nodes(customer_aws, own_ami, ssm_profile, fs_id=efs)
    write = _send(ssm, [first], "pwd", "echo hello > /shared/greeting", "touch mine")
    assert _get(ssm, write, first)["Status"] == "Success"
    read = _send(ssm, [first, second], "cat /shared/greeting", "ls", "mountpoint -q /shared")
    for node in (first, second):
        out = _get(ssm, read, node)
        assert out["Status"] == "Success", out["StandardErrorContent"]
        assert out["ResponseCode"] == 0
        assert out["StandardOutputContent"].startswith("hello\n")
    assert "mine" in _get(ssm, read, first)["StandardOutputContent"]
    assert "mine" not in _get(ssm, read, second)["StandardOutputContent"]
    assert (state / "efs" / efs / "greeting").read_text() == "hello\n"
    where = _get(ssm, write, first)["StandardOutputContent"].strip()
    assert where == str(state / "nodes" / first / "work")
    rows = ssm.list_command_invocations(CommandId=read, Details=True)["CommandInvocations"]
    assert {r["InstanceId"] for r in rows} == {first, second}
    assert all(r["Status"] == "Success" and r["CommandPlugins"][0]["Output"].startswith("hello")
               for r in rows)
    assert ssm.list_commands(CommandId=read)["Commands"][0]["Status"] == "Success"


def test_without_efs_shared_is_not_there(customer_aws, own_ami, ssm_profile):
    ssm = customer_aws("ssm")
    (node,) = _nodes(customer_aws, own_ami, ssm_profile, count=1)
    command = _send(ssm, [node], "mountpoint /shared")
    out = _get(ssm, command, node)
    assert out["Status"] == "Failed" and out["ResponseCode"] == 32
    failing = _send(ssm, [node], "echo x > /shared/hostfile")
    assert _get(ssm, failing, node)["Status"] == "Failed"


def test_addresses_become_localhost_and_mpiexec_runs(customer_aws, own_ami, ssm_profile, efs,
                                                     state):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    ids = _nodes(customer_aws, own_ami, ssm_profile, fs_id=efs)
    ips = [i["PrivateIpAddress"] for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
           for i in r["Instances"]]
    lines = "\\n".join(f"{ip}:2" for ip in ips)
    command = _send(ssm, ids[:1], f"printf '{lines}\\n' > /shared/.hostfile-x",
                    "mpiexec -n 4 -f /shared/.hostfile-x hostname")
    out = _get(ssm, command, ids[0])
    assert out["Status"] == "Success", out["StandardErrorContent"]
    assert len(out["StandardOutputContent"].splitlines()) == 4
    assert (state / "efs" / efs / ".hostfile-x").read_text() == "localhost:2\nlocalhost:2\n"


def test_efa_device_only_on_efa_nodes(customer_aws, own_ami, ssm_profile):
    ssm = customer_aws("ssm")
    (plain,) = _nodes(customer_aws, own_ami, ssm_profile, count=1)
    (efa,) = _nodes(customer_aws, own_ami, ssm_profile, count=1, efa=True)
    command = _send(ssm, [plain, efa], "fi_info -p efa")
    assert _get(ssm, command, efa)["Status"] == "Success"
    assert "provider: efa" in _get(ssm, command, efa)["StandardOutputContent"]
    assert _get(ssm, command, plain)["Status"] == "Failed"


def test_failure_output_cut_and_exit_code(customer_aws, own_ami, ssm_profile):
    ssm = customer_aws("ssm")
    (node,) = _nodes(customer_aws, own_ami, ssm_profile, count=1)
    command = _send(ssm, [node], "head -c 30000 /dev/zero | tr '\\0' a", "echo oops >&2",
                    "exit 3")
    out = _get(ssm, command, node)
    assert out["Status"] == "Failed" and out["ResponseCode"] == 3
    assert len(out["StandardOutputContent"]) == 24000
    assert out["StandardErrorContent"] == "oops\n"
    (row,) = ssm.list_command_invocations(CommandId=command, Details=True)["CommandInvocations"]
    assert len(row["CommandPlugins"][0]["Output"]) == 2500


def test_asynchronous_cancel_and_timeout(customer_aws, own_ami, ssm_profile):
    ssm = customer_aws("ssm")
    ssm_commands.configure(state_dir=ssm_commands.state_dir(), read_grace=0)
    (node,) = _nodes(customer_aws, own_ami, ssm_profile, count=1)
    long = _send(ssm, [node], "sleep 60")
    assert _get(ssm, long, node)["Status"] == "InProgress"
    ssm.cancel_command(CommandId=long)
    out = _get(ssm, long, node)
    assert out["Status"] == "Cancelled" and out["ResponseCode"] == -1
    ssm_commands.configure(state_dir=ssm_commands.state_dir(), read_grace=5)
    timed = _send(ssm, [node], "sleep 60", executionTimeout=1)
    assert _get(ssm, timed, node)["Status"] == "TimedOut"


def test_only_managed_running_nodes_take_commands(customer_aws, own_ami, ssm_profile):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    bare = ec2.run_instances(ImageId=own_ami, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    weak = _nodes(customer_aws, own_ami, node_profile(customer_aws, "weak", ssm=False), 1)[0]
    (good,) = _nodes(customer_aws, own_ami, ssm_profile, count=1)
    stopped = _nodes(customer_aws, own_ami, ssm_profile, count=1)[0]
    ec2.stop_instances(InstanceIds=[stopped])
    for target in (bare, weak, stopped, "i-0123456789abcdef0"):
        with pytest.raises(ClientError) as err:
            _send(ssm, [good, target], "true")
        assert err.value.response["Error"]["Code"] == "InvalidInstanceId"
        assert target in err.value.response["Error"]["Message"]


def test_bad_requests(customer_aws, own_ami, ssm_profile):
    ssm = customer_aws("ssm")
    (node,) = _nodes(customer_aws, own_ami, ssm_profile, count=1)
    cases = [
        (dict(InstanceIds=[node], DocumentName="AWS-RunPowerShellScript",
              Parameters={"commands": ["x"]}), "InvalidDocument"),
        (dict(InstanceIds=[node], DocumentName="AWS-RunShellScript", Parameters={}),
         "InvalidParameters"),
        (dict(InstanceIds=[node], DocumentName="AWS-RunShellScript",
              Parameters={"commands": ["x"], "executionTimeout": ["soon"]}), "InvalidParameters"),
    ]
    for request, code in cases:
        with pytest.raises(ClientError) as err:
            ssm.send_command(**request)
        assert err.value.response["Error"]["Code"] == code
    with pytest.raises(ClientError) as err:
        _get(ssm, "00000000-0000-0000-0000-000000000000", node)
    assert err.value.response["Error"]["Code"] == "InvalidCommandId"
    command = _send(ssm, [node], "true")
    with pytest.raises(ClientError) as err:
        _get(ssm, command, "i-0123456789abcdef0")
    assert err.value.response["Error"]["Code"] == "InvocationDoesNotExist"


def test_after_a_restart_a_jupyter_server_starts_again_on_its_port(customer_aws, own_ami,
                                                                  ssm_profile, state):
    """local/state.py restores the backends; what a node left running is gone: a command that
    started a Jupyter Server is run again, with the port it printed (the emulator's rewrite
    gave it port 0 the first time). Other commands, and stopped nodes, are left alone."""
    ssm, ec2 = customer_aws("ssm"), customer_aws("ec2")
    kept, stopped = _nodes(customer_aws, own_ami, ssm_profile, count=2)
    server = _send(ssm, [kept, stopped], "# stands for: nohup jupyter server ... &",
                   'echo "$(date +%s%N) --ServerApp.port=8888" >> started',
                   "echo jupyter listening on port 41234")
    other = _send(ssm, [kept], "echo other >> others")
    for cid in (server, other):
        assert _get(ssm, cid, kept)["Status"] == "Success"
    assert _get(ssm, server, stopped)["Status"] == "Success"
    ec2.stop_instances(InstanceIds=[stopped])
    work = state / "nodes" / kept / "work"
    assert work.joinpath("started").read_text().split()[1] == "--ServerApp.port=0"

    assert ssm_commands.restart_servers() == [kept]
    deadline = time.monotonic() + 20
    while len(work.joinpath("started").read_text().split("\n")) < 3:
        assert time.monotonic() < deadline, "the server's command did not run again"
        time.sleep(0.05)
    assert work.joinpath("started").read_text().split()[3] == "--ServerApp.port=41234"
    assert work.joinpath("others").read_text() == "other\n"
    assert len((state / "nodes" / stopped / "work" / "started").read_text().splitlines()) == 1
    assert kept in ssm_commands._process_groups   # ended with the node or the emulator
