"""A job run on a cluster the cap pauses: the pause stops the instances, so the run's command
ends with them and the run ends FAILED as an infrastructure failure (README, Spend caps)."""
from __future__ import annotations

import uuid as uuidlib

from chalicelib.clusters import commands as clusters
from local.moto_ext import ssm_commands
from tests.jobs.test_job_runs import NEVER_IDLE, _running, _submit, _workspace
from tests.spend_caps.helpers import minute_ticks, set_cap, until
from tests.usage.test_sweep import day_at, move_to, running_cluster


def job(platform, run_uuid: str) -> dict:
    return platform.request("GET", f"/v1/jobs/{run_uuid}").json_body


def sleeping_run(platform, **config) -> tuple[str, str, dict]:
    """A cap of 1 instance-hour, a cluster of 2 nodes RUNNING from 10:00 (the cap is reached
    at 10:30) and a run of a script that sleeps (named for this test alone, so that its
    process can be looked for), looked at without waiting for its process (AWS's way):
    (cluster uuid, script, run)."""
    move_to(platform, day_at("10:00:00"))
    set_cap(platform, 1)
    cluster_uuid = running_cluster(platform, workersQuantity=2, **NEVER_IDLE)
    state = clusters.get(platform.demo.workspace.uuid, cluster_uuid)
    shared = platform.shared_folder(state.network["file_system_id"])
    ssm_commands.configure(platform.state_dir, read_grace=0.2)
    script = f"sleep-{uuidlib.uuid4().hex}.py"
    (shared / script).write_text("import time\nprint('started', flush=True)\ntime.sleep(300)\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), script, **config).json_body
    platform.pump.drain()
    return cluster_uuid, script, run


def test_a_job_running_on_a_cluster_the_cap_pauses_fails_with_its_command(platform):
    cluster_uuid, script, run = sleeping_run(platform)
    assert job(platform, run["uuid"])["status"] == "RUNNING" and _running(script)

    move_to(platform, day_at("10:29:00"))
    minute_ticks(platform, 2)                                    # 10:30: the cap is reached
    until(platform, cluster_uuid, "PAUSED")
    assert not _running(script)                                  # ended with the instances
    for _ in range(20):
        if job(platform, run["uuid"])["status"] not in ("PENDING", "RUNNING"):
            break
        minute_ticks(platform, 1)
    got = job(platform, run["uuid"])
    assert got["status"] == "FAILED", got
    assert got["reason"].startswith("the head node did not run the command to its end"), got
    # a new run is refused while the cap is reached
    again = _submit(platform, cluster_uuid, _workspace("/shared"), script)
    assert again.status_code == 409 and again.json_body["error"] == "SpendCapReached"


def test_a_retry_waits_for_the_cluster_saying_the_cap_refuses_its_resume(platform):
    cluster_uuid, _, run = sleeping_run(platform, retryStrategy={
        "numRetries": 1, "delayBetweenRetries": 1, "retryOnTimeout": False})
    move_to(platform, day_at("10:29:00"))
    minute_ticks(platform, 2)
    until(platform, cluster_uuid, "PAUSED")
    minute_ticks(platform, 4)
    got = job(platform, run["uuid"])
    assert got["status"] == "PENDING" and got["attempts"][0]["status"] == "FAILED", got
    assert "cannot be resumed: the workspace's monthly spend cap of 1 instance-hours" in \
        got["reason"], got
    set_cap(platform, 3)                                         # the retry resumes it now
    until(platform, cluster_uuid, "RUNNING")
    for _ in range(10):
        if job(platform, run["uuid"])["status"] == "RUNNING":
            break
        minute_ticks(platform, 1)
    assert job(platform, run["uuid"])["attempt"] == 2
    assert job(platform, run["uuid"])["status"] == "RUNNING"
    assert platform.request("DELETE", f"/v1/jobs/{run['uuid']}").status_code == 200
    platform.pump.drain()
