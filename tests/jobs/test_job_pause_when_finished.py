"""`pauseClusterWhenFinished` (the SDK's `pause_cluster_when_finished`, in the job config of a
run, a template or a cron job): once the run ended, whatever its status, its cluster is paused
if nothing else uses it (no other run queued or running on it, no notebook attached), with the
reason in the cluster's task and in the run's; a run that comes later resumes it."""
from __future__ import annotations

import pytest

from chalicelib.clusters import commands as clusters
from chalicelib.jobs import machine as j
from handlers.tick import tick
from tests.jobs.test_job_machine import SPEC
from tests.jobs.test_job_runs import _submit, _workspace, cluster  # noqa: F401

PAUSE = {"pauseClusterWhenFinished": True}


def _run(platform, uuid: str) -> dict:
    return platform.request("GET", f"/v1/jobs/{uuid}").json_body


def _pause_details(platform, cluster_uuid: str) -> list[str]:
    state = clusters.get(platform.demo.workspace.uuid, cluster_uuid)
    return [d for t in state.tasks for d in t.details if d.startswith("Pause ")]


def test_a_queue_of_two_pauses_the_cluster_after_the_second_whatever_it_ended(
        platform, cluster):  # noqa: F811
    cluster_uuid, shared = cluster
    (shared / "ok.py").write_text("print('ok')\n")
    (shared / "fail.py").write_text("raise SystemExit(3)\n")
    first = _submit(platform, cluster_uuid, _workspace("/shared"), "ok.py", **PAUSE).json_body
    second = _submit(platform, cluster_uuid, _workspace("/shared"), "fail.py",
                     pause_cluster_when_finished=True).json_body       # the SDK's own name
    assert first["config"]["pauseClusterWhenFinished"] is True
    assert second["config"]["pauseClusterWhenFinished"] is True
    platform.settle()
    a, b = _run(platform, first["uuid"]), _run(platform, second["uuid"])
    assert (a["status"], b["status"]) == ("SUCCEEDED", "FAILED")
    assert a["clusterPause"] == ("Cluster jobs not paused: 1 other job run(s) queued or "
                                 "running on it"), a
    assert b["clusterPause"] == "Cluster jobs paused: nothing else uses it " \
                                "(pauseClusterWhenFinished)", b
    assert platform.cluster(cluster_uuid)["status"] == "PAUSED"
    assert _pause_details(platform, cluster_uuid) == [
        "Pause requested by job run job (pauseClusterWhenFinished), which ended FAILED"]
    task = platform.request("GET", f"/v1/tasks/{b['taskUUID']}").json_body
    assert task["details"][-1] == b["clusterPause"]
    # A run that comes later resumes it, and without the flag leaves it running.
    third = _submit(platform, cluster_uuid, _workspace("/shared"), "ok.py").json_body
    platform.settle()
    assert _run(platform, third["uuid"])["status"] == "SUCCEEDED"
    assert _run(platform, third["uuid"])["clusterPause"] is None
    assert platform.cluster(cluster_uuid)["status"] == "RUNNING"


def test_a_cancelled_run_pauses_it_too(platform, cluster):  # noqa: F811
    cluster_uuid, shared = cluster
    (shared / "ok.py").write_text("print('ok')\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "ok.py", **PAUSE).json_body
    platform.request("DELETE", f"/v1/jobs/{run['uuid']}")
    platform.settle()
    assert _run(platform, run["uuid"])["status"] == "CANCELLED"
    assert platform.cluster(cluster_uuid)["status"] == "PAUSED"


def test_an_attached_notebook_keeps_the_cluster_running(platform, cluster):  # noqa: F811
    from tests.notebooks import helpers as nb
    cluster_uuid, shared = cluster
    (shared / "ok.py").write_text("print('ok')\n")
    notebook = nb.create(platform, cluster_uuid, name="analysis")
    nb.until(platform, notebook["uuid"], "READY")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "ok.py", **PAUSE).json_body
    for _ in range(40):         # a READY notebook always has a step due: no settle()
        platform.pump.drain()
        if _run(platform, run["uuid"])["clusterPause"]:
            break
        platform.clock.advance(15)
        tick()
    got = _run(platform, run["uuid"])
    assert got["status"] == "SUCCEEDED"
    assert got["clusterPause"] == "Cluster jobs not paused: notebook(s) analysis attached"
    assert platform.cluster(cluster_uuid)["status"] == "RUNNING"
    assert _pause_details(platform, cluster_uuid) == []


