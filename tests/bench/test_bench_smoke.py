"""The benchmarks still run (at a tiny size): `make bench` is not part of `make test`, so this is
what notices when a change breaks them. Figures are printed by the benchmarks, never asserted
here, and timings least of all."""
from __future__ import annotations

from bench import api_calls, imports, lists, platform_start, readiness, tick


def test_api_calls_benchmark_runs():
    result = api_calls.measure()
    lines: list[str] = []
    api_calls.report(result, out=lines.append)
    for lifecycle in (result.first, result.second):
        ops = lifecycle.ops()
        assert ops[("EC2", "CreateFleet")] == 1
        assert ops[("EC2", "TerminateInstances")] == 1
        assert lifecycle.delivery()[("SQS", "ReceiveMessage")] >= 1
    # The organization's network is made by its workspace (READY before any cluster): the
    # clusters only find it.
    assert result.first.ops()[("EC2", "CreateVpc")] == 0
    assert result.second.ops()[("EC2", "CreateVpc")] == 0
    assert result.poll, "the not-ready readiness poll was not seen"
    text = "\n".join(lines)
    assert "TOTAL" in text and "actual / minimum" in text


def test_tick_benchmark_runs():
    rows, scans, skipped = tick.measure(sizes=(10, 20), runs=1)
    assert [r.clusters for r in rows] == [10, 20] and not skipped
    for r in rows:
        assert r.dynamodb_calls >= 1
    # The first tick re-drives the overdue ones and moves their due_at on by a lease: the next
    # one does not send them again.
    assert rows[0].redriven == tick.OVERDUE and rows[0].sqs_calls >= 1
    assert rows[1].redriven == 0
    assert scans and scans[-1].items >= 20
    lines: list[str] = []
    tick.report(rows, scans, skipped, out=lines.append)
    assert any("RUNNING" in line for line in lines)


def test_lists_benchmark_runs():
    figures = lists.measure(ended=30, live=5, runs=1)
    # Every page read both ways gave the same clusters (measure checks), and the whole list's
    # pages read one page of items.
    assert all(f.items <= lists.SIZE + 1 for f in figures if f.request.endswith("all"))
    lines: list[str] = []
    lists.report(figures, out=lines.append)
    assert any("target <= 2x" in line for line in lines)


def test_imports_benchmark_runs():
    results = imports.measure(runs=1)
    assert len(results) == 3
    for times in results.values():
        assert set(times) == set(imports.STATEMENTS) and all(len(t) == 1 for t in times.values())
    lines: list[str] = []
    imports.report(results, out=lines.append)
    text = "\n".join(lines)
    assert "import app" in text and "target at most 1.5x" in text


def test_readiness_benchmark_runs():
    now = readiness.measure(boot=60, step=15)
    assert now.status == "RUNNING" and now.looks
    lines: list[str] = []
    readiness.report(now, None, out=lines.append)
    text = "\n".join(lines)
    assert "looks now" in text and "target at most 4" in text


def test_platform_start_benchmark_runs():
    lines: list[str] = []
    figures = platform_start.main(out=lines.append)
    assert set(figures) == {"fresh", "first", "restored", "restore_peak_mb"}
    assert all(v > 0 for v in figures.values())
    assert any("restored from the snapshot" in line for line in lines)
