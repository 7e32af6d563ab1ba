"""Clusters made for a run (`clusterConfig`): checked at submission, created by the run's own
step under a uuid made from the run's, removed when the run ends whatever the outcome; and
whatever crashes or races in between, a run has at most that one cluster, and it goes."""
from __future__ import annotations

import pytest

from chalicelib.clusters import commands as clusters
from chalicelib.engine import driver
from chalicelib.jobs import commands as jobs
from chalicelib.jobs import machine as j
from chalicelib.jobs import steps
from chalicelib.kernel.state import load
from chalicelib.store import aggregates
from chalicelib.workspaces import commands as workspaces
from handlers.tick import tick
from tests import faults
from tests.clusters.orphans import assert_no_orphans
from tests.jobs.test_job_runs import _workspace

CLUSTER_CONFIG = {"instanceType": "c5.2xlarge", "workersQuantity": 1, "autoPause": 60,
                  "_deprecated_fields": {}}


def _submit(platform, name: str = "nightly etl", file: str = "main.py"):
    return platform.request("POST", "/v1/jobs", {
        "name": name, "clusterConfig": dict(CLUSTER_CONFIG),
        "jobConfig": {"type": "PYTHON", "source": _workspace("/shared"),
                      "sourceLocation": file}})


def _shared(platform):
    """The organization's /shared (every cluster of the workspace mounts it)."""
    ws = platform.demo.workspace
    network = workspaces.get(ws.organization_uuid, ws.uuid).network
    shared = platform.shared_folder(network["file_system_id"])
    shared.mkdir(parents=True, exist_ok=True)     # made when a node first mounts it
    return shared


def _run(platform, uuid: str) -> dict:
    return platform.request("GET", f"/v1/jobs/{uuid}").json_body


def _all_clusters(platform) -> list[dict]:
    reply = platform.request("GET", "/v2/clusters?size=100").json_body
    assert reply["metadata"]["total_items"] == len(reply["data"])
    return reply["data"]


def _crash_once_after(monkeypatch, module, name: str) -> dict:
    """`module.name` runs, then the worker dies (once): what it made stays, unsaid."""
    real, seen = getattr(module, name), {"crashed": 0}

    def crashing(*args, **kwargs):
        result = real(*args, **kwargs)
        if not seen["crashed"]:
            seen["crashed"] += 1
            raise faults.Crash(f"worker died after {name}")
        return result

    monkeypatch.setattr(module, name, crashing)
    return seen


def _settle_through_crashes(platform, rounds: int = 6) -> int:
    """Settle; each time a worker dies, its claim expires and the tick re-drives the step."""
    for crashes in range(rounds):
        try:
            platform.settle()
            return crashes
        except faults.Crash:
            platform.clock.advance(300)
            tick()
    raise AssertionError("still crashing")


def test_a_cluster_made_for_a_run_is_removed_after_it_whatever_the_outcome(platform):
    for script in ("print('ok')\n", "raise SystemExit(4)\n"):
        (_shared(platform) / "main.py").write_text(script)
        reply = _submit(platform)
        assert reply.status_code == 200, reply.body
        run = reply.json_body
        assert run["status"] == "PENDING" and run["reason"] == "creating its cluster"
        assert run["clusterUUID"] == clusters.job_cluster_uuid(run["uuid"])
        platform.pump.drain()                      # the run's step creates it
        made = platform.cluster(run["clusterUUID"])
        assert made["isJobDedicated"] is True and made["name"] == "job-nightly-etl"
        assert made["autoPause"] == 0 and made["autoStop"] == 0
        platform.settle()
        assert _run(platform, run["uuid"])["status"] in ("SUCCEEDED", "FAILED")
        assert platform.cluster(run["clusterUUID"])["status"] == "TERMINATED"
    assert len(_all_clusters(platform)) == 2
    assert_no_orphans(platform)


def test_a_bad_cluster_config_names_its_field_and_makes_nothing(platform):
    reply = platform.request("POST", "/v1/jobs", {
        "clusterConfig": {"workersQuantity": 1},
        "jobConfig": {"source": _workspace("/shared"), "sourceLocation": "main.py"}})
    assert reply.status_code == 400
    assert reply.json_body["field"] == "clusterConfig.instanceType"
    assert platform.request("GET", "/v2/clusters").json_body["metadata"]["total_items"] == 0
    assert platform.request("GET", "/v1/jobs").json_body["metadata"]["total_items"] == 0


def test_a_crash_right_after_the_cluster_is_created_leaves_that_one_cluster(platform, monkeypatch):
    (_shared(platform) / "main.py").write_text("print('ok')\n")
    seen = _crash_once_after(monkeypatch, clusters, "create")
    run = _submit(platform).json_body
    assert _settle_through_crashes(platform) == 1 and seen["crashed"] == 1
    got = _run(platform, run["uuid"])
    assert got["status"] == "SUCCEEDED", got
    [only] = _all_clusters(platform)
    assert only["uuid"] == run["clusterUUID"] and only["status"] == "TERMINATED"
    assert_no_orphans(platform)


