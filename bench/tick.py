"""Benchmark 2: the cost of one tick (`handlers.tick.tick()`) as RUNNING clusters pile up.

The RUNNING clusters are written straight into the event store, without launching fleets in
moto: each is one `aggregates.append` of the six events a real launch records
(ClusterRequested, NetworkReady, PlacementGroupReady, LaunchTemplateReady, FleetLaunched,
NodesReady) with the folded state as its projection row and its task row, nothing pending; the
same rows and events the engine leaves behind, in one transaction instead of six. A handful of
non-terminal clusters whose step is overdue (a worker crashed, or the message was lost) and a
few whose step is pending but not yet due are added too, so every tick re-drives the overdue
ones.

The population grows in place (100, then 1,000, then 10,000 when the set-up rate says it takes
under a minute), and the tick is timed (median of several runs) and its AWS calls counted at
each size. The times are moto's, in this process: they show how the cost grows, not what
DynamoDB would answer in.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from unittest import mock

from .counter import counting
from .fill import Collector, batch_write

KIND = "cluster"
WORKSPACES = 20          # the clusters are spread over this many workspaces
OVERDUE = 5              # non-terminal clusters whose step is overdue
NOT_YET_DUE = 3          # non-terminal clusters whose step is pending, due in the future
SETUP_BUDGET_SECONDS = 60.0


@dataclass
class Row:
    clusters: int           # RUNNING clusters
    tick_ms: float          # median wall time of one tick
    runs: int
    dynamodb_calls: int
    dynamodb_items_read: int
    sqs_calls: int
    redriven: int
    moto_ms: float          # of tick_ms, time inside the AWS calls (moto)
    setup_s: float          # time to add this step's clusters


@dataclass
class Scan:
    clusters: int
    pages: int
    items: int
    ms: float


def _spec(i: int, image_id: str) -> dict:
    from chalicelib.clusters.machine import ClusterSpec
    from chalicelib.kernel.state import dump
    return dump(ClusterSpec(name=f"bench-{i}", instance_type="c5.2xlarge", workers_quantity=2,
                            bodo_version="2025.6", image_id=image_id, vcpus=8,
                            region="us-east-1"))


class Population:
    """Clusters written into the event store of a running Platform."""

    def __init__(self, organization_uuid: str, image_id: str = "ami-0123456789abcdef0"):
        from chalicelib.kernel.ids import new_uuid
        self.org = organization_uuid
        self.image_id = image_id
        self.workspaces = [new_uuid() for _ in range(WORKSPACES)]
        self.running = 0

    def _launched(self, i: int, at: float) -> list:
        """The events of a cluster whose fleet is up, nodes not yet ready."""
        from chalicelib.clusters import machine as c
        from chalicelib.kernel.ids import new_uuid
        uuid = new_uuid()
        ws = self.workspaces[i % len(self.workspaces)]
        n = i % 100_000
        ids = (f"i-{n:08x}{1:09x}", f"i-{n:08x}{2:09x}")
        return [
            c.ClusterRequested(uuid, ws, self.org, _spec(i, self.image_id), new_uuid(),
                               None, at),
            c.NetworkReady("vpc-0bench", "subnet-0bench", "sg-0bench", at + 5),
            c.PlacementGroupReady(f"corral-{uuid}", at + 6),
            c.LaunchTemplateReady("lt-0bench", at + 7),
            c.FleetLaunched(ids, at + 10),
        ]

    def _append(self, events: list, due_at: float | None) -> None:
        from chalicelib.clusters import machine as c
        from chalicelib.kernel.events import to_record
        from chalicelib.kernel.state import dump, fold
        from chalicelib.store import aggregates
        state = fold(c.evolve, events)
        aggregates.append(KIND, state.workspace_uuid, state.uuid, 0,
                          [to_record(e) for e in events], dump(state), (), due_at,
                          new_tasks=[dump(t) for t in state.tasks])

    def add_running(self, n: int, now: float) -> None:
        """`n` more RUNNING clusters. aggregates.append builds every item; they are written
        with BatchWriteItem instead of one TransactWriteItems each, because moto deep-copies
        the whole table on every transaction (thousands of appends would be quadratic)."""
        from chalicelib.clusters import machine as c
        from chalicelib.store import aggregates
        items: list = []
        with mock.patch.object(aggregates, "TransactWrite", Collector(items)):
            for i in range(self.running, self.running + n):
                events = self._launched(i, now - 3600)
                nodes = tuple({"instance_id": iid, "private_ip": f"10.42.{k}.{i % 250 + 4}",
                               "public_ip": ""} for k, iid in enumerate(events[-1].instance_ids))
                self._append(events + [c.NodesReady(nodes, now - 3600 + 60)], None)
        batch_write(items)
        self.running += n

    def add_pending(self, now: float) -> None:
        """OVERDUE clusters awaiting their nodes (lease long expired) and NOT_YET_DUE ones."""
        for k in range(OVERDUE):
            self._append(self._launched(10_000_000 + k, now - 900), due_at=now - 300 + k)
        for k in range(NOT_YET_DUE):
            self._append(self._launched(20_000_000 + k, now - 30), due_at=now + 60 + k)


def _time_ticks(runs: int) -> tuple[float, float, list, int]:
    """Median wall time of a tick, median time inside its AWS calls, the last run's calls and
    how many aggregates it re-drove."""
    from handlers import tick as tick_module
    times, in_calls, calls, redriven = [], [], [], 0
    for _ in range(runs):
        with counting() as rec:
            started = time.perf_counter()
            redriven = tick_module.tick()
            times.append(time.perf_counter() - started)
        in_calls.append(sum(c.seconds for c in rec.calls))
        calls = rec.calls
    return statistics.median(times), statistics.median(in_calls), calls, redriven


def _scan(clusters: int) -> Scan:
    """For comparison: one full Scan of the state table (COUNT only), what a sweep over every
    RUNNING cluster (metering, idle stop) would read without an index of its own."""
    import boto3

    from chalicelib.kernel import config
    ddb = boto3.client("dynamodb", region_name=config.get().region)
    with counting() as rec:
        started = time.perf_counter()
        pages = list(ddb.get_paginator("scan").paginate(
            TableName=config.get().state_table, Select="COUNT"))
        ms = (time.perf_counter() - started) * 1000
    return Scan(clusters, len(rec.calls), sum(p["ScannedCount"] for p in pages), ms)


def measure(sizes=(100, 1_000, 10_000), runs: int = 5,
            setup_budget: float = SETUP_BUDGET_SECONDS, scan_up_to: int = 1_000,
            out=None) -> tuple[list[Row], list[Scan], list[str]]:
    """Grow the population to each size in turn and tick. A size whose set-up would take longer
    than `setup_budget` seconds (projected from the rate so far) is skipped, and said so."""
    from local.harness import Platform

    rows, scans, skipped = [], [], []
    with Platform() as p:
        now = p.clock()
        pop = Population(p.demo.organization.uuid)
        pop.add_pending(now)
        rate = None  # seconds per cluster
        for size in sizes:
            need = size - pop.running
            if rate is not None and need * rate > setup_budget:
                skipped.append(f"{size:,} clusters: set-up would take ~{need * rate:.0f} s "
                               f"(> {setup_budget:.0f} s), skipped")
                continue
            started = time.perf_counter()
            pop.add_running(need, now)
            setup = time.perf_counter() - started
            rate = setup / max(1, need)
            median, in_calls, calls, redriven = _time_ticks(runs)
            ddb = [c for c in calls if c.service == "DynamoDB"]
            row = Row(size, median * 1000, runs, len(ddb),
                      sum(c.scanned or 0 for c in ddb),
                      sum(1 for c in calls if c.service == "SQS"), redriven,
                      in_calls * 1000, setup)
            rows.append(row)
            if out:
                out(f"  ... {size:,} RUNNING clusters set up in {setup:.1f} s; tick "
                    f"{row.tick_ms:.1f} ms")
            if size <= scan_up_to:  # moto pages a Scan slowly: a sample is enough
                scans.append(_scan(size))
    return rows, scans, skipped


def report(rows: list[Row], scans: list[Scan], skipped: list[str], out=print) -> None:
    out(f"{'RUNNING':>9}{'tick ms':>10}{'(in moto)':>11}{'DynamoDB':>10}{'items read':>12}"
        f"{'SQS':>6}{'re-driven':>11}")
    out(f"{'clusters':>9}{'median':>10}{'':>11}{'calls':>10}{'':>12}{'calls':>6}{'':>11}")
    for r in rows:
        out(f"{r.clusters:>9,}{r.tick_ms:>10.1f}{r.moto_ms:>11.1f}{r.dynamodb_calls:>10}"
            f"{r.dynamodb_items_read:>12}{r.sqs_calls:>6}{r.redriven:>11}")
    for s in skipped:
        out(f"  {s}")
    out(f"(median of {rows[0].runs if rows else 0} ticks; 'in moto' = the part spent inside "
        f"the AWS calls; every population\n also holds {OVERDUE} overdue non-terminal clusters "
        f"and {NOT_YET_DUE} pending but not yet due)")
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        growth = b.clusters / a.clusters
        out(f"from {a.clusters:,} to {b.clusters:,} clusters (x{growth:.0f}): tick time "
            f"x{b.tick_ms / a.tick_ms:.1f}, DynamoDB calls {a.dynamodb_calls} -> "
            f"{b.dynamodb_calls}, items read {a.dynamodb_items_read} -> "
            f"{b.dynamodb_items_read}, SQS calls {a.sqs_calls} -> {b.sqs_calls}")
        out("  The tick's own work stays constant (one Query of the sparse `due` index, which "
            "holds only\n  pending steps; one SendMessageBatch per 10 overdue). The time that "
            "grows is moto's: it\n  answers a GSI Query by walking every item of the table.")
    if scans:
        out("")
        out("For comparison, one full Scan of the state table (what a sweep over every RUNNING "
            "cluster,\ne.g. metering or idle stop, would read without an index of its own):")
        out(f"{'clusters':>9}{'Scan pages':>12}{'items read':>12}{'ms (moto)':>11}")
        for s in scans:
            out(f"{s.clusters:>9,}{s.pages:>12}{s.items:>12,}{s.ms:>11.1f}")
        last = scans[-1]
        out(f"  (grows linearly: ~{last.pages / last.clusters * 1000:.1f} pages of 1 MB per "
            f"1,000 clusters; each row and task row is read)")


def main(out=print):
    out("=" * 92)
    out("2. Tick cost with many RUNNING clusters  (handlers.tick.tick(), moto in-process)")
    out("=" * 92)
    rows, scans, skipped = measure(out=out)
    out("")
    report(rows, scans, skipped, out)
    return rows
