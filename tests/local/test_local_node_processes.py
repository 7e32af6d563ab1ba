"""What a node's commands leave running (a server started in the background, as a notebook's
Jupyter) ends when the instance stops or terminates, or when the emulator ends them all; a
Jupyter server's port is left to the OS on this machine."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from local.moto_ext import ssm_commands
from local.moto_ext.ssm_commands import Node, rewrite


@pytest.fixture(autouse=True)
def state(tmp_path):
    ssm_commands.configure(state_dir=tmp_path, read_grace=20)
    yield tmp_path
    ssm_commands.end_processes()
    ssm_commands.configure()


def _node(customer_aws, image, profile) -> str:
    reply = customer_aws("ec2").run_instances(ImageId=image, MinCount=1, MaxCount=1,
                                              IamInstanceProfile={"Arn": profile},
                                              UserData="#!/bin/bash\n")
    return reply["Instances"][0]["InstanceId"]


def _background(ssm, node: str, tmp: Path) -> int:
    """A script that leaves `sleep` running in the background: its pid."""
    pidfile = tmp / f"{node}.pid"
    command = ssm.send_command(InstanceIds=[node], DocumentName="AWS-RunShellScript",
                               Parameters={"commands": [
                                   "nohup sleep 600 >/dev/null 2>&1 </dev/null &",
                                   f"echo $! > {pidfile}"]})["Command"]["CommandId"]
    out = ssm.get_command_invocation(CommandId=command, InstanceId=node)
    assert out["Status"] == "Success", out
    return int(pidfile.read_text())


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds   # a real process, ending: bounded
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(pid)


@pytest.mark.parametrize("how", ["terminate_instances", "stop_instances"])
def test_a_background_process_ends_with_its_node(customer_aws, own_ami, ssm_profile, tmp_path,
                                                 how):
    ec2, ssm = customer_aws("ec2"), customer_aws("ssm")
    node, other = (_node(customer_aws, own_ami, ssm_profile) for _ in range(2))
    pid, kept = _background(ssm, node, tmp_path), _background(ssm, other, tmp_path)
    assert _running(pid) and _running(kept)
    getattr(ec2, how)(InstanceIds=[node])
    assert _gone(pid)
    assert _running(kept)                   # another node's process is left alone
    assert ssm_commands.end_processes() == 1
    assert _gone(kept)


def test_a_jupyter_port_is_left_to_the_os(tmp_path):
    node = Node("i-1", tmp_path, tmp_path / "efs", True, False)
    script = "jupyter server --ServerApp.ip=10.0.0.5 --ServerApp.port=8888 --ServerApp.root_dir=/shared"
    assert rewrite(script, node, ["10.0.0.5"]) == (
        f"jupyter server --ServerApp.ip=localhost --ServerApp.port=0 "
        f"--ServerApp.root_dir={tmp_path / 'efs'}")
