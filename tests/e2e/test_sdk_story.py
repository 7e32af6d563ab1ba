"""End to end through the official SDK: `python -m local.run` (what `make run` starts) in a
subprocess, the story in tests/e2e/sdk_story.py run by the SDK's own virtualenv (bodosdk 2.3.2,
pydantic v1) against it, then the customer's AWS account checked with boto3 on the emulator."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
# The platform's interpreter, as `make run` uses it (the suite's own one if .venv is elsewhere).
PLATFORM_PYTHON = ROOT / ".venv" / "bin" / "python"
if not PLATFORM_PYTHON.exists():
    PLATFORM_PYTHON = Path(sys.executable)
STORY = Path(__file__).resolve().parent / "sdk_story.py"
START_TIMEOUT = 60       # seconds for the platform to write local.json
STORY_TIMEOUT = 240      # the story bounds each of its waits at 120 s
LOG_TAIL_LINES = 80


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _local_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Loopback only: no proxy may come between the clients and the local servers.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no log: {e})"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _wait_for_settings(proc: subprocess.Popen, path: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"local.run exited with {proc.returncode} before writing {path}")
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass    # written by rename, so complete; but be patient anyway
        time.sleep(0.2)
    raise AssertionError(f"local.run wrote no {path} within {START_TIMEOUT}s")


def _customer_instances(info: dict, region: str, cluster_uuid: str) -> list[dict]:
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=info["aws_endpoint_url"],
                       aws_access_key_id=info["customer_aws_access_key_id"],
                       aws_secret_access_key=info["customer_aws_secret_access_key"])
    found = []
    for page in ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag:corral:cluster", "Values": [cluster_uuid]}]):
        found.extend(i for r in page["Reservations"] for i in r["Instances"])
    return found


def test_sdk_story(tmp_path, monkeypatch):
    if not SDK_PYTHON.exists():
        message = (f"{SDK_PYTHON} is missing: `make sdk-venv` creates it "
                   "(bodosdk==2.3.2 needs pydantic v1, so it has a virtualenv of its own)")
        if _ci():
            pytest.fail(message + "; under CI `make test` must have created it")
        pytest.skip(message)

    for var in ("NO_PROXY", "no_proxy"):     # for boto3 here, on the loopback emulator
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    state_dir = tmp_path / "corral"
    server_log = tmp_path / "local-run.log"
    settings_file = state_dir / "local.json"
    # CORRAL_PORT=0: the OS picks a free loopback port; local.run writes the one it got.
    env = _local_env(CORRAL_PORT="0", CORRAL_STATE_DIR=str(state_dir), CORRAL_TICK_SECONDS="1",
                     PYTHONUNBUFFERED="1")
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        env.pop(var, None)
    with server_log.open("wb") as log_file:
        server = subprocess.Popen([str(PLATFORM_PYTHON), "-m", "local.run"], cwd=ROOT, env=env,
                                  stdout=log_file, stderr=subprocess.STDOUT)
    story = None
    try:
        info = _wait_for_settings(server, settings_file)
        try:
            story = subprocess.run([str(SDK_PYTHON), str(STORY), str(settings_file)], cwd=ROOT,
                                   env=_local_env(), capture_output=True, text=True,
                                   timeout=STORY_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"the SDK story did not finish within {STORY_TIMEOUT}s\n"
                                 f"stderr:\n{e.stderr}") from None
        assert story.returncode == 0, (f"the SDK story failed ({story.returncode}):\n"
                                       f"{story.stderr[-6000:]}")
        lines = story.stdout.strip().splitlines()
        assert lines, f"the SDK story printed nothing\nstderr:\n{story.stderr[-4000:]}"
        seen = json.loads(lines[-1])

        assert seen["versions"], seen
        assert seen["instance_type_count"] >= 1, seen
        statuses = seen["statuses"]
        assert "RUNNING" in statuses and "TERMINATED" in statuses, statuses
        assert statuses.index("RUNNING") < statuses.index("TERMINATED"), statuses
        assert statuses[-1] == "TERMINATED", statuses
        assert seen["tasks"]["CREATE_CLUSTER"]["status"] == "FINISHED", seen["tasks"]
        assert seen["tasks"]["REMOVE_CLUSTER"]["status"] == "FINISHED", seen["tasks"]

        # The customer's own account: every instance of that cluster is gone.
        instances = _customer_instances(info, seen.get("region") or "us-east-1",
                                        seen["cluster_uuid"])
        assert instances, f"no instance tagged corral:cluster={seen['cluster_uuid']}"
        states = {i["InstanceId"]: i["State"]["Name"] for i in instances}
        assert set(seen["instance_ids"]) <= set(states), (seen["instance_ids"], states)
        assert set(states.values()) == {"terminated"}, states
    except BaseException:
        print(f"---- local.run log (last {LOG_TAIL_LINES} lines) ----\n{_tail(server_log)}")
        if story is not None:
            print(f"---- sdk_story stderr ----\n{story.stderr[-4000:]}")
        raise
    finally:
        _stop(server)
