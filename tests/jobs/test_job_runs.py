"""Job runs on a RUNNING cluster of the emulated customer account, for real: the script runs
under the mpich wheel's `mpiexec` on the local nodes through SSM Run Command, its output is
written by SSM to the organization's bucket and read back through the presigned URLs the
logs route answers."""
from __future__ import annotations

import subprocess
import textwrap
import uuid as uuidlib
from urllib.parse import urlsplit

import pytest

from chalicelib.clusters import commands as clusters
from local.moto_ext import ssm_commands

# One write per line (ranks write at once: mpiexec forwards what each wrote as it came).
RANKS = textwrap.dedent("""\
    import os, sys
    os.write(1, (f"rank {os.environ['PMI_RANK']} of {os.environ['PMI_SIZE']} "
                 f"argv={sys.argv[1:]!r} greeting={os.environ.get('GREETING')!r}\\n").encode())
    """)
NEVER_IDLE = {"autoStop": 0, "autoPause": 0}


@pytest.fixture
def cluster(platform):
    """A RUNNING cluster of 2 x c5.2xlarge (8 MPI cores) and its /shared folder."""
    created = platform.create_cluster(name="jobs", workersQuantity=2, **NEVER_IDLE)
    platform.settle()
    state = clusters.get(platform.demo.workspace.uuid, created["uuid"])
    assert state.status.value == "RUNNING", state.failure
    return created["uuid"], platform.shared_folder(state.network["file_system_id"])


def _submit(platform, cluster_uuid: str, source: dict, file: str, **config):
    body = {"type": "BATCH", "numRetriesUsed": 0, "tag": [], "isDDL": False, "name": "job",
            "clusterUUID": cluster_uuid, "_deprecated_fields": {},
            "jobConfig": {"type": "PYTHON", "source": source, "sourceLocation": file,
                          "_deprecated_methods": {}, **config}}
    return platform.request("POST", "/v1/jobs", body)


def _workspace(path: str) -> dict:
    return {"type": "WORKSPACE", "sourceDef": {"path": path}}


def _logs(platform, run: dict) -> dict[str, str]:
    """stdout and stderr, fetched as the SDK does: the presigned URLs answered by the route."""
    reply = platform.request("GET", f"/v1/jobs/{run['uuid']}/logs")
    assert reply.status_code == 200, reply.body
    s3 = platform.customer("s3")
    out = {}
    for name in ("stdout", "stderr"):
        url = urlsplit(reply.json_body[f"{name}Url"])
        assert "Signature" in url.query or "X-Amz-Signature" in url.query
        bucket, key = url.hostname.split(".")[0], url.path.lstrip("/")
        out[name] = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert reply.json_body["expirationDate"]
    return out


def test_a_job_from_shared_prints_every_rank_with_its_args_and_env(platform, cluster):
    cluster_uuid, shared = cluster
    (shared / "app").mkdir()
    (shared / "app" / "ranks.py").write_text(RANKS)
    reply = _submit(platform, cluster_uuid, _workspace("/shared/app"), "ranks.py",
                    args="1 --name 'two words'", envVars={"GREETING": "hello there"})
    assert reply.status_code == 200, reply.body
    run = reply.json_body
    assert run["status"] == "PENDING" and run["config"]["source"]["type"] == "WORKSPACE"
    assert run["cluster_id"] == cluster_uuid and run["clusterUUID"] == cluster_uuid
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "SUCCEEDED", got
    assert got["reason"] == "exit code 0" and got["exitCode"] == 0
    stdout = _logs(platform, run)["stdout"].splitlines()
    assert len(stdout) == 8, stdout
    assert sorted(line.split()[1] for line in stdout) == sorted(str(i) for i in range(8))
    assert all("argv=['1', '--name', 'two words'] greeting='hello there'" in line
               for line in stdout)
    task = platform.request("GET", f"/v1/tasks/{got['taskUUID']}").json_body
    assert task["status"] == "FINISHED"
    assert any("mpiexec -n 8 python ranks.py" in d for d in task["details"]), task
    listed = platform.request("GET", "/v1/jobs").json_body
    assert [r["uuid"] for r in listed["data"]] == [run["uuid"]]
    assert listed["metadata"]["total_items"] == 1


