"""The tick's `due` index (issue 8: writes that grow with history): its key is sharded, it
holds only what the tick needs, a re-driven step's `due_at` moves on so a backlog is not resent
every minute, and one tick's work is capped so a large backlog drains over several ticks."""
from __future__ import annotations

from collections import Counter, defaultdict

import boto3

from chalicelib.engine import driver as engine
from chalicelib.kernel import config
from chalicelib.kernel.ids import new_uuid
from chalicelib.store import aggregates, models, queue
from chalicelib.store.models import StateItem


def overdue_rows(n: int, now: float, kind: str = "cluster") -> list[tuple[str, str]]:
    """`n` rows whose step is overdue (due 1..n hours ago, in order), written in batches as
    aggregates.append writes them; no worker will take them. Returns (scope, uuid) each."""
    rows = []
    with StateItem.batch_write() as batch:
        for i in range(n):
            scope, uuid = new_uuid(), new_uuid()
            pk, sk = aggregates.row_key(kind, scope, uuid)
            batch.save(StateItem(pk, sk, kind=kind, body={}, version=3,
                                 due_shard=aggregates.due_shard(pk, sk),
                                 due_at=now - 3600 - (n - i)))
            rows.append((scope, uuid))
    return rows


def recording_sends(monkeypatch) -> list[list[queue.Work]]:
    """What the engine hands to SQS (each call of queue.send), kept here instead: no worker
    would take them, and moto's SQS slows down as unread messages pile up."""
    sent: list[list[queue.Work]] = []

    def send(work, delay_seconds=0):
        sent.append(list(work))

    monkeypatch.setattr(queue, "send", send)
    return sent


def test_rows_are_spread_over_the_due_shards():
    shards = Counter(aggregates.due_shard(*aggregates.row_key("cluster", new_uuid(), new_uuid()))
                     for _ in range(3200))
    assert set(shards) == {f"due#{n}" for n in range(models.DUE_SHARDS)}
    assert models.DUE_SHARDS >= 16
    assert max(shards.values()) < 2 * 3200 / models.DUE_SHARDS   # no hot shard
    # fixed by the key: the shard a claim or a release writes is the one append wrote
    key = aggregates.row_key("cluster", "s", "u")
    assert aggregates.due_shard(*key) == aggregates.due_shard(*key)


def test_an_append_claim_and_release_keep_the_row_in_its_own_shard(platform):
    c = platform.create_cluster()
    ws = platform.demo.workspace.uuid
    pk, sk = aggregates.row_key("cluster", ws, c["uuid"])
    assert StateItem.get(pk, sk).due_shard == aggregates.due_shard(pk, sk) != "due"
    row = aggregates.get("cluster", ws, c["uuid"])
    assert aggregates.claim("cluster", ws, c["uuid"], row.version, platform.clock(), 120).row
    assert StateItem.get(pk, sk).due_shard == aggregates.due_shard(pk, sk)
    assert aggregates.release("cluster", ws, c["uuid"], row.version, platform.clock() + 5)
    assert StateItem.get(pk, sk).due_shard == aggregates.due_shard(pk, sk)


def test_the_due_index_holds_only_what_the_tick_needs(platform):
    ddb = boto3.client("dynamodb", region_name=config.get().region)
    (index,) = [i for i in ddb.describe_table(TableName=config.get().state_table)["Table"][
        "GlobalSecondaryIndexes"] if i["IndexName"] == "due"]
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["version"]}
    platform.create_cluster()
    items = [i for n in range(models.DUE_SHARDS) for i in ddb.query(
        TableName=config.get().state_table, IndexName="due",
        KeyConditionExpression="due_shard = :s", ExpressionAttributeValues={
            ":s": {"S": f"due#{n}"}})["Items"]]
    assert items
    for item in items:   # never the state body, the tasks, the claim
        assert set(item) == {"pk", "sk", "due_shard", "due_at", "version"}


