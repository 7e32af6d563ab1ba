"""Benchmark: the tick's metering work at an hour's close, for 1,000 and 10,000 RUNNING
clusters over 30 Marketplace customers: the sweep (service index -> projection rows ->
ledger rows) and the report (ledger -> BatchMeterUsage), timed, with their AWS calls counted.

The clusters are written straight into the tables (as bench/tick.py does): each is the events
of a launch that became RUNNING an hour and a half ago, appended through aggregates.append
with its machine's placement, so its service-index entry is the one the engine writes. The
times are moto's, in this process: they show how the cost grows (the project's own time is
shown apart from the time inside the AWS calls), not what DynamoDB would answer in.

Side by side: the BatchMeterUsage calls made against the minimum, ceil(records / 25), and
against the AWS sample integration's way (one call per customer with every record of it,
which AWS refuses past 25 records).
"""
from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from unittest import mock

from .counter import counting
from .fill import Collector, batch_write

CUSTOMERS = 30
TYPES = ("c5.2xlarge", "c5.4xlarge", "c5n.18xlarge", "m5.2xlarge", "r5.4xlarge", "t3.large")


@dataclass
class Row:
    clusters: int
    sweep_ms: float
    sweep_moto_ms: float
    sweep_calls: Counter
    ledger_rows: int
    report_ms: float
    report_moto_ms: float
    records: int
    meter_calls: int
    sample_calls: int


def _customers(platform) -> list[str]:
    """CUSTOMERS organizations, each subscribed in the local Marketplace and registered."""
    from chalicelib.cloud.marketplace import resolve_customer
    from chalicelib.identity import customers
    from chalicelib.identity.organizations import create_organization
    from local import marketplace
    orgs = []
    for i in range(CUSTOMERS):
        org = create_organization(f"bench-{i}")
        customer = resolve_customer(marketplace.create_subscription(f"{700000000000 + i}"))
        customers.record(customer, org.uuid)
        orgs.append(org.uuid)
    return orgs


def _add_running(orgs: list[str], start: int, n: int, since: float) -> None:
    from chalicelib.clusters import machine as c
    from chalicelib.clusters.machine import ClusterSpec
    from chalicelib.engine import registry
    from chalicelib.kernel.events import to_record
    from chalicelib.kernel.ids import new_uuid
    from chalicelib.kernel.state import dump, fold
    from chalicelib.store import aggregates
    m = registry.get("cluster")
    items: list = []
    with mock.patch.object(aggregates, "TransactWrite", Collector(items)):
        for i in range(start, start + n):
            uuid, ws, org = new_uuid(), f"ws-{i % 200}", orgs[i % len(orgs)]
            spec = ClusterSpec(name=f"bench-{i}", instance_type=TYPES[(i // CUSTOMERS) % len(TYPES)],
                               workers_quantity=2, bodo_version="2025.6",
                               image_id="ami-0123456789abcdef0", vcpus=8, region="us-east-1")
            events = [c.ClusterRequested(uuid, ws, org, dump(spec), new_uuid(), None, since),
                      c.NetworkReady("vpc-0bench", "subnet-0bench", "sg-0bench", since),
                      c.MpiReady(f"/shared/.hostfile-{uuid}", 8, since)]
            state = fold(c.evolve, events)
            aggregates.append("cluster", ws, uuid, 0, [to_record(e) for e in events],
                              dump(state), (), None, place=m.place(state),
                              new_tasks=[dump(t) for t in state.tasks])
    batch_write(items)


def _timed(fn) -> tuple[float, float, list]:
    with counting() as rec:
        started = time.perf_counter()
        fn()
        took = time.perf_counter() - started
    return took * 1000, sum(c.seconds for c in rec.calls) * 1000, rec.calls


def measure(sizes=(1_000, 10_000), out=None) -> list[Row]:
    from chalicelib.store import records
    from chalicelib.usage import report, sweep
    from local.harness import Platform
    rows = []
    for size in sizes:
        with Platform() as p:
            hour = p.clock() - p.clock() % 3600 + 3600          # the next hour's start
            p.clock.t = hour + 7 * 60 + 30                        # a run from HH:07:30
            orgs = _customers(p)
            started = time.perf_counter()
            _add_running(orgs, 0, size, p.clock())
            if out:
                out(f"  ... {size:,} RUNNING clusters written in {time.perf_counter() - started:.1f} s")
            # the sweep before this hour has nothing to do with them: start the marks here
            records.put_record(*sweep.MARK, "usagemark", {"through": hour})
            records.put_record(*report.MARK, "usagemark", {"built_through": hour, "open": []})
            p.clock.t = hour + 3600 + sweep.SETTLE_SECONDS + 1
            now = p.clock()
            sweep_ms, sweep_moto, sweep_calls = _timed(lambda: sweep.run(now))
            report_ms, report_moto, report_calls = _timed(lambda: report.run(now))
            built = report.hour_records(hour)
            per_customer = Counter(r.organization_uuid for r in built)
            rows.append(Row(size, sweep_ms, sweep_moto,
                            Counter(c.operation for c in sweep_calls if c.service == "DynamoDB"),
                            size, report_ms, report_moto, len(built),
                            sum(1 for c in report_calls if c.operation == "BatchMeterUsage"),
                            len(per_customer)))
            assert all(r.status == "Success" for r in built), Counter(r.status for r in built)
    return rows


def main(out=print) -> list[Row]:
    out("=" * 92)
    out("Metering at an hour's close: the sweep and the Marketplace report, "
        f"{CUSTOMERS} customers")
    out("=" * 92)
    rows = measure(out=out)
    out(f"{'RUNNING':>9}{'sweep ms':>10}{'(in moto)':>11}{'(own)':>8}  {'DynamoDB calls':<44}")
    for r in rows:
        calls = ", ".join(f"{op} {n}" for op, n in sorted(r.sweep_calls.items()))
        out(f"{r.clusters:>9,}{r.sweep_ms:>10.0f}{r.sweep_moto_ms:>11.0f}"
            f"{r.sweep_ms - r.sweep_moto_ms:>8.0f}  {calls}")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        out(f"  growth x{b.clusters / a.clusters:.0f} clusters: sweep time x"
            f"{b.sweep_ms / a.sweep_ms:.1f}, own time x"
            f"{(b.sweep_ms - b.sweep_moto_ms) / max(1e-9, a.sweep_ms - a.sweep_moto_ms):.1f}, "
            f"DynamoDB calls x{sum(b.sweep_calls.values()) / sum(a.sweep_calls.values()):.1f}")
    out("")
    out(f"{'RUNNING':>9}{'records':>9}{'BatchMeterUsage':>17}{'minimum':>10}"
        f"{'AWS sample':>14}{'report ms':>11}{'(in moto)':>11}")
    out(f"{'clusters':>9}{'':>9}{'calls':>17}{'ceil/25':>10}{'(1/customer)':>14}")
    for r in rows:
        out(f"{r.clusters:>9,}{r.records:>9}{r.meter_calls:>17}{math.ceil(r.records / 25):>10}"
            f"{r.sample_calls:>14}{r.report_ms:>11.0f}{r.report_moto_ms:>11.0f}")
    out("  (the sample's one call per customer would carry up to "
        f"{len(TYPES)} records each here; it fails outright past 25)")
    return rows
