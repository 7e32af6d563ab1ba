"""`corral jobs ...`, `corral notebooks open`, `corral usage` against the in-process platform:
a real script run by the emulated nodes, its logs streamed through the presigned URLs."""
from __future__ import annotations

import pytest

from chalicelib.clusters import commands as clusters
from tests.notebooks import helpers as nb
from tests.usage.test_sweep import day_at, move_to, running_cluster, tick

SCRIPT = ("import os, sys\nif os.environ['PMI_RANK'] == '0':\n"
          "    print('hello', *sys.argv[1:], flush=True)\n"
          "    print('careful', file=sys.stderr, flush=True)\n"
          "    sys.exit(int(os.environ.get('EXIT', '0')))\n")


@pytest.fixture
def cluster(platform):
    created = platform.create_cluster(name="jobs", workersQuantity=1, autoStop=0, autoPause=0)
    platform.settle()
    state = clusters.get(platform.demo.workspace.uuid, created["uuid"])
    assert state.status.value == "RUNNING", state.failure
    shared = platform.shared_folder(state.network["file_system_id"])
    (shared / "app").mkdir()
    (shared / "app" / "main.py").write_text(SCRIPT)
    (shared / "app" / "fails.py").write_text(SCRIPT.replace("'0'))", "'3'))"))
    return created["uuid"]


def test_submit_follow_streams_the_logs_and_exits_0(corral, cluster):
    ran = corral("jobs", "submit", "--cluster", cluster, "--source-path", "/shared/app/main.py",
                 "--args", "big world", "--follow")
    assert ran.code == 0, ran.stderr
    assert ran.stdout == "hello big world\n"
    assert "careful\n" in ran.stderr and ": SUCCEEDED" in ran.stderr
    run_uuid = ran.stderr.split("Submitted job run ")[1].split()[0]

    logs = corral("jobs", "logs", run_uuid)
    assert logs.code == 0 and logs.stdout == "hello big world\n" and logs.stderr == "careful\n"
    as_json = corral("-o", "json", "jobs", "logs", run_uuid)
    assert as_json.json() == {"stdout": "hello big world\n", "stderr": "careful\n"}
    got = corral("jobs", "get", run_uuid, "-o", "json")
    assert got.json()["status"] == "SUCCEEDED" and got.json()["clusterUUID"] == cluster
    listed = corral("-o", "json", "jobs", "list", "--cluster", cluster)
    assert [j["uuid"] for j in listed.json()] == [run_uuid]
    assert "main.py" in corral("jobs", "list").stdout


def test_a_failing_job_exits_4_and_json_carries_run_and_logs(corral, cluster):
    ran = corral("-o", "json", "jobs", "submit", "--cluster", cluster,
                 "--source-path", "/shared/app/fails.py", "--follow")
    assert ran.code == 4
    doc = ran.json()                       # one document: the run and its logs
    assert doc["job"]["status"] == "FAILED" and doc["stdout"] == "hello\n"
    assert doc["stderr"] == "careful\n" and "ended FAILED" in ran.stderr


def test_following_past_the_timeout_exits_5_and_the_run_goes_on(corral, cluster):
    ticks, polls = iter(range(0, 10_000, 100)), []
    ran = corral("jobs", "submit", "--cluster", cluster, "--source-path", "/shared/app/main.py",
                 "--follow", "--timeout", "150", now=lambda: next(ticks), sleep=polls.append)
    assert ran.code == 5 and "is still PENDING after 150s; it goes on" in ran.stderr, ran.stderr
    assert polls == [2.0]
    corral.platform.settle()
    run_uuid = ran.stderr.split("Submitted job run ")[1].split()[0]
    assert corral("-o", "json", "jobs", "get", run_uuid).json()["status"] == "SUCCEEDED"


def test_submit_without_follow_and_its_refusals(corral, cluster):
    ran = corral("-o", "json", "jobs", "submit", "--cluster", cluster,
                 "--source-path", "/shared/app/main.py")
    assert ran.code == 0 and ran.json()["status"] == "PENDING"
    assert ran.json()["config"]["source"] == {"type": "WORKSPACE",
                                              "sourceDef": {"type": "WORKSPACE",
                                                            "path": "/shared/app"}}
    # not started yet: no logs
    early = corral("jobs", "logs", ran.json()["uuid"])
    assert early.code == 1 and "has not started" in early.stderr
    relative = corral("jobs", "submit", "--cluster", cluster, "--source-path", "app/main.py")
    assert relative.code == 2 and "--source-path" in relative.stderr
    unknown = corral("jobs", "submit", "--cluster", "00000000-0000-4000-8000-000000000000",
                     "--source-path", "/shared/app/main.py")
    assert unknown.code == 1 and "HTTP 404" in unknown.stderr
    outside = corral("jobs", "submit", "--cluster", cluster, "--source-path", "/etc/x.py")
    assert outside.code == 1 and "HTTP 400" in outside.stderr
    assert corral("jobs", "get", "nope").code == 1


def test_notebooks_open_prints_the_url_once_ready(corral, platform):
    c = nb.running_cluster(platform, autoStop=0, autoPause=0)
    created = nb.create(platform, c["uuid"])
    early = corral("notebooks", "open", created["uuid"])
    assert early.code == 1 and "opens once READY" in early.stderr
    ready = nb.until(platform, created["uuid"], ("READY", "FAILED"))
    assert ready["status"] == "READY"
    ran = corral("notebooks", "open", created["uuid"])
    assert ran.code == 0 and ran.stdout == ready["openUrl"] + "\n"
    doc = corral("notebooks", "open", created["uuid"], "-o", "json").json()
    assert doc == {"uuid": created["uuid"], "openUrl": ready["openUrl"]}
    assert corral("notebooks", "open", "00000000-0000-4000-8000-000000000000").code == 1


def test_usage_table_json_and_bad_dates(corral, platform):
    move_to(platform, day_at("10:00:00"))
    uuid = running_cluster(platform)                       # 2 x c5.2xlarge
    move_to(platform, day_at("11:30:00"))
    tick(platform)
    from datetime import datetime, timezone
    d = datetime.fromtimestamp(day_at("00:00:00"), tz=timezone.utc).date().isoformat()
    doc = corral("-o", "json", "usage", "--from", d, "--to", d).json()
    assert doc["groupBy"] == "cluster" and doc["data"][0]["cluster"] == uuid
    assert doc["data"][0]["instanceMinutes"] == 2 * 90
    text = corral("usage", "--from", d, "--to", d, "--group-by", "instanceType")
    assert text.code == 0 and f"Usage from {d} to {d} by instanceType" in text.stdout
    assert "c5.2xlarge" in text.stdout and "180" in text.stdout
    assert corral("usage", "--from", "yesterday").code == 2
    assert corral("usage", "--group-by", "planet").code == 2
    backwards = corral("usage", "--from", d, "--to", "2020-01-01")
    assert backwards.code == 1 and "to: must not be before from" in backwards.stderr