def test_a_backlog_of_1000_with_a_cap_of_100_drains_over_10_ticks_none_sent_twice_in_a_lease(
        platform, monkeypatch):
    now = platform.clock()
    rows = set(overdue_rows(1000, now))
    lease = config.get().step_lease_seconds
    sent = recording_sends(monkeypatch)
    when: dict[tuple[str, str], list[float]] = defaultdict(list)
    per_tick = []
    for _ in range(11):               # no worker takes the messages: the backlog stays
        before = len(sent)
        per_tick.append(engine.redrive(platform.clock(), limit=100))
        for batch in sent[before:]:
            for w in batch:
                if (w.scope, w.uuid) in rows:
                    when[(w.scope, w.uuid)].append(platform.clock())
        if len(per_tick) == 10:
            assert set(when) == rows, "ten ticks of 100 did not reach every row"
            assert all(len(t) == 1 for t in when.values()), "a row was sent twice"
        platform.clock.advance(60)    # the next minute's tick
    assert per_tick[:10] == [100] * 10
    for times in when.values():       # sent again only once its lease had ended
        assert all(b - a >= lease for a, b in zip(times, times[1:]))


def test_a_redriven_row_has_its_due_at_moved_on_and_is_not_resent_by_the_next_tick(
        platform, monkeypatch):
    now = platform.clock()
    (scope, uuid), = overdue_rows(1, now)
    sent = recording_sends(monkeypatch)
    lease = config.get().step_lease_seconds
    assert engine.redrive(now) == 1
    row = aggregates.get("cluster", scope, uuid)
    assert row.due_at == now + lease and row.version == 3
    platform.clock.advance(60)
    assert engine.redrive(platform.clock()) == 0     # the next tick: not again
    platform.clock.advance(lease - 60)
    assert engine.redrive(platform.clock()) == 1     # its lease has ended: sent again
    assert [w.uuid for batch in sent for w in batch].count(uuid) == 2


def test_a_row_claimed_or_moved_on_after_it_was_listed_is_not_sent(platform):
    now = platform.clock()
    (a_scope, a), (b_scope, b) = overdue_rows(2, now)
    listed = {d.uuid: d for d in aggregates.overdue(now)}
    # a worker claims a (the index may still list it: it is eventually consistent)
    assert aggregates.claim("cluster", a_scope, a, 3, now, 120).attempts == 1
    assert not aggregates.postpone(listed[a], now, now + 120)
    # b moved on to version 4 meanwhile
    StateItem(*aggregates.row_key("cluster", b_scope, b)).update(
        actions=[StateItem.version.set(4)])
    assert not aggregates.postpone(listed[b], now, now + 120)


def test_a_redriven_step_whose_claim_expired_can_be_claimed_at_once(platform):
    now = platform.clock()
    (scope, uuid), = overdue_rows(1, now)
    assert aggregates.claim("cluster", scope, uuid, 3, now, 120).attempts == 1  # then crashed
    platform.clock.advance(121)
    assert engine.redrive(platform.clock()) == 1
    again = aggregates.claim("cluster", scope, uuid, 3, platform.clock(), 120)
    assert again.refused is None and again.attempts == 2   # the crashed try still counts


def test_one_tick_stops_at_its_time_budget(platform):
    now = platform.clock()
    overdue_rows(30, now)
    assert engine.redrive(now, budget_seconds=0) == 1       # always some progress
    assert len(list(aggregates.overdue(now))) == 29          # the rest waits for the next tick
    assert engine.redrive(now) == 29


def test_overdue_reads_about_the_limit_not_the_backlog(platform):
    from bench.counter import counting
    now = platform.clock()
    overdue_rows(500, now)
    with counting() as rec:
        got = list(aggregates.overdue(now, limit=32))
    assert len(got) == 32
    assert [d.due_at for d in got] == sorted(d.due_at for d in got)   # the oldest first
    assert got[0].due_at == now - 3600 - 500
    queries = [c for c in rec.calls if c.operation == "Query"]
    assert len(queries) <= 2 * models.DUE_SHARDS
    assert sum(c.scanned for c in queries) <= 4 * 32    # not the 500 of the backlog
