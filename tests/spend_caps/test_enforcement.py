"""Past its cap, a workspace's running clusters are paused by the minute tick (within two
minutes of the controlled clock, the reason in each one's task), new clusters, notebooks and
job runs are refused, and paused clusters stay paused until the cap is raised; a pass cut
short or run twice converges on one pause per cluster."""
from __future__ import annotations

import pytest

from chalicelib.clusters import commands as cluster_commands
from chalicelib.spend_caps import enforcement
from tests.notebooks import helpers as nb
from tests.spend_caps.helpers import minute_ticks, read_cap, set_cap, tasks_of, until
from tests.usage.test_sweep import day_at, move_to, running_cluster

REASON = "Pause because the workspace's monthly spend cap of 1 instance-hours is reached"


def pauses(platform, uuid: str) -> list[dict]:
    return [t for t in tasks_of(platform, uuid) if t["operation"] == "PAUSE_CLUSTER"]


def capped_at_10_30(platform, clusters: int = 1) -> list[str]:
    """A cap of 1 instance-hour and clusters of 2 nodes RUNNING from 10:00: the cap is
    reached at 10:30 with one cluster (30 minutes x 2 nodes)."""
    move_to(platform, day_at("10:00:00"))
    set_cap(platform, 1)
    return [running_cluster(platform, name=f"c{i}", workersQuantity=2, autoPause=0)
            for i in range(1, clusters + 1)]


def test_the_cap_reached_pauses_a_running_cluster_within_two_minutes(platform):
    (uuid,) = capped_at_10_30(platform)
    move_to(platform, day_at("10:28:00"))
    minute_ticks(platform, 1)                                   # 10:29: 58 of 60 minutes
    assert platform.cluster(uuid)["status"] == "RUNNING"
    assert read_cap(platform)["state"] == "WARNING"
    minute_ticks(platform, 2)                                   # 10:30 and 10:31
    assert platform.cluster(uuid)["status"] in ("PAUSING", "PAUSED")
    (task,) = pauses(platform, uuid)
    assert task["details"][0] == REASON
    assert task["createdAt"].endswith("T10:30:00Z")             # the first tick past the cap
    until(platform, uuid, "PAUSED")
    assert {i["State"]["Name"] for i in platform.customer_instances(uuid)} == {"stopped"}
    # charged up to the pause: the use stays at the cap
    move_to(platform, day_at("11:30:00"))
    body = read_cap(platform)
    assert body["usedInstanceMinutes"] == 60 and body["state"] == "EXCEEDED"
    minute_ticks(platform, 3)
    assert len(pauses(platform, uuid)) == 1                     # asked once


def test_new_clusters_notebooks_and_job_runs_are_refused_naming_the_cap(platform):
    (uuid,) = capped_at_10_30(platform)
    move_to(platform, day_at("10:30:00"))                       # reached; no tick yet
    assert platform.cluster(uuid)["status"] == "RUNNING"
    replies = {
        "cluster": platform.request("POST", "/v1/clusters", {
            "name": "c9", "instanceType": "c5.2xlarge", "workersQuantity": 1}),
        "notebook": platform.request("POST", "/v1/notebooks", {
            "name": "nb9", "instanceType": nb.NOTEBOOK_TYPE, "clusterUUID": uuid}),
        "job run": platform.request("POST", "/v1/jobs", {
            "type": "BATCH", "name": "j", "clusterUUID": uuid, "jobConfig": {
                "type": "PYTHON", "sourceLocation": "x.py",
                "source": {"type": "WORKSPACE", "sourceDef": {"path": "/shared"}}}}),
    }
    for what, reply in replies.items():
        assert reply.status_code == 409, (what, reply.body)
        assert reply.json_body["error"] == "SpendCapReached"
        message = reply.json_body["message"]
        assert message.startswith(f"New {what}s are refused: the workspace's monthly spend "
                                  f"cap of 1 instance-hours is reached (1 instance-hours used")
        assert "raise or remove the cap" in message
    listed = platform.request("GET", "/v2/clusters").json_body
    assert [c["uuid"] for c in listed["data"]] == [uuid]        # nothing was written