@pytest.mark.parametrize("args, expected", [
    ("'1; rm -rf /'", ["1; rm -rf /"]),
    ("1; rm -rf /", ["1;", "rm", "-rf", "/"]),
    ("'$(touch pwned)'", ["$(touch pwned)"]),
    ("`touch pwned`", ["`touch", "pwned`"]),
    ("\"double 'quoted'\" $HOME", ["double 'quoted'", "$HOME"]),
])
def test_arguments_arrive_literally_and_nothing_is_evaluated(platform, cluster, args, expected):
    cluster_uuid, shared = cluster
    (shared / "argv.py").write_text(
        "import os, sys\nif os.environ['PMI_RANK'] == '0':\n    print(repr(sys.argv[1:]))\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "argv.py", args=args).json_body
    platform.settle()
    assert platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "SUCCEEDED"
    assert _logs(platform, run)["stdout"].strip() == repr(expected)
    assert not list(shared.rglob("pwned")) and not list(shared.parent.rglob("pwned"))


def test_a_failing_script_fails_with_its_exit_code_and_stderr(platform, cluster):
    cluster_uuid, shared = cluster
    (shared / "fail.py").write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "fail.py").json_body
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "FAILED" and got["exitCode"] == 3, got
    assert got["reason"] == "non-zero exit code 3"
    assert "boom" in _logs(platform, run)["stderr"]
    task = platform.request("GET", f"/v1/tasks/{got['taskUUID']}").json_body
    assert task["status"] == "FAILED" and "non-zero exit code 3" in task["details"][-1]


