"""Issue 8: listing clusters read and rendered every cluster the workspace ever had, for every
page. Now page N of the whole list is one range of ordinals in the listing index (at most a
page of items read, whatever N), live clusters are read from the live index without the
ended ones, and the filters the SDK sends give the same answers as before."""
from __future__ import annotations

from dataclasses import replace

import botocore.client
import pytest

from chalicelib.clusters import commands as clusters
from chalicelib.clusters import machine as c
from chalicelib.clusters import shapes
from chalicelib.engine import driver as engine
from chalicelib.workspaces import commands as workspaces

ENDED, LIVE = 24, 3


class Reads:
    """Items DynamoDB read for the calls made inside the block (Query: ScannedCount)."""

    def __init__(self, monkeypatch):
        self.items = 0
        original = botocore.client.BaseClient._make_api_call

        def counting(client, operation, params):
            reply = original(client, operation, params)
            if client.meta.service_model.service_name == "dynamodb":
                if operation in ("Query", "Scan"):
                    self.items += reply.get("ScannedCount", 0)
                elif operation == "GetItem":
                    self.items += "Item" in reply
                elif operation == "BatchGetItem":
                    self.items += sum(len(v) for v in reply.get("Responses", {}).values())
            return reply

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)


def _clusters(platform) -> list[dict]:
    """ENDED clusters created and removed, then LIVE ones, straight through the engine (the
    steps do not matter here): returns (uuid, name, status) in creation order."""
    org, ws_uuid = platform.demo.organization.uuid, platform.demo.workspace.uuid
    ws = workspaces.get(org, ws_uuid)
    spec = shapes.parse_create(ws, {"name": "x", "instanceType": "c5.2xlarge",
                                    "workersQuantity": 1})
    made, at = [], platform.clock()
    for i in range(ENDED + LIVE):
        uuid, name = f"00000000-0000-4000-8000-{i:012d}", f"c{i:03d}"
        s = replace(spec, name=name, custom_tags={"parity": "odd" if i % 2 else "even"})
        done = engine.create(c.KIND, ws_uuid, uuid, c.decide_create(uuid, ws_uuid, org, s,
                                                                    f"t{i}", at + i))
        if i < ENDED:
            done = engine.commit(c.KIND, ws_uuid, uuid, done.version, done.state, [
                c.RemovalRequested(f"r{i}", at + i), c.InstancesTerminating((), at + i),
                c.InstancesTerminated(at + i), c.ClusterRemoved(at + i)])
        made.append({"uuid": uuid, "name": name, "status": done.state.status.value})
    assert [m["status"] for m in made].count("TERMINATED") == ENDED
    return made


def _list(platform, query: str) -> dict:
    reply = platform.request("GET", f"/v2/clusters?{query}")
    assert reply.status_code == 200, reply.body
    return reply.json_body


@pytest.fixture
def listed(platform):
    return _clusters(platform)


def _read_by_list(monkeypatch, ws_uuid: str, params: dict) -> int:
    """Items the list itself reads (the request's sign-in is not the list's cost)."""
    reads = Reads(monkeypatch)
    clusters.list_page(ws_uuid, shapes.parse_list(params))
    monkeypatch.undo()
    return reads.items


def test_any_page_reads_one_page(platform, listed, monkeypatch):
    ws_uuid = platform.demo.workspace.uuid
    for number, size in ((1, 5), (3, 5), (6, 5), (2, 20), (50, 5)):
        read = _read_by_list(monkeypatch, ws_uuid, {"page": [str(number)], "size": [str(size)]})
        assert read <= size + 1, (number, size, read)    # the page, and the counter row
        page = _list(platform, f"page={number}&size={size}&order=ASC")
        assert [c["uuid"] for c in page["data"]] == \
            [m["uuid"] for m in listed[(number - 1) * size: number * size]]
        assert page["metadata"] == {"page": number, "size": size, "order": "ASC",
                                    "total_items": ENDED + LIVE,
                                    "total_pages": -(-(ENDED + LIVE) // size)}
    newest = _list(platform, "page=1&size=4&order=DESC")
    assert [c["name"] for c in newest["data"]] == [m["name"] for m in listed[::-1][:4]]
    oldest_last = _list(platform, "page=1&size=4&ordering=created_desc&order=DESC")
    assert [c["name"] for c in oldest_last["data"]] == [m["name"] for m in listed[:4]]


def _live_clusters_are_read_without_the_ended_ones(platform, listed, monkeypatch):
    live = [m for m in listed if m["status"] != "TERMINATED"]
    assert _read_by_list(monkeypatch, platform.demo.workspace.uuid,
                         {"status": sorted(shapes.LIVE_STATUSES), "size": ["2"]}) == LIVE
    statuses = "&".join(f"status={s}" for s in shapes.LIVE_STATUSES)
    page = _list(platform, f"{statuses}&size=2")
    assert [c["uuid"] for c in page["data"]] == [m["uuid"] for m in live[:2]]
    assert page["metadata"]["total_items"] == LIVE


FILTERS = [
    ("status=TERMINATED&size=100", lambda ms: [m for m in ms if m["status"] == "TERMINATED"]),
    ("clusterName=c007&clusterName=c025", lambda ms: [ms[7], ms[25]]),
    ("uuid=00000000-0000-4000-8000-000000000026&uuid=00000000-0000-4000-8000-000000000003",
     lambda ms: [ms[3], ms[26]]),
    ("tag=parity:odd&size=100", lambda ms: ms[1::2]),
    ("ordering=name_desc&size=3&page=2", lambda ms: sorted(ms, key=lambda m: m["name"],
                                                           reverse=True)[3:6]),
    ("ordering=name_asc&order=DESC&size=3", lambda ms: sorted(ms, key=lambda m: m["name"],
                                                              reverse=True)[:3]),
    ("status=NEW&tag=parity:even", lambda ms: [m for m in ms if m["status"] == "NEW"
                                               and int(m["name"][1:]) % 2 == 0]),
]


def test_filters_and_orders(platform, listed):
    for query, expected in FILTERS:
        page = _list(platform, query)
        assert [c["uuid"] for c in page["data"]] == [m["uuid"] for m in expected(listed)], query


def test_live_clusters_and_tasks_page_the_same_way(platform, listed, monkeypatch):
    """(And the live list, on the same clusters.)"""
    _live_clusters_are_read_without_the_ended_ones(platform, listed, monkeypatch)
    from chalicelib.tasks import queries
    reads = Reads(monkeypatch)
    queries.list_page(platform.demo.workspace.uuid, queries.query(set(), set(), 4, 10))
    monkeypatch.undo()
    assert reads.items <= 10 + 1
    tasks = platform.request("GET", "/v1/tasks?page=4&size=10").json_body
    # Every cluster opened one task to create it, every ended one a second to remove it.
    assert tasks["metadata"]["total_items"] == ENDED * 2 + LIVE
    assert len(tasks["data"]) == 10
    one = platform.request("GET", f"/v1/tasks?resourceUUID={listed[5]['uuid']}").json_body
    assert [t["operation"] for t in one["data"]] == ["CREATE_CLUSTER", "REMOVE_CLUSTER"]
