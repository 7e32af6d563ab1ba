"""Issue 8: every task and task detail was embedded in the aggregate's row forever, so a
long-lived cluster's row only grew, toward DynamoDB's 400 KB item limit. Now a task keeps its
first and latest detail lines (counting the others), the row carries the latest tasks, and
every task has its own row: one cluster driven through hundreds of operations keeps a row of
bounded size (the tasks kept on the row: tests/image_shares/test_image_share_machine.py)."""
from __future__ import annotations

import json

from chalicelib.clusters import machine as c
from chalicelib.engine import driver as engine
from chalicelib.kernel.task import MAX_DETAILS
from chalicelib.store import aggregates
from chalicelib.store.models import StateItem

OPERATIONS = 300


def _row_bytes(kind: str, scope: str, uuid: str) -> int:
    """The size of the row as DynamoDB stores it (its attributes serialised)."""
    item = StateItem.get(*aggregates.row_key(kind, scope, uuid), consistent_read=True)
    return len(json.dumps(item.serialize()))


def test_a_cluster_through_hundreds_of_operations_keeps_a_bounded_row(platform):
    ws = platform.demo.workspace.uuid
    cluster = platform.create_cluster(name="long-lived")
    platform.settle()
    # A teardown stuck for a long time (it retries passing AWS errors forever, saying why).
    removal = platform.request("DELETE", f"/v1/clusters/{cluster['uuid']}").json_body
    machine = engine.registry.get(c.KIND)
    launched = len(platform.request("GET", f"/v1/tasks/{removal['taskUUID']}").json_body[
        "details"])
    sizes = []
    for i in range(OPERATIONS):
        row = aggregates.get(c.KIND, ws, cluster["uuid"])
        state = machine.load(row.state)
        engine.commit(c.KIND, ws, cluster["uuid"], row.version, state,
                      [c.StepRetrying("TERMINATE_INSTANCES", f"passing trouble number {i} " + "x" * 80,
                                      platform.clock() + i)])
        if i in (MAX_DETAILS, OPERATIONS - 1):
            sizes.append(_row_bytes(c.KIND, ws, cluster["uuid"]))
    # Past the window, the row stops growing: a few digits more (version, counts), not the
    # 260 more detail lines of about 130 bytes each it would have carried before.
    assert sizes[1] - sizes[0] < 130, sizes
    task = platform.request("GET", f"/v1/tasks/{removal['taskUUID']}").json_body
    assert len(task["details"]) == MAX_DETAILS + 1
    assert task["details"][0].startswith("Removal requested by API key")  # the first is kept
    assert f" {launched + OPERATIONS - MAX_DETAILS} earlier" in task["details"][1]
    assert task["details"][-1].startswith("Retrying terminate instances shortly: passing trouble "
                                          f"number {OPERATIONS - 1}")