def test_resume_and_restart_are_refused_until_the_cap_is_raised(platform):
    move_to(platform, day_at("10:00:00"))
    stopped = running_cluster(platform, name="held", workersQuantity=1, autoPause=0)
    assert platform.request("POST", f"/v1/clusters/{stopped}/stop").status_code == 200
    until(platform, stopped, "STOPPED")
    (uuid,) = capped_at_10_30(platform)[-1:]
    move_to(platform, day_at("10:29:00"))
    minute_ticks(platform, 2)
    until(platform, uuid, "PAUSED")

    resumed = platform.request("PUT", f"/v1/clusters/{uuid}/resume")
    assert resumed.status_code == 409 and resumed.json_body["error"] == "SpendCapReached"
    assert resumed.json_body["message"].startswith(
        "Cluster c1 cannot be resumed: the workspace's monthly spend cap of 1 instance-hours "
        "is reached")
    restarted = platform.request("POST", f"/v1/clusters/{stopped}/restart")
    assert restarted.status_code == 409
    assert restarted.json_body["message"].startswith("Cluster held cannot be restarted: ")
    assert [t["operation"] for t in tasks_of(platform, uuid)].count("RESUME_CLUSTER") == 0

    assert set_cap(platform, 2)["state"] == "OK"                # 61 of 120 minutes
    resumed = platform.request("PUT", f"/v1/clusters/{uuid}/resume")
    assert resumed.status_code == 200, resumed.body
    until(platform, uuid, "RUNNING")
    minute_ticks(platform, 2)
    assert platform.cluster(uuid)["status"] == "RUNNING"        # under the raised cap
    assert set_cap(platform, None)["state"] == "NONE"
    assert platform.request("POST", f"/v1/clusters/{stopped}/restart").status_code == 200


def test_lowering_the_cap_below_the_use_pauses_at_the_next_tick_and_removes_notebooks(platform):
    move_to(platform, day_at("10:00:00"))
    uuid = running_cluster(platform, name="c1", workersQuantity=2, autoPause=0)
    made = nb.create(platform, uuid)
    nb.until(platform, made["uuid"], "READY")
    move_to(platform, day_at("10:20:00"))                       # over 40 minutes used
    assert set_cap(platform, 0.5)["state"] == "EXCEEDED"
    minute_ticks(platform, 1)
    assert platform.cluster(uuid)["status"] in ("PAUSING", "PAUSED")
    assert nb.notebook(platform, made["uuid"])["status"] in ("TERMINATING", "TERMINATED")
    removal = nb.task(platform, made["uuid"])
    assert removal["operation"] == "REMOVE_NOTEBOOK"
    assert removal["details"][0] == ("Removal because the workspace's monthly spend cap of 0.5 "
                                     "instance-hours is reached")


def test_a_pass_cut_short_converges_with_one_pause_per_cluster(platform, monkeypatch):
    first, second = capped_at_10_30(platform, clusters=2)       # 2 x 2 nodes: 15 minutes
    real = cluster_commands.pause
    calls = []

    def crashing(ws, cluster_uuid, **kw):
        calls.append(cluster_uuid)
        if len(calls) == 1:
            real(ws, cluster_uuid, **kw)              # committed, then the process dies
        raise RuntimeError("Lambda timed out")

    monkeypatch.setattr(cluster_commands, "pause", crashing)
    move_to(platform, day_at("10:15:00"))
    done = enforcement.run(platform.clock())
    assert done.failed == 1 and len(calls) == 1
    statuses = {u: platform.cluster(u)["status"] for u in (first, second)}
    assert sorted(statuses.values()) == ["PAUSING", "RUNNING"]
    monkeypatch.setattr(cluster_commands, "pause", real)
    minute_ticks(platform, 1)                                   # the next tick finishes it
    for u in (first, second):
        until(platform, u, "PAUSED")
        assert len(pauses(platform, u)) == 1


def test_two_passes_racing_ask_each_pause_once(platform, monkeypatch):
    (uuid,) = capped_at_10_30(platform)
    stale = cluster_commands.live(platform.demo.workspace.uuid)  # read while it RUNS
    move_to(platform, day_at("10:30:00"))
    assert enforcement.run(platform.clock()).paused == 1
    monkeypatch.setattr(cluster_commands, "live", lambda ws: stale)
    late = enforcement.run(platform.clock())      # saw RUNNING, decides on PAUSING: refused
    assert (late.exceeded, late.paused, late.failed) == (1, 0, 0)
    assert len(pauses(platform, uuid)) == 1


@pytest.mark.parametrize("hours", [0.75, 1])
def test_a_workspace_under_its_cap_or_another_workspace_is_left_running(platform, hours):
    from local import seed
    other = seed.create_workspace(platform.demo.organization, "other", "us-east-1")
    move_to(platform, day_at("10:00:00"))
    set_cap(platform, hours, other.uuid)          # the other workspace's cap, nothing runs there
    set_cap(platform, 2)
    uuid = running_cluster(platform, workersQuantity=2, autoPause=0)
    move_to(platform, day_at("10:45:00"))
    minute_ticks(platform, 2)
    assert platform.cluster(uuid)["status"] == "RUNNING"
    assert read_cap(platform)["state"] == "OK"