def _long_run(platform, cluster, **config) -> tuple[dict, str]:
    """A run that sleeps (a script named for this test alone, so that its processes can be
    looked for): looked at without waiting for its process (AWS's way)."""
    cluster_uuid, shared = cluster
    ssm_commands.configure(platform.state_dir, read_grace=0.2)
    script = f"sleep-{uuidlib.uuid4().hex}.py"
    (shared / script).write_text("import time\nprint('started', flush=True)\n"
                                 "time.sleep(120)\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), script, **config).json_body
    platform.pump.drain()
    assert platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "RUNNING"
    assert _running(script)
    return run, script


def _running(script: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", script], capture_output=True, text=True)
    return found.stdout.split()


def test_a_timeout_ends_the_run_and_its_processes(platform, cluster):
    run, script = _long_run(platform, cluster, timeout=60)
    platform.settle(rounds=10, step_seconds=15)
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "TIMEOUT" and got["reason"] == "timeout after 60 s", got
    assert not _running(script)


def test_a_cancel_stops_the_command(platform, cluster):
    run, script = _long_run(platform, cluster)
    reply = platform.request("DELETE", f"/v1/jobs/{run['uuid']}")
    assert reply.status_code == 200 and reply.json_body["status"] == "CANCELLING"
    platform.settle(rounds=5)
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "CANCELLED", got
    assert got["reason"].startswith("cancelled by API key")
    assert not _running(script)
    again = platform.request("DELETE", f"/v1/jobs/{run['uuid']}")
    assert again.status_code == 409 and "already ended CANCELLED" in again.json_body["message"]


def _repo(tmp_path) -> str:
    """A local git repository: main prints 'main', branch 'feature' prints its env."""
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
                            "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    git("init", "--quiet", "--initial-branch=main")
    (repo / "job.py").write_text("print('main')\n")
    git("add", "job.py")
    git("commit", "--quiet", "-m", "main")
    git("checkout", "--quiet", "-b", "feature")
    (repo / "job.py").write_text(RANKS)
    git("commit", "--quiet", "-am", "feature")
    git("checkout", "--quiet", "main")
    return f"file://{repo}"


def test_a_job_from_git_at_a_branch_with_env(platform, cluster, tmp_path):
    cluster_uuid, _ = cluster
    url = _repo(tmp_path)
    source = {"type": "GIT", "sourceDef": {"repoUrl": url, "reference": "feature",
                                           "username": "", "token": ""}}
    run = _submit(platform, cluster_uuid, source, "job.py",
                  envVars={"GREETING": "from git"}).json_body
    platform.settle()
    assert platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "SUCCEEDED"
    stdout = _logs(platform, run)["stdout"].splitlines()
    assert len(stdout) == 8 and all("greeting='from git'" in line for line in stdout)

    missing = {"type": "GIT", "sourceDef": {"repoUrl": url, "reference": "nope"}}
    run = _submit(platform, cluster_uuid, missing, "job.py").json_body
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "FAILED", got
    assert got["reason"] == (f"the GIT source {url} at nope could not be fetched: no such "
                             "reference in the repository")


@pytest.mark.parametrize("change, field", [
    ({"clusterUUID": "not-a-uuid"}, "clusterUUID"),
    ({"clusterUUID": None}, "clusterUUID"),
    ({"jobConfig": {"type": "SQL", "sourceLocation": "x.py",
                    "source": _workspace("/shared")}}, "jobConfig.type"),
    ({"jobConfig": {"sourceLocation": "x.py",
                    "source": {"type": "GIT", "sourceDef": {
                        "repoUrl": "https://example.com/org/repo.git"}}}},
     "jobConfig.source.sourceDef.repoUrl"),
    ({"jobConfig": {"sourceLocation": "x.py",
                    "source": {"type": "GIT", "sourceDef": {
                        "repoUrl": "http://example.com/org/repo"}}}},
     "jobConfig.source.sourceDef.repoUrl"),
    ({"jobConfig": {"sourceLocation": "x.py", "source": _workspace("/etc")}},
     "jobConfig.source.sourceDef.path"),
    ({"jobConfig": {"sourceLocation": "x.py", "source": _workspace("/shared/../etc")}},
     "jobConfig.source.sourceDef.path"),
    ({"jobConfig": {"sourceLocation": "x.py", "source": _workspace("/shared"),
                    "args": "'unbalanced"}}, "jobConfig.args"),
    ({"jobConfig": {"sourceLocation": "x.py", "source": _workspace("/shared"),
                    "envVars": {"BAD NAME": "x"}}}, "jobConfig.envVars"),
    ({"jobConfig": {"sourceLocation": "x.py", "source": _workspace("/shared"),
                    "timeout": -1}}, "jobConfig.timeout"),
    ({"jobConfig": {"source": _workspace("/shared")}}, "sourceLocation"),
])
def test_bad_submissions_name_the_field_and_write_nothing(platform, change, field):
    body = {"name": "bad", "clusterUUID": "6f1c2b8e-0000-4000-8000-000000000000",
            "jobConfig": {"type": "PYTHON", "sourceLocation": "x.py",
                          "source": _workspace("/shared")}, **change}
    reply = platform.request("POST", "/v1/jobs", body)
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"].endswith(field), reply.json_body
    assert platform.request("GET", "/v1/jobs").json_body["metadata"]["total_items"] == 0


def test_the_manuals_words_for_a_git_url_that_ends_in_dot_git(platform):
    reply = _submit(platform, "6f1c2b8e-0000-4000-8000-000000000000",
                    {"type": "GIT", "sourceDef": {"repoUrl": "https://github.com/o/r.git"}},
                    "x.py")
    assert "must not end in .git" in reply.json_body["message"]


def test_an_unknown_cluster_is_a_404_and_a_job_waits_for_a_cluster_on_its_way(platform):
    reply = _submit(platform, "6f1c2b8e-0000-4000-8000-000000000000", _workspace("/shared"),
                    "x.py")
    assert reply.status_code == 404
    created = platform.create_cluster(name="later", workersQuantity=1, **NEVER_IDLE)
    run = _submit(platform, created["uuid"], _workspace("/shared"), "x.py").json_body
    platform.pump.drain()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] in ("PENDING", "RUNNING", "FAILED"), got
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    # x.py does not exist: python says so, and the run fails with its exit code
    assert got["status"] == "FAILED" and got["exitCode"] == 2, got
    assert "x.py" in _logs(platform, run)["stderr"]


def test_a_failed_attempt_is_retried_and_each_keeps_its_reason_and_logs(platform, cluster):
    cluster_uuid, shared = cluster
    (shared / "flaky.py").write_text(textwrap.dedent("""\
        import os, sys
        marker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tried")
        if os.environ["PMI_RANK"] == "0":
            if not os.path.exists(marker):
                open(marker, "w").close()
                print("first attempt fails", file=sys.stderr)
                sys.exit(3)
            print("second attempt works")
        """))
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "flaky.py",
                  retryStrategy={"numRetries": 2, "delayBetweenRetries": 1,
                                 "retryOnTimeout": False}).json_body
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "SUCCEEDED" and got["numRetriesUsed"] == 1, got
    [first] = got["attempts"]
    assert first["status"] == "FAILED" and first["reason"] == "non-zero exit code 3"
    assert got["config"]["retryStrategy"] == {"numRetries": 2, "delayBetweenRetries": 1,
                                              "retryOnTimeout": False}
    assert "second attempt works" in _logs(platform, run)["stdout"]
    earlier = platform.request("GET", f"/v1/jobs/{run['uuid']}/logs?attempt=1").json_body
    s3 = platform.customer("s3")
    url = urlsplit(earlier["stderrUrl"])
    body = s3.get_object(Bucket=url.hostname.split(".")[0], Key=url.path.lstrip("/"))["Body"]
    assert "first attempt fails" in body.read().decode()
    task = platform.request("GET", f"/v1/tasks/{got['taskUUID']}").json_body
    assert any(d.startswith("Attempt 1 FAILED: non-zero exit code 3; retrying in 60 s")
               for d in task["details"]), task


