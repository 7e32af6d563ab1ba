"""The ledger from real cluster lifecycles, under a controlled clock: exact minutes, split by
hour, nothing for a failed creation, nothing twice."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from chalicelib.store import aggregates, service_index
from chalicelib.usage import ledger, sweep
from chalicelib.usage.minutes import HOUR
from local.moto_ext import capacity

DAY = 86400


def day_at(text: str) -> float:
    """Tomorrow (UTC) at `text`: ahead of the platform's clock, which starts at the wall
    clock's time."""
    today = datetime.now(timezone.utc).date().isoformat()
    return datetime.fromisoformat(f"{today}T{text}+00:00").timestamp() + DAY


def move_to(platform, t: float) -> None:
    assert t >= platform.clock()
    platform.clock.t = t


def lines(platform, org=None):
    org = org or platform.demo.organization.uuid
    return {(ledger.hour_label(l.hour)[-2:], l.instance_type): l.minutes
            for l in ledger.between(org, 0, 4e9)}


def tick(platform):
    from handlers.tick import tick as run_tick
    run_tick()


def running_cluster(platform, **fields):
    c = platform.create_cluster(**fields)
    platform.pump.drain()
    assert platform.cluster(c["uuid"])["status"] == "RUNNING"
    return c["uuid"]


def test_a_cluster_from_10_07_30_to_removal_at_12_41_10(platform):
    move_to(platform, day_at("10:07:30"))
    uuid = running_cluster(platform)                          # 2 x c5.2xlarge
    move_to(platform, day_at("11:30:00"))
    tick(platform)                                            # hour 10 is closed: metered
    assert lines(platform) == {("10", "c5.2xlarge"): 2 * 53}
    move_to(platform, day_at("12:41:10"))
    assert platform.request("DELETE", f"/v1/clusters/{uuid}").status_code == 200
    platform.settle()
    move_to(platform, day_at("13:05:00"))
    tick(platform)
    assert lines(platform) == {("10", "c5.2xlarge"): 106, ("11", "c5.2xlarge"): 120,
                               ("12", "c5.2xlarge"): 82}
    # ended and metered to its last minute: no longer listed
    assert all(e.uuid != uuid for e in service_index.entries())
    one = ledger.hour(platform.demo.organization.uuid, day_at("12:00:00"))
    assert [(l.name, l.kind, l.dimension, l.dollars) for l in one] == [
        ("c1", "cluster", "c5_2xlarge_minutes", round(82 * 0.20 / 60, 6))]


def test_a_failed_creation_is_charged_nothing(platform):
    move_to(platform, day_at("09:00:00"))
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e",
                 "us-east-1f"):
        capacity.set_capacity("us-east-1", zone, "c5.2xlarge", 0)
    try:
        c = platform.create_cluster()
        platform.settle()
        assert platform.cluster(c["uuid"])["status"] == "FAILED"
    finally:
        capacity.reset()
    move_to(platform, day_at("12:00:00"))
    tick(platform)
    assert lines(platform) == {}
    assert all(e.uuid != c["uuid"] for e in service_index.entries())


def test_paused_time_is_not_charged(platform):
    move_to(platform, day_at("10:00:00"))
    uuid = running_cluster(platform, workersQuantity=1)
    move_to(platform, day_at("10:20:00"))
    assert platform.request("PUT", f"/v1/clusters/{uuid}/pause").status_code == 200
    platform.settle()
    move_to(platform, day_at("10:50:00"))
    assert platform.request("PUT", f"/v1/clusters/{uuid}/resume").status_code == 200
    platform.pump.drain()
    assert platform.cluster(uuid)["status"] == "RUNNING"
    move_to(platform, day_at("11:10:00"))
    tick(platform)
    assert lines(platform) == {("10", "c5.2xlarge"): 20 + 10}


def test_a_late_tick_catches_up_and_a_rerun_or_replay_changes_nothing(platform):
    move_to(platform, day_at("01:30:00"))
    uuid = running_cluster(platform, workersQuantity=1)
    move_to(platform, day_at("07:10:00"))                 # no tick for almost six hours
    tick(platform)
    expected = {("01", "c5.2xlarge"): 30, **{(f"0{h}", "c5.2xlarge"): 60 for h in range(2, 7)}}
    assert lines(platform) == expected
    # the sweep run again, for the same hours, from scratch (an entry not moved on: a crash
    # between the ledger write and the entry's update)
    from chalicelib.store import records
    records.put_record(*sweep.MARK, "usagemark", {"through": day_at("01:00:00")})
    service_index.advance([service_index.Entry(platform.demo.organization.uuid, "cluster",
                                                  platform.demo.workspace.uuid, uuid)])
    tick(platform)
    tick(platform)
    assert lines(platform) == expected
    # every event of the cluster delivered again: the state, hence the ledger, is the same
    from chalicelib.store import queue
    row = aggregates.get("cluster", platform.demo.workspace.uuid, uuid)
    queue.send([queue.Work("cluster", platform.demo.workspace.uuid, uuid, v)
                for v in range(1, row.version + 1)][-10:])
    platform.pump.drain()
    assert aggregates.get("cluster", platform.demo.workspace.uuid, uuid).version == row.version
    move_to(platform, day_at("08:03:00"))
    tick(platform)
    assert lines(platform) == {**expected, ("07", "c5.2xlarge"): 60}
