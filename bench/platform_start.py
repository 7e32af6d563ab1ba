"""Benchmark: how long a test platform takes to start, seeded for real versus restored from
the snapshot the first platform of a process keeps (local/snapshot.py). Most of the suite's
tests start one: this is what took the suite from over 14 minutes to under 4 on two cores.

Prints both side by side, with the memory the kept snapshot holds (tracemalloc's peak while
one restored platform starts is not the snapshot's: the deep copy it restores is)."""
from __future__ import annotations

import os
import statistics
import time
import tracemalloc

RESTORES = 5


def _start_stop() -> float:
    from local.harness import Platform
    t = time.perf_counter()
    with Platform():
        pass
    return time.perf_counter() - t


def measure() -> dict:
    first = _start_stop()   # seeds for real and keeps the snapshot (if none was kept yet)
    restored = [_start_stop() for _ in range(RESTORES)]
    os.environ["CORRAL_FRESH_PLATFORM"] = "1"
    try:
        fresh = [_start_stop() for _ in range(2)]
    finally:
        del os.environ["CORRAL_FRESH_PLATFORM"]
    tracemalloc.start()     # one more restore, traced (tracing slows it: timed apart)
    _start_stop()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"fresh": statistics.median(fresh), "first": first,
            "restored": statistics.median(restored), "restore_peak_mb": peak / 2**20}


def main(out=print) -> dict:
    out("=" * 92)
    out("Platform start (local/harness.Platform, in-process): seeded for real vs restored")
    out("=" * 92)
    f = measure()
    out(f"  seeded for real (CORRAL_FRESH_PLATFORM=1), median of 2 : {f['fresh'] * 1000:8.0f} ms")
    out(f"  first of the process (seeds, keeps the snapshot)      : {f['first'] * 1000:8.0f} ms")
    out(f"  restored from the snapshot, median of {RESTORES}            : "
        f"{f['restored'] * 1000:8.0f} ms  ({f['fresh'] / f['restored']:.1f}x faster)")
    out(f"  Python memory allocated by one restore (peak)         : "
        f"{f['restore_peak_mb']:8.1f} MiB")
    return f