def _s3_source(path: str) -> dict:
    return {"type": "S3", "sourceDef": {"bucketPath": path, "bucketRegion": "us-east-1"}}


def test_a_job_from_s3_in_the_clusters_region_and_the_refusal_of_another(platform, cluster):
    cluster_uuid, _ = cluster
    s3 = platform.customer("s3")
    s3.create_bucket(Bucket="team-code")
    s3.put_object(Bucket="team-code", Key="etl/v1/main.py", Body=RANKS.encode())
    s3.put_object(Bucket="team-code", Key="etl/v1/lib/helper.py", Body=b"")
    run = _submit(platform, cluster_uuid, _s3_source("s3://team-code/etl/v1"), "main.py",
                  envVars={"GREETING": "from s3"}).json_body
    assert run["config"]["source"] == {"type": "S3", "sourceDef": {
        "type": "S3", "bucketPath": "s3://team-code/etl/v1"}}
    platform.settle()
    assert platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "SUCCEEDED"
    stdout = _logs(platform, run)["stdout"].splitlines()
    assert len(stdout) == 8 and all("greeting='from s3'" in line for line in stdout)

    platform.customer("s3", "eu-west-1").create_bucket(
        Bucket="far-away", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for path, message in (("s3://far-away/x", "bucket far-away is in eu-west-1; your S3 "
                                               "bucket must be in the same region as your "
                                               "cluster (us-east-1)"),
                          ("s3://no-such-bucket-here/x", "cannot be read from your account"),
                          ("s3://Bad_Name/x", "must be s3://<bucket>/<folder>"),
                          ("s3://team-code/$(id)", "must be s3://<bucket>/<folder>")):
        reply = _submit(platform, cluster_uuid, _s3_source(path), "main.py")
        assert reply.status_code == 400, reply.body
        assert reply.json_body["field"] == "jobConfig.source.sourceDef.bucketPath"
        assert message in reply.json_body["message"], reply.json_body
    assert platform.request("GET", "/v1/jobs").json_body["metadata"]["total_items"] == 1


def test_the_logs_of_a_running_job_can_be_read_as_they_grow(platform, cluster):
    """The head node copies the logs to the bucket every few seconds while the code runs:
    the logs route and the page read them then, a few seconds behind (this test waits, boundedly,
    for the real process to print and the copy to come)."""
    import time
    cluster_uuid, shared = cluster
    ssm_commands.configure(platform.state_dir, read_grace=0.2)
    script = f"grow-{uuidlib.uuid4().hex}.py"
    (shared / script).write_text(
        "import os, sys, time\nif os.environ['PMI_RANK'] == '0':\n"
        "    print('early line', flush=True)\n    print('early warning', file=sys.stderr,"
        " flush=True)\ntime.sleep(120)\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), script).json_body
    deadline, seen = time.monotonic() + 30, {}
    while time.monotonic() < deadline:
        platform.pump.drain()
        if platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "RUNNING":
            reply = platform.request("GET", f"/v1/jobs/{run['uuid']}/logs")
            if reply.status_code == 200 and "/live/" in reply.json_body["stdoutUrl"]:
                seen = _logs(platform, run)
                break
        time.sleep(0.5)
    assert seen.get("stdout") == "early line\n" and seen.get("stderr") == "early warning\n", seen
    platform.request("DELETE", f"/v1/jobs/{run['uuid']}")
    platform.settle()
    assert platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "CANCELLED"
    assert _logs(platform, run)["stdout"] == "early line\n"   # kept after the cancel
    assert not _running(script)


def test_output_past_the_cap_is_cut_and_the_log_says_so(platform, cluster, monkeypatch):
    from chalicelib.jobs import scripts
    monkeypatch.setattr(scripts, "LOG_CAP", 100)
    cluster_uuid, shared = cluster
    (shared / "loud.py").write_text("import os\nif os.environ['PMI_RANK'] == '0':\n"
                                    "    print('x' * 999)\n")
    run = _submit(platform, cluster_uuid, _workspace("/shared"), "loud.py").json_body
    platform.settle()
    assert platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body["status"] == "SUCCEEDED"
    assert _logs(platform, run)["stdout"] == "x" * 100 + "\n[corral: the output was cut at 100 bytes]\n"
