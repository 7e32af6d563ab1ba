"""Benchmark: one page of `GET /v2/clusters` in a workspace with a long history.

Two workspaces: one whose 10,000 clusters ended (TERMINATED) before its 100 live ones, one with
only the 100 live clusters. For each, page 1 and page 50 of size 10 (the SDK's own paging),
the whole list in creation order, and the live clusters alone (every status but TERMINATED),
each read and rendered in-process the way the route does after sign-in
(`clusters.commands.list_page` + `shapes.render`): DynamoDB items read per request and the
median time, next to the same page read the way it was before issue 8 (every row of the
workspace read, filtered, sorted and sliced in memory).

The clusters are written straight into the state table (their rows as the engine writes them,
ordinals and counters included) with BatchWriteItem: moto copies the whole table on every
transaction, so 10,100 transactional creates would take most of an hour. The times are moto's
in this process: what grows, not what DynamoDB would answer in.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from unittest import mock

from .counter import counting

ENDED, LIVE, SIZE, RUNS = 10_000, 100, 10, 7
PAGES = (1, 50)


@dataclass
class Figure:
    workspace: str
    request: str
    items: int          # DynamoDB items read by the request
    ms: float           # median in-process time, the project's own (moto's apart)
    moto_ms: float      # median time inside the DynamoDB calls (the emulator)
    before_items: int   # the same page, read as before issue 8
    before_ms: float
    before_moto_ms: float


def _fill(org: str, ws: str, ended: int, live: int, at: float) -> None:
    """`ended` TERMINATED then `live` NEW clusters in workspace `ws`, as rows and task rows with
    their ordinals, and the scope's counters."""
    from chalicelib.clusters import machine as c
    from chalicelib.clusters.machine import ClusterSpec
    from chalicelib.engine import driver as engine
    from chalicelib.kernel.state import dump
    from chalicelib.store import aggregates
    from chalicelib.store.models import StateItem
    from .fill import Collector, batch_write

    spec = ClusterSpec(name="x", instance_type="c5.2xlarge", workers_quantity=2,
                       bodo_version="2025.6", image_id="ami-0123456789abcdef0", vcpus=8,
                       region="us-east-1")
    seq = {"cluster": 0, "task": 0}
    items: list = []

    def seqs(scope, kinds):
        return {k: seq[k] for k in kinds}

    rows_only = Collector(items, keep=lambda model: isinstance(model, StateItem))
    with mock.patch.object(aggregates, "TransactWrite", rows_only), \
            mock.patch.object(aggregates, "_seqs", seqs), \
            mock.patch.object(engine, "_enqueue", lambda work, delay_seconds=0: None):
        for i in range(ended + live):
            uuid = f"{ws[:8]}-0000-4000-8000-{i:012d}"
            s = dump(ClusterSpec(**{**spec.__dict__, "name": f"c{i:05d}"}))
            events = [c.ClusterRequested(uuid, ws, org, s, f"t-{uuid}", None, at + i)]
            if i < ended:
                events += [c.RemovalRequested(f"r-{uuid}", at + i),
                           c.InstancesTerminating((), at + i), c.InstancesTerminated(at + i),
                           c.ClusterRemoved(at + i)]
            engine.create(c.KIND, ws, uuid, events)
            seq["cluster"] += 1
            seq["task"] += 1 + (i < ended)
    batch_write(items)
    for kind, n, alive in (("cluster", ended + live, live), ("task", seq["task"], None)):
        StateItem(*aggregates.counter_key(ws, kind), kind="count", body={}, seq=n,
                  live=alive).save()


def _old_page(ws: str, params: dict) -> list:
    """The page as it was read before issue 8: every row, then filter, sort and slice."""
    from chalicelib.clusters import shapes
    from chalicelib.clusters.machine import Cluster
    from chalicelib.kernel.state import load
    from chalicelib.store import aggregates
    everything = [load(Cluster, r.state) for r in aggregates.list_rows("cluster", ws)]
    wanted = set(params.get("status", []))
    found = sorted((x for x in everything if not wanted or x.status.value in wanted),
                   key=lambda x: x.created_at)
    number, size = int(params["page"][0]), int(params["size"][0])
    return [shapes.render(x) for x in found[(number - 1) * size: number * size]]


