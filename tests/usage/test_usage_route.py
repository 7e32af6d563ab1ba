"""GET /v1/usage: the ledger's hours plus the minutes of clusters still running, grouped."""
from __future__ import annotations

from tests.usage.test_sweep import day_at, move_to, running_cluster, tick


def _usage(platform, query: str):
    reply = platform.request("GET", f"/v1/usage?{query}")
    return reply.status_code, reply.json_body


def test_usage_counts_swept_hours_and_the_running_minutes(platform):
    move_to(platform, day_at("10:07:30"))
    uuid = running_cluster(platform)                       # 2 x c5.2xlarge
    move_to(platform, day_at("11:30:00"))
    tick(platform)                                         # hour 10 in the ledger
    day = day_at("00:00:00")
    from datetime import datetime, timezone
    d = datetime.fromtimestamp(day, tz=timezone.utc).date().isoformat()
    status, body = _usage(platform, f"from={d}&to={d}&groupBy=cluster")
    assert status == 200, body
    assert body["from"] == d and body["to"] == d and body["groupBy"] == "cluster"
    assert body["data"] == [{"cluster": uuid, "instanceMinutes": 2 * 53 + 2 * 30,
                             "dollars": round(166 * 0.20 / 60, 2), "name": "c1",
                             "kind": "cluster"}]
    status, body = _usage(platform, f"from={d}&to={d}&groupBy=instanceType")
    assert body["data"] == [{"instanceType": "c5.2xlarge", "instanceMinutes": 166,
                             "dollars": 0.55}]
    status, body = _usage(platform, f"from={d}&to={d}&groupBy=day")
    assert body["data"][0]["day"] == d and body["data"][0]["instanceMinutes"] == 166
    # the minutes keep coming while it runs, and stop at removal
    move_to(platform, day_at("11:40:00"))
    assert _usage(platform, f"from={d}&to={d}")[1]["data"][0]["instanceMinutes"] == 186
    assert platform.request("DELETE", f"/v1/clusters/{uuid}").status_code == 200
    move_to(platform, day_at("12:30:00"))
    assert _usage(platform, f"from={d}&to={d}")[1]["data"][0]["instanceMinutes"] == 186
    tick(platform)
    assert _usage(platform, f"from={d}&to={d}")[1]["data"][0]["instanceMinutes"] == 186
    # another day has none
    assert _usage(platform, "from=2020-01-01&to=2020-01-31")[1]["data"] == []


def test_bad_parameters_are_refused_naming_the_field(platform):
    for query, field in (("from=yesterday", "from"), ("to=2026-13-01", "to"),
                         ("from=2026-02-01&to=2026-01-01", "to"),
                         ("from=2020-01-01&to=2026-01-01", "to"), ("groupBy=region", "groupBy")):
        status, body = _usage(platform, query)
        assert status == 400 and body["field"] == field, (query, body)


def test_no_credentials_no_usage(platform):
    reply = platform.request("GET", "/v1/usage", headers={"Accept": "application/json"})
    assert reply.status_code == 401