def test_a_template_or_a_cron_job_may_ask_for_it(platform, cluster):  # noqa: F811
    cluster_uuid, shared = cluster
    (shared / "ok.py").write_text("print('ok')\n")
    config = {"type": "PYTHON", "sourceLocation": "ok.py", "source": _workspace("/shared")}
    plain = platform.request("POST", "/v1/job-templates",
                             {"name": "plain", "config": config}).json_body
    pausing = platform.request("POST", "/v1/job-templates",
                               {"name": "pausing", "config": {**config, **PAUSE}}).json_body
    assert pausing["config"]["pauseClusterWhenFinished"] is True
    assert plain["config"]["pauseClusterWhenFinished"] is False
    run = platform.request("POST", "/v1/jobs", {"jobTemplateUUID": pausing["uuid"],
                                                "clusterUUID": cluster_uuid,
                                                "jobConfig": {"storeResult": False}}).json_body
    platform.settle()
    assert _run(platform, run["uuid"])["status"] == "SUCCEEDED"
    assert platform.cluster(cluster_uuid)["status"] == "PAUSED"

    # A cron job's flag (in its jobConfig, where the SDK would put it) over a plain template.
    cron = platform.request("POST", "/v1/cron-jobs", {
        "name": "yearly", "schedule": "0 6 1 1 *", "timezone": "Etc/GMT",
        "jobTemplateUUID": plain["uuid"], "clusterUUID": cluster_uuid, "maxConcurrentRuns": 1,
        "jobConfig": {"storeResult": False, "pause_cluster_when_finished": True,
                      "_modified_fields": []}}).json_body
    assert cron["pauseClusterWhenFinished"] is True
    now = platform.request("POST", f"/v1/cron-jobs/{cron['uuid']}/run").json_body
    assert now["config"]["pauseClusterWhenFinished"] is True
    platform.settle()
    assert _run(platform, now["uuid"])["status"] == "SUCCEEDED"
    assert platform.cluster(cluster_uuid)["status"] == "PAUSED"
    assert len(_pause_details(platform, cluster_uuid)) == 2


@pytest.mark.parametrize("path, body, field", [
    ("/v1/jobs", {"jobConfig": {"pauseClusterWhenFinished": "yes"}},
     "jobConfig.pauseClusterWhenFinished"),
    ("/v1/job-templates", {"config": {"pause_cluster_when_finished": 1}},
     "config.pauseClusterWhenFinished"),
])
def test_a_flag_that_is_not_a_boolean_is_refused_naming_it(platform, cluster, path, body,
                                                          field):  # noqa: F811
    cluster_uuid, _ = cluster
    config = {"type": "PYTHON", "sourceLocation": "ok.py", "source": _workspace("/shared")}
    key = next(iter(body))
    full = {"name": "x", "clusterUUID": cluster_uuid, key: {**config, **body[key]}}
    reply = platform.request("POST", path, full)
    assert reply.status_code == 400 and reply.json_body["field"] == field, reply.body


def test_a_cron_job_with_a_flag_that_is_not_a_boolean_is_refused(platform, cluster):  # noqa: F811
    cluster_uuid, _ = cluster
    t = platform.request("POST", "/v1/job-templates", {"name": "t", "config": {
        "sourceLocation": "ok.py", "source": _workspace("/shared")}}).json_body
    reply = platform.request("POST", "/v1/cron-jobs", {
        "name": "c", "schedule": "@daily", "jobTemplateUUID": t["uuid"],
        "clusterUUID": cluster_uuid, "jobConfig": {"pauseClusterWhenFinished": "true"}})
    assert reply.status_code == 400
    assert reply.json_body["field"] == "jobConfig.pauseClusterWhenFinished"


def test_a_cluster_made_for_the_run_is_removed_not_paused():
    from dataclasses import replace
    spec = replace(SPEC, dedicated=True, pause_cluster_when_finished=True)
    s = j.evolve(None, j.decide_submit("r1", "w", "o", spec, "t1", 0)[0])
    s = j.evolve(s, j.CancelRequested("u", 1))
    assert j.next_step(s) == j.Step.REMOVE_CLUSTER
    shared = replace(SPEC, pause_cluster_when_finished=True)
    s = j.evolve(j.evolve(None, j.decide_submit("r2", "w", "o", shared, "t1", 0)[0]),
                 j.CancelRequested("u", 1))
    assert j.next_step(s) == j.Step.PAUSE_CLUSTER
    s = j.evolve(s, j.ClusterPauseDecided(True, "paused", 2))
    assert j.next_step(s) is None and s.cluster_pause == "paused"