def _new_page(ws: str, params: dict) -> list:
    from chalicelib.clusters import commands, shapes
    found, _total = commands.list_page(ws, shapes.parse_list(params))
    return [shapes.render(x) for x in found]


def _measure(read, ws: str, params: dict, runs: int) -> tuple[int, float, float, list]:
    """(items read, median own ms, median ms inside the AWS calls, the page)."""
    own, inside, items, page = [], [], 0, []
    for _ in range(runs):
        with counting() as rec:
            started = time.perf_counter()
            page = read(ws, params)
            total = (time.perf_counter() - started) * 1000
        aws = sum(c.seconds for c in rec.calls) * 1000
        own.append(total - aws)
        inside.append(aws)
        items = sum(c.scanned or 0 for c in rec.calls if c.service == "DynamoDB")
    return items, statistics.median(own), statistics.median(inside), page


def measure(ended: int = ENDED, live: int = LIVE, runs: int = RUNS, out=print) -> list[Figure]:
    from chalicelib.clusters.shapes import LIVE_STATUSES
    from local.harness import Platform
    figures = []
    with Platform() as p:
        org = p.demo.organization.uuid
        workspaces = {f"{ended:,} ended + {live} live": "aaaaaaaa-0000-4000-8000-000000000001",
                      f"{live} live only": "bbbbbbbb-0000-4000-8000-000000000002"}
        started = time.perf_counter()
        for name, ws in workspaces.items():
            _fill(org, ws, ended if "ended" in name else 0, live, p.clock() - 86_400)
        out(f"(set-up: {ended + 2 * live:,} clusters written in "
            f"{time.perf_counter() - started:.0f} s)")
        live_params = {"status": sorted(LIVE_STATUSES)}
        for name, ws in workspaces.items():
            for number in PAGES:
                for what, extra in (("all", {}), ("live", live_params)):
                    params = {"page": [str(number)], "size": [str(SIZE)], **extra}
                    new_items, new_ms, new_moto, new = _measure(_new_page, ws, params, runs)
                    old_items, old_ms, old_moto, old = _measure(_old_page, ws, params,
                                                                max(1, runs // 3))
                    if [x["uuid"] for x in new] != [x["uuid"] for x in old]:
                        raise AssertionError(f"{name} page {number} {what}: pages differ")
                    figures.append(Figure(name, f"page {number} of {SIZE}, {what}", new_items,
                                          new_ms, new_moto, old_items, old_ms, old_moto))
    return figures


def report(figures: list[Figure], out=print) -> None:
    out("ms: the project's own time in-process (median); moto: time inside the emulator's "
        "DynamoDB calls, apart")
    out(f"{'workspace':<24}{'request':<21}{'items':>6}{'target':>7}{'ms':>7}{'moto':>7}"
        f"   {'before: items':>13}{'ms':>7}{'moto':>7}")
    for f in figures:
        target = f"<={SIZE + 1}" if f.request.endswith("all") else f"<={LIVE}"
        out(f"{f.workspace:<24}{f.request:<21}{f.items:>6}{target:>7}{f.ms:>7.1f}"
            f"{f.moto_ms:>7.1f}   {f.before_items:>13}{f.before_ms:>7.1f}{f.before_moto_ms:>7.1f}")
    long, short = dict.fromkeys(f.workspace for f in figures)
    full = {f.request.rsplit(", ", 1)[1]: f for f in figures
            if f.workspace == short and f.request.startswith("page 1 ")}
    out("")
    for f in (f for f in figures if f.workspace == long):
        base = full[f.request.rsplit(", ", 1)[1]]
        out(f"{long}, {f.request:<21} own time vs page 1 with {short}: "
            f"{f.ms / base.ms:5.2f}x (target <= 2x)")
    out("items: the page (a range of ordinals in the listing index) and the counter row; "
        "live: the live index, the ended rows never read")


def main(out=print):
    out("=" * 92)
    out(f"Lists: GET /v2/clusters with {ENDED:,} ended and {LIVE} live clusters (in-process)")
    out("=" * 92)
    figures = measure(out=out)
    report(figures, out)
    return figures
