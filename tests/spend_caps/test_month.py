"""The cap is per calendar month (UTC): on the 1st the use starts again from zero, so a
workspace paused at the end of a month may run again, and a cluster running across midnight
counts only its new month's minutes."""
from __future__ import annotations

from datetime import datetime, timezone

from tests.spend_caps.helpers import minute_ticks, read_cap, set_cap, until
from tests.usage.test_sweep import move_to, running_cluster


def next_month_start(platform) -> float:
    """The start of a month at least a few hours ahead of the platform's clock."""
    t = datetime.fromtimestamp(platform.clock() + 6 * 3600, tz=timezone.utc)
    return datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=timezone.utc).timestamp()


def test_a_cluster_paused_at_the_months_end_resumes_on_the_1st(platform):
    first = next_month_start(platform)
    move_to(platform, first - 3600)                              # 23:00 on the last day
    set_cap(platform, 1)
    uuid = running_cluster(platform, workersQuantity=2, autoPause=0)
    move_to(platform, first - 30 * 60 - 60)
    minute_ticks(platform, 2)                                    # 23:30: reached
    until(platform, uuid, "PAUSED")
    last_month = read_cap(platform)
    assert last_month["state"] == "EXCEEDED" and last_month["usedInstanceMinutes"] == 60
    refused = platform.request("PUT", f"/v1/clusters/{uuid}/resume")
    assert refused.status_code == 409 and refused.json_body["error"] == "SpendCapReached"

    move_to(platform, first + 60)                                # 00:01 on the 1st
    this_month = read_cap(platform)
    assert this_month["month"] != last_month["month"]
    assert (this_month["usedInstanceMinutes"], this_month["state"]) == (0, "OK")
    assert this_month["instanceHours"] == 1                      # the cap stays
    assert platform.request("PUT", f"/v1/clusters/{uuid}/resume").status_code == 200
    until(platform, uuid, "RUNNING")


def test_a_cluster_running_across_midnight_counts_only_the_new_months_minutes(platform):
    first = next_month_start(platform)
    move_to(platform, first - 15 * 60)                           # 23:45
    set_cap(platform, 1)
    uuid = running_cluster(platform, workersQuantity=2, autoPause=0)
    move_to(platform, first - 60)
    minute_ticks(platform, 1)                                    # 00:00: 30 minutes, last month
    assert read_cap(platform)["usedInstanceMinutes"] == 0
    move_to(platform, first + 20 * 60)
    minute_ticks(platform, 4)                                    # 00:24: 48 of 60 minutes
    body = read_cap(platform)
    assert (body["usedInstanceMinutes"], body["state"]) == (48, "WARNING")
    assert platform.cluster(uuid)["status"] == "RUNNING"
    minute_ticks(platform, 6)                                    # 00:30: reached
    assert platform.cluster(uuid)["status"] in ("PAUSING", "PAUSED")
