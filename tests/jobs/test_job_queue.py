"""One run at a time on a cluster, the others in line (a paused cluster resumed for them);
job-dedicated clusters made for a run and removed after it, whatever the outcome."""
from __future__ import annotations

from chalicelib.clusters import commands as clusters
from chalicelib.jobs import machine as j
from local.moto_ext import ssm_commands
from tests.clusters.orphans import assert_no_orphans
from tests.jobs.test_job_runs import NEVER_IDLE, _submit, _workspace, cluster  # noqa: F401


def _drive(platform, rounds: int, step_seconds: float = 15) -> None:
    """Deliver and tick `rounds` times, the clock moved on, without waiting for quiet."""
    from handlers.tick import tick
    for _ in range(rounds):
        platform.pump.drain()
        platform.clock.advance(step_seconds)
        tick()


def _run(platform, uuid: str) -> dict:
    return platform.request("GET", f"/v1/jobs/{uuid}").json_body


def test_runs_on_one_cluster_take_turns_in_the_order_they_came(platform, cluster):  # noqa: F811
    cluster_uuid, shared = cluster
    ssm_commands.configure(platform.state_dir, read_grace=0.2)
    (shared / "sleep.py").write_text("import time\ntime.sleep(120)\n")
    (shared / "quick.py").write_text("print('quick')\n")
    first = _submit(platform, cluster_uuid, _workspace("/shared"), "sleep.py").json_body
    second = _submit(platform, cluster_uuid, _workspace("/shared"), "quick.py").json_body
    third = _submit(platform, cluster_uuid, _workspace("/shared"), "quick.py").json_body
    _drive(platform, 4)
    assert _run(platform, first["uuid"])["status"] == "RUNNING"
    waiting = _run(platform, second["uuid"])
    assert waiting["status"] == "PENDING"
    assert waiting["reason"].startswith("in queue: 1 run(s) ahead on cluster jobs")
    assert _run(platform, third["uuid"])["reason"].startswith("in queue: 2 run(s) ahead")
    platform.request("DELETE", f"/v1/jobs/{first['uuid']}")
    platform.settle()
    assert _run(platform, first["uuid"])["status"] == "CANCELLED"
    done = [_run(platform, r["uuid"]) for r in (second, third)]
    assert [r["status"] for r in done] == ["SUCCEEDED", "SUCCEEDED"], done
    assert done[0]["startedAt"] <= done[1]["startedAt"]


def test_a_full_line_is_refused(platform, cluster, monkeypatch):  # noqa: F811
    cluster_uuid, shared = cluster
    monkeypatch.setattr(j, "MAX_QUEUE", 2)
    for _ in range(2):
        assert _submit(platform, cluster_uuid, _workspace("/shared"), "x.py").status_code == 200
    reply = _submit(platform, cluster_uuid, _workspace("/shared"), "x.py")
    assert reply.status_code == 409 and "2 job runs in line" in reply.json_body["message"]


def test_a_run_on_a_paused_cluster_resumes_it(platform, cluster):  # noqa: F811
    cluster_uuid, shared = cluster
    (shared / "quick.py").write_text("print('quick')\n")
    assert platform.request("PUT", f"/v1/clusters/{cluster_uuid}/pause").status_code == 200
    platform.settle()
    assert platform.cluster(cluster_uuid)["status"] == "PAUSED"
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "quick.py").json_body
    platform.settle()
    assert _run(platform, run["uuid"])["status"] == "SUCCEEDED"
    state = clusters.get(platform.demo.workspace.uuid, cluster_uuid)
    assert state.status.value == "RUNNING"
    assert any(t.details and t.details[0] == "Resume requested by job run job"
               for t in state.tasks), [t.details[:1] for t in state.tasks]


def test_a_cluster_made_for_a_run_is_removed_after_it_whatever_the_outcome(platform):
    for script in ("print('ok')\n", "raise SystemExit(4)\n"):
        reply = platform.request("POST", "/v1/jobs", {
            "name": "nightly etl", "clusterConfig": {
                "instanceType": "c5.2xlarge", "workersQuantity": 1, "autoPause": 60,
                "_deprecated_fields": {}},
            "jobConfig": {"type": "PYTHON", "source": _workspace("/shared"),
                          "sourceLocation": "main.py"}})
        assert reply.status_code == 200, reply.body
        run = reply.json_body
        made = platform.cluster(run["clusterUUID"])
        assert made["isJobDedicated"] is True and made["name"] == "job-nightly-etl"
        assert made["autoPause"] == 0 and made["autoStop"] == 0
        _drive(platform, 3)   # the cluster comes up; the script goes on its /shared
        shared = platform.shared_folder(clusters.get(
            platform.demo.workspace.uuid, run["clusterUUID"]).network["file_system_id"])
        (shared / "main.py").write_text(script)
        platform.settle()
        assert _run(platform, run["uuid"])["status"] in ("SUCCEEDED", "FAILED")
        assert platform.cluster(run["clusterUUID"])["status"] == "TERMINATED"
    assert_no_orphans(platform)


def test_a_bad_cluster_config_names_its_field_and_makes_nothing(platform):
    reply = platform.request("POST", "/v1/jobs", {
        "clusterConfig": {"workersQuantity": 1},
        "jobConfig": {"source": _workspace("/shared"), "sourceLocation": "main.py"}})
    assert reply.status_code == 400
    assert reply.json_body["field"] == "clusterConfig.instanceType"
    assert platform.request("GET", "/v2/clusters").json_body["metadata"]["total_items"] == 0
    assert platform.request("GET", "/v1/jobs").json_body["metadata"]["total_items"] == 0
