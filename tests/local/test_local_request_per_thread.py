"""Requests handled at once in one process (make run's threaded server, the tests' parallel
requests) each see their own request: a create is never read with another one's body."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def test_parallel_requests_each_read_their_own_body(platform):
    names = [f"parallel-{i}" for i in range(24)]

    def create(name: str):
        return platform.request("POST", "/v1/clusters", {
            "name": name, "instanceType": "c5.2xlarge", "workersQuantity": 1})

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(create, names))
    assert [r.status_code for r in replies] == [200] * len(names), [
        r.body for r in replies if r.status_code != 200]
    assert [r.json_body["name"] for r in replies] == names
