"""One run at a time on a cluster, the others in line (a paused cluster resumed for them).
Clusters made for a run: tests/jobs/test_job_dedicated.py."""
from __future__ import annotations

from datetime import datetime

from chalicelib.clusters import commands as clusters
from chalicelib.jobs import machine as j
from local.moto_ext import ssm_commands
from tests.jobs.test_job_runs import _submit, _workspace, cluster  # noqa: F401


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


def test_the_next_run_in_line_starts_as_soon_as_the_lane_is_free(platform, cluster):  # noqa: F811
    """Woken when the run before it lets the cluster go, not at its next look (30 s on)."""
    cluster_uuid, shared = cluster
    (shared / "quick.py").write_text("print('quick')\n")
    first = _submit(platform, cluster_uuid, _workspace("/shared"), "quick.py").json_body
    second = _submit(platform, cluster_uuid, _workspace("/shared"), "quick.py").json_body
    _drive(platform, 8, step_seconds=5)
    done = [_run(platform, r["uuid"]) for r in (first, second)]
    assert [r["status"] for r in done] == ["SUCCEEDED", "SUCCEEDED"], done
    ended = datetime.fromisoformat(done[0]["finishedAt"].replace("Z", "+00:00"))
    began = datetime.fromisoformat(done[1]["startedAt"].replace("Z", "+00:00"))
    assert 0 <= (began - ended).total_seconds() < 5, (done[0]["finishedAt"], done[1]["startedAt"])
