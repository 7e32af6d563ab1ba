"""A step claims and reads its row in one DynamoDB call, duplicates are still turned away, and a
wait longer than SQS can delay a message is left to the tick (issue 8)."""
from __future__ import annotations

import dataclasses
from unittest import mock

from bench.counter import counting
from chalicelib.clusters.machine import Step
from chalicelib.engine import driver as engine
from chalicelib.engine import registry
from chalicelib.engine.steps import Wait
from chalicelib.store import aggregates, queue
from chalicelib.store.models import StateItem
from handlers.tick import tick
from tests.engine.test_delivery import drive_until, pending_work


def test_a_step_claims_and_reads_its_row_in_one_dynamodb_call(platform):
    c = platform.create_cluster(workersQuantity=2)
    work = drive_until(platform, c["uuid"], Step.LAUNCH_FLEET)
    with counting() as rec:
        assert engine.drive(work) == "LAUNCH_FLEET"
    first = next(i for i, call in enumerate(rec.calls) if call.service != "DynamoDB")
    before_the_side_effect = [(call.operation, call.detail) for call in rec.calls[:first]]
    assert before_the_side_effect == [("UpdateItem", "cluster row: claim")]
    row_reads = [call for call in rec.calls if call.detail.startswith("cluster row")
                 and call.operation in ("GetItem", "Query")]
    assert not row_reads
    assert engine.drive(work) == "stale"    # the duplicate after it: turned away still


def test_a_duplicate_during_the_step_is_busy_and_costs_one_call(platform):
    c = platform.create_cluster()
    work = pending_work(platform, c["uuid"])
    taken = aggregates.claim("cluster", work.scope, work.uuid, work.version, platform.clock(),
                             120)
    assert taken.attempts == 1 and taken.row.version == work.version
    assert taken.row.state["uuid"] == c["uuid"]
    with counting() as rec:
        assert engine.drive(work) == "busy"
    assert [call.operation for call in rec.calls] == ["UpdateItem"]


def test_a_message_for_an_aggregate_with_nothing_pending_is_idle_and_writes_nothing(platform):
    c = platform.create_cluster()
    platform.settle()
    work = pending_work(platform, c["uuid"])           # RUNNING: nothing pending
    before = StateItem.get(*aggregates.row_key("cluster", work.scope, work.uuid))
    with counting() as rec:
        assert engine.drive(work) == "idle"
    assert [call.operation for call in rec.calls] == ["UpdateItem"]   # refused, not written
    after = StateItem.get(*aggregates.row_key("cluster", work.scope, work.uuid))
    assert (after.claimed, after.attempts, after.due_at) == (before.claimed, before.attempts,
                                                             None)


def test_a_message_for_a_row_that_does_not_exist_is_stale(platform):
    from chalicelib.kernel.ids import new_uuid
    assert engine.drive(queue.Work("cluster", new_uuid(), new_uuid(), 1)) == "stale"
    assert aggregates.get("cluster", platform.demo.workspace.uuid, new_uuid()) is None


def _cluster_waits(seconds: float):
    """The cluster machine's every step answers Wait(seconds)."""
    clusters = registry.get("cluster")
    return mock.patch.dict(registry._machines, {"cluster": dataclasses.replace(
        clusters, run=lambda step, state: Wait(seconds, "not yet"))})


def _sends(monkeypatch) -> list[tuple[list, int]]:
    sent: list[tuple[list, int]] = []
    real = queue.send

    def send(work, delay_seconds=0):
        sent.append((list(work), delay_seconds))
        return real(work, delay_seconds)

    monkeypatch.setattr(queue, "send", send)
    return sent


def test_a_20_minute_wait_is_not_sent_to_sqs_with_a_15_minute_delay(platform, monkeypatch):
    c = platform.create_cluster()
    work = drive_until(platform, c["uuid"], Step.AWAIT_NODES)
    sent = _sends(monkeypatch)
    now = platform.clock()
    with _cluster_waits(20 * 60):
        assert engine.drive(work) == "wait"
    assert sent == [], "queued with SQS's 15-minute cap, it would run 5 minutes early"
    assert aggregates.get("cluster", work.scope, work.uuid).due_at == now + 20 * 60
    platform.clock.advance(15 * 60)
    tick()
    assert not [w for batch, _ in sent for w in batch if w.uuid == c["uuid"]]
    platform.clock.advance(5 * 60)
    tick()                                   # the tick takes it when it is due
    assert [w for batch, _ in sent for w in batch if w.uuid == c["uuid"]] == [work]


def test_a_wait_sqs_can_hold_is_still_queued_with_its_delay(platform, monkeypatch):
    c = platform.create_cluster()
    work = drive_until(platform, c["uuid"], Step.AWAIT_NODES)
    sent = _sends(monkeypatch)
    with _cluster_waits(10 * 60):
        assert engine.drive(work) == "wait"
    assert sent == [([work], 600)]
