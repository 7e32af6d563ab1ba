"""A job template's `jobRuns` (BODOSDK.md §4 T): its latest runs, each in the SDK's JobRun
shape with its status, read with one Query of the runs filed under the template (never a Scan,
never the workspace's other runs), in GET, the list and after a PATCH."""
from __future__ import annotations

import botocore.client

from chalicelib.job_templates import commands
from tests.job_templates.test_job_templates import NEVER_IDLE, _create


class DynamoReads:
    """The DynamoDB operations made inside the block, and the items Queries scanned."""

    def __init__(self, monkeypatch):
        self.operations: list[str] = []
        self.scanned = 0
        original = botocore.client.BaseClient._make_api_call

        def counting(client, operation, params):
            reply = original(client, operation, params)
            if client.meta.service_model.service_name == "dynamodb":
                self.operations.append(operation)
                self.scanned += reply.get("ScannedCount", 0)
            return reply

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)


def _run(platform, template: str | None, cluster: str, name: str) -> dict:
    body = {"name": name, "clusterUUID": cluster, "jobConfig": {"storeResult": False}}
    if template:
        body["jobTemplateUUID"] = template
    else:
        body["jobConfig"] = {"type": "PYTHON", "sourceLocation": "main.py",
                             "source": {"type": "WORKSPACE", "sourceDef": {"path": "/shared"}}}
    reply = platform.request("POST", "/v1/jobs", body)
    assert reply.status_code == 200, reply.body
    return reply.json_body


def test_a_templates_latest_runs_with_their_statuses_from_one_query(platform, monkeypatch):
    # A cluster still on its way: the runs wait for it (PENDING) and one is cancelled.
    cluster = platform.create_cluster(name="c", workersQuantity=1, **NEVER_IDLE)["uuid"]
    t, other = _create(platform)["uuid"], _create(platform, name="other")["uuid"]
    assert platform.request("GET", f"/v1/job-templates/{t}").json_body["jobRuns"] == []
    mine = []
    for i in range(5):
        mine.append(_run(platform, t, cluster, f"mine-{i}")["uuid"])
        _run(platform, other, cluster, f"other-{i}")
        _run(platform, None, cluster, f"plain-{i}")
    platform.request("DELETE", f"/v1/jobs/{mine[-1]}")
    monkeypatch.setattr(commands, "SHOWN_RUNS", 3)

    reads = DynamoReads(monkeypatch)
    got = platform.request("GET", f"/v1/job-templates/{t}").json_body
    assert "Scan" not in reads.operations
    assert reads.scanned == 3          # the template's three latest, nothing else read
    runs = got["jobRuns"]
    assert [r["uuid"] for r in runs] == mine[-3:]
    assert [r["name"] for r in runs] == ["mine-2", "mine-3", "mine-4"]
    assert [r["status"] for r in runs] == ["PENDING", "PENDING", "CANCELLED"]
    assert all(r["jobTemplateUUID"] == t and r["clusterUUID"] == cluster and
               r["type"] == "BATCH" and "config" not in r for r in runs)

    listed = {x["uuid"]: x for x in platform.request(
        "GET", "/v1/job-templates").json_body["data"]}
    assert [r["uuid"] for r in listed[t]["jobRuns"]] == mine[-3:]
    assert len(listed[other]["jobRuns"]) == 3 and \
        {r["jobTemplateUUID"] for r in listed[other]["jobRuns"]} == {other}
    patched = platform.request("PATCH", f"/v1/job-templates/{t}",
                               {"description": "changed"}).json_body
    assert [r["uuid"] for r in patched["jobRuns"]] == mine[-3:]
    by_filter = platform.request("GET", f"/v1/jobs?jobTemplateUUID={t}").json_body
    assert by_filter["metadata"]["total_items"] == 5    # every run, beyond the latest three