def test_a_cron_firing_and_the_clusters_creation_both_cut_short_make_one_cluster(
        platform, monkeypatch):
    """The cron job's FIRE dies after writing its run, then the run's step dies after
    creating the cluster: the retries find both made; one run, one cluster, removed."""
    from chalicelib.cron_jobs import machine as cron
    (_shared(platform) / "main.py").write_text("print('ok')\n")
    template = platform.request("POST", "/v1/job-templates", {
        "name": "etl", "clusterConfig": dict(CLUSTER_CONFIG),
        "config": {"type": "PYTHON", "sourceLocation": "main.py",
                   "source": _workspace("/shared")}}).json_body
    cron_job = platform.request("POST", "/v1/cron-jobs", {
        "name": "yearly", "schedule": "0 6 1 1 *", "timezone": "Etc/GMT",
        "jobTemplateUUID": template["uuid"], "maxConcurrentRuns": 1}).json_body
    fired = _crash_once_after(monkeypatch, jobs, "submit")
    created = _crash_once_after(monkeypatch, clusters, "create")
    state = load(cron.CronJob, aggregates.get(cron.KIND, platform.demo.workspace.uuid,
                                              cron_job["uuid"]).state)
    platform.clock.t = state.next_at + 5
    tick()
    assert _settle_through_crashes(platform) == 2
    assert fired["crashed"] == created["crashed"] == 1
    runs = platform.request("GET", f"/v1/jobs?cronJobUUID={cron_job['uuid']}").json_body["data"]
    assert [r["uuid"] for r in runs] == [cron.run_uuid(cron_job["uuid"], state.next_at)]
    assert runs[0]["status"] == "SUCCEEDED", runs
    [only] = _all_clusters(platform)
    assert only["uuid"] == runs[0]["clusterUUID"] and only["status"] == "TERMINATED"
    assert_no_orphans(platform)


def _pending_run(platform) -> tuple[dict, aggregates.Row, j.JobRun]:
    """A run submitted, its CREATE_CLUSTER step not yet run: (reply, its row, its state)."""
    run = _submit(platform).json_body
    row = aggregates.get(j.KIND, platform.demo.workspace.uuid, run["uuid"])
    state = load(j.JobRun, row.state)
    assert j.next_step(state) == j.Step.CREATE_CLUSTER
    return run, row, state


def test_a_creation_that_commits_after_the_run_was_cancelled_still_has_its_cluster_removed(
        platform):
    run, row, before = _pending_run(platform)
    ws = platform.demo.workspace.uuid
    assert platform.request("DELETE", f"/v1/jobs/{run['uuid']}").json_body["status"] == \
        "CANCELLED"
    platform.settle()              # its removal found no cluster (after a lease): done
    assert load(j.JobRun, aggregates.get(j.KIND, ws, run["uuid"]).state).cluster_removed
    # The step a worker began before the cancel ends now: it made the cluster and says so.
    outcome = steps.run(j.Step.CREATE_CLUSTER, before)
    assert driver.commit(j.KIND, ws, run["uuid"], row.version, before, outcome) is not None
    after = load(j.JobRun, aggregates.get(j.KIND, ws, run["uuid"]).state)
    assert after.status == j.S.CANCELLED and j.next_step(after) == j.Step.REMOVE_CLUSTER
    platform.settle()
    [only] = _all_clusters(platform)
    assert only["uuid"] == run["clusterUUID"] and only["status"] == "TERMINATED"
    assert_no_orphans(platform)


def test_a_creation_that_crashed_unsaid_while_the_run_was_cancelled_is_found_and_removed(
        platform):
    run, _row, before = _pending_run(platform)
    platform.request("DELETE", f"/v1/jobs/{run['uuid']}")
    platform.pump.drain()          # the removal finds no cluster yet: it looks again later
    ws = platform.demo.workspace.uuid
    assert not load(j.JobRun, aggregates.get(j.KIND, ws, run["uuid"]).state).cluster_removed
    with pytest.raises(faults.Crash):   # the step begun before the cancel: made, then died
        steps.run(j.Step.CREATE_CLUSTER, before)
        raise faults.Crash("worker died before saying so")
    platform.settle()
    [only] = _all_clusters(platform)
    assert only["uuid"] == run["clusterUUID"] and only["status"] == "TERMINATED"
    assert_no_orphans(platform)


def test_a_run_whose_workspace_no_longer_accepts_clusters_fails_saying_so(platform):
    run = _submit(platform).json_body
    ws = platform.demo.workspace
    assert platform.request("DELETE", f"/v1/workspaces/{ws.uuid}",
                            headers=platform.headers(platform.demo.org_client_id,
                                                     platform.demo.org_secret)
                            ).status_code == 200
    platform.pump.drain()          # (the workspace's key went with it: read underneath)
    got = jobs.get(ws.uuid, run["uuid"])
    assert got.status == j.S.FAILED, got
    assert got.reason.startswith("its cluster could not be created: Workspace demo is "), got
    assert aggregates.counts(clusters.KIND, ws.uuid).seq == 0
