"""Spend caps on the in-process platform: the cap's route with each kind of caller, and
clusters running under the controlled clock (tests/usage/test_sweep.py's helpers)."""
from __future__ import annotations

from handlers.tick import tick


def org_headers(platform) -> dict:
    return platform.headers(platform.demo.org_client_id, platform.demo.org_secret)


def cap_path(platform, ws_uuid: str | None = None) -> str:
    return f"/v1/workspaces/{ws_uuid or platform.demo.workspace.uuid}/spend-cap"


def set_cap(platform, hours, ws_uuid: str | None = None) -> dict:
    reply = platform.request("PUT", cap_path(platform, ws_uuid), {"instanceHours": hours},
                             headers=org_headers(platform))
    assert reply.status_code == 200, reply.body
    return reply.json_body


def read_cap(platform, ws_uuid: str | None = None) -> dict:
    reply = platform.request("GET", cap_path(platform, ws_uuid))
    assert reply.status_code == 200, reply.body
    return reply.json_body


def minute_ticks(platform, minutes: int) -> None:
    """The minute tick, `minutes` times, the clock moved a minute before each, the queue
    delivered after each (as EventBridge and SQS would)."""
    for _ in range(minutes):
        platform.clock.advance(60)
        tick()
        platform.pump.drain()


def tasks_of(platform, uuid: str) -> list[dict]:
    reply = platform.request("GET", f"/v1/tasks?resourceUUID={uuid}")
    assert reply.status_code == 200, reply.body
    return reply.json_body["data"]


def until(platform, cluster_uuid: str, status: str, rounds: int = 40) -> dict:
    """Move the platform on (15 s a round, ticking) until the cluster is `status`. Not
    platform.settle(): the region's reconciler is due hourly, so near an hour's end nothing
    settles within its horizon."""
    for _ in range(rounds):
        platform.pump.drain()
        found = platform.cluster(cluster_uuid)
        if found["status"] == status:
            return found
        platform.clock.advance(15)
        tick()
    raise AssertionError(f"cluster {cluster_uuid} never {status}: {platform.cluster(cluster_uuid)}")
