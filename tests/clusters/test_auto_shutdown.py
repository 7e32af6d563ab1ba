"""Auto shutdown: after autoPause idle minutes the tick pauses a cluster, after autoStop it
removes it, 0 never; activity pushes the deadline. The tick finds the cluster in the due
index (its idle deadline is when it is due), not by scanning clusters."""
from __future__ import annotations

from chalicelib.clusters import commands
from chalicelib.kernel.times import iso
from chalicelib.store import aggregates
from handlers.tick import tick


def _running(platform, **fields):
    created = platform.create_cluster(**fields)
    platform.pump.drain()
    cluster = platform.cluster(created["uuid"])
    assert cluster["status"] == "RUNNING", cluster
    return cluster


def _wait(platform, seconds):
    """Let time pass minute by minute, the tick and the workers running as on AWS."""
    for _ in range(int(seconds // 60)):
        platform.clock.advance(60)
        tick()
        platform.pump.drain()


def _events(uuid):
    return [(e["type"], e["data"]) for e in aggregates.events("cluster", uuid)]


def _ws(platform):
    return platform.demo.workspace.uuid


def test_an_idle_cluster_is_paused_after_its_auto_pause_minutes(platform):
    cluster = _running(platform, autoPause=10)
    uuid, since = cluster["uuid"], cluster["lastKnownActivity"]
    _wait(platform, 9 * 60)
    assert platform.cluster(uuid)["status"] == "RUNNING"
    _wait(platform, 2 * 60)
    now = platform.cluster(uuid)
    assert now["status"] == "PAUSED"
    assert {i["State"]["Name"] for i in platform.customer_instances(uuid)} == {"stopped"}
    task = platform.request("GET", f"/v1/tasks/{now['taskUUID']}").json_body
    assert task["operation"] == "PAUSE_CLUSTER" and task["status"] == "FINISHED"
    assert f"Pause idle since {since}" in task["details"]
    paused = [d for t, d in _events(uuid) if t == "PauseRequested"]
    assert paused and paused[0]["reason"] == f"idle since {since}"


def test_auto_stop_removes_the_cluster(platform):
    cluster = _running(platform, autoStop=5)
    uuid = cluster["uuid"]
    _wait(platform, 6 * 60)
    platform.settle()
    assert platform.cluster(uuid)["status"] == "TERMINATED"
    assert {i["State"]["Name"] for i in platform.customer_instances(uuid)} == {"terminated"}
    removal = [d for t, d in _events(uuid) if t == "RemovalRequested"]
    assert removal[0]["reason"] == f"idle since {cluster['lastKnownActivity']}"


def test_a_paused_cluster_is_removed_after_its_auto_stop_minutes(platform):
    cluster = _running(platform, autoPause=2, autoStop=10)
    uuid = cluster["uuid"]
    _wait(platform, 3 * 60)
    assert platform.cluster(uuid)["status"] == "PAUSED"
    _wait(platform, 8 * 60)
    assert platform.cluster(uuid)["status"] in ("TERMINATING", "TERMINATED")


def test_zero_means_never_and_nothing_is_due(platform):
    cluster = _running(platform, autoPause=0, autoStop=0)
    row = aggregates.get("cluster", _ws(platform), cluster["uuid"])
    assert row.due_at is None          # nothing for the tick to find
    _wait(platform, 90 * 60)
    assert platform.cluster(cluster["uuid"])["status"] == "RUNNING"


def test_the_idle_deadline_is_when_the_cluster_is_due(platform):
    cluster = _running(platform, autoPause=30, autoStop=90)
    row = aggregates.get("cluster", _ws(platform), cluster["uuid"])
    activity = commands.get(_ws(platform), cluster["uuid"]).last_activity
    assert row.due_at == activity + 30 * 60    # the earlier of the two
    listed = {d.uuid for d in aggregates.overdue(activity + 30 * 60)}
    assert cluster["uuid"] in listed
    assert cluster["uuid"] not in {d.uuid for d in aggregates.overdue(activity + 29 * 60)}


def test_activity_pushes_the_deadline(platform):
    cluster = _running(platform, autoPause=10)
    uuid = cluster["uuid"]
    _wait(platform, 8 * 60)
    at = platform.clock()
    commands.record_activity(_ws(platform), uuid, at)
    assert platform.cluster(uuid)["lastKnownActivity"] == iso(at)
    assert aggregates.get("cluster", _ws(platform), uuid).due_at == at + 10 * 60
    _wait(platform, 8 * 60)            # 16 minutes since creation, 8 since the activity
    assert platform.cluster(uuid)["status"] == "RUNNING"
    _wait(platform, 3 * 60)
    now = platform.cluster(uuid)
    assert now["status"] == "PAUSED"
    task = platform.request("GET", f"/v1/tasks/{now['taskUUID']}").json_body
    assert f"Pause idle since {iso(at)}" in task["details"]


def test_older_or_paused_activity_is_ignored(platform):
    cluster = _running(platform, autoPause=10)
    uuid = cluster["uuid"]
    state = commands.get(_ws(platform), uuid)
    commands.record_activity(_ws(platform), uuid, state.last_activity - 100)
    assert commands.get(_ws(platform), uuid).last_activity == state.last_activity
    platform.request("PUT", f"/v1/clusters/{uuid}/pause")
    platform.settle()
    commands.record_activity(_ws(platform), uuid, platform.clock())
    assert commands.get(_ws(platform), uuid).last_activity == state.last_activity


def test_an_idle_decision_overtaken_by_activity_is_dropped(platform):
    """The step read the cluster idle, then activity came before its result was written:
    the pause is no longer true and is not recorded."""
    from chalicelib.clusters import machine as c
    from chalicelib.engine import driver
    from chalicelib.kernel.state import load
    cluster = _running(platform, autoPause=10)
    uuid = cluster["uuid"]
    row = aggregates.get("cluster", _ws(platform), uuid)
    stale = load(c.Cluster, row.state)
    platform.clock.advance(11 * 60)
    decided = c.decide_idle(stale, "t-stale", platform.clock())
    assert decided and isinstance(decided[0], c.PauseRequested)
    commands.record_activity(_ws(platform), uuid, platform.clock())
    assert driver.commit("cluster", _ws(platform), uuid, row.version, stale, decided) is None
    assert platform.cluster(uuid)["status"] == "RUNNING"
