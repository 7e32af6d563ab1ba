"""A job as a user runs it with the official SDK (bodosdk 2.3.2) against `make run`:

    .venv-sdk/bin/python tests/e2e/job_story.py .corral/local.json

creates a cluster (the SDK), puts a script on its /shared (the local folder that stands for
the organization's EFS: <state dir>/efs/<file system>), runs it with `cluster.run_job`, waits
SUCCEEDED and prints `get_stdout()` as the SDK returns it: one line per MPI rank. Then removes
the cluster. The last line on stdout is one JSON object with what it saw."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bodosdk import BodoWorkspaceClient

SCRIPT = ("import os, sys\n"
          "os.write(1, f\"rank {os.environ['PMI_RANK']} of {os.environ['PMI_SIZE']}: "
          "{sys.argv[1:]}\\n\".encode())\n")


def main(path: str) -> int:
    info = json.load(open(path))
    ws = BodoWorkspaceClient(client_id=info["client_id"], secret_key=info["secret_key"],
                             api_url=info["api_url"], auth_url=info["auth_url"])
    cluster = ws.ClusterClient.create(name="job-story", instance_type="c5.2xlarge",
                                      workers_quantity=2, auto_pause=0)
    cluster.wait_for_status(["RUNNING"], timeout=120, tick=1)
    efs = Path(os.path.dirname(path)) / "efs"
    shared = next(efs.iterdir())
    (shared / "hello").mkdir(exist_ok=True)
    (shared / "hello" / "ranks.py").write_text(SCRIPT)
    run = cluster.run_job(source={"type": "WORKSPACE", "path": "/shared/hello"},
                          exec_file="ranks.py", args="--greeting 'hello world'", name="hello")
    print(run.status, file=sys.stderr)
    run.wait_for_status(["SUCCEEDED"], timeout=120)
    stdout = run.get_stdout()
    print(f"{run.status}\n{stdout}", file=sys.stderr, end="")
    seen = {"status": run.status, "stdout": stdout.splitlines()}
    seen.update(more_runs(ws, cluster, info, shared, Path(os.path.dirname(path))))
    ws.ClusterClient.remove(cluster.id)
    print(json.dumps(seen))
    return 0


def _wait(run, status: str):
    run.wait_for_status([status], timeout=120)
    return run.status


def _repo(folder: Path) -> str:
    """A git repository whose branch `feature` prints each rank with GREETING."""
    repo = folder / "repo"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    run = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, env=env,  # noqa: E731
                                    capture_output=True)
    repo.mkdir()
    run("init", "--quiet", "--initial-branch=main")
    (repo / "job.py").write_text("print('main')\n")
    run("add", "job.py")
    run("commit", "--quiet", "-m", "main")
    run("checkout", "--quiet", "-b", "feature")
    (repo / "job.py").write_text(GREET)
    run("commit", "--quiet", "-am", "feature")
    return f"file://{repo}"


GREET = ("import os\nos.write(1, f\"rank {os.environ['PMI_RANK']} {os.environ['GREETING']}\\n\""
         ".encode())\n")


def more_runs(ws, cluster, info: dict, shared: Path, state: Path) -> dict:
    """The issue's other runs, each as the SDK does it: git at a branch with env, S3 in the
    cluster's region and the refusal of another region, a failing script, a cancel, a
    timeout, a retry, and a cluster made for a job."""
    import boto3
    from bodosdk.exceptions import ValidationError
    out = {}
    url = _repo(state)
    run = cluster.run_job(source={"type": "GIT", "repoUrl": url, "reference": "feature",
                                  "username": "", "token": ""},
                          exec_file="job.py", env_vars={"GREETING": "from git"}, name="git")
    out["git"] = (_wait(run, "SUCCEEDED"), sorted(run.get_stdout().splitlines()))
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=info["aws_endpoint_url"],
                      aws_access_key_id=info["customer_aws_access_key_id"],
                      aws_secret_access_key=info["customer_aws_secret_access_key"])
    s3.create_bucket(Bucket="team-code")
    s3.put_object(Bucket="team-code", Key="etl/job.py", Body=GREET.encode())
    run = cluster.run_job(source={"type": "S3", "bucketPath": "s3://team-code/etl",
                                  "bucketRegion": "us-east-1"},
                          exec_file="job.py", env_vars={"GREETING": "from s3"}, name="s3")
    out["s3"] = (_wait(run, "SUCCEEDED"), sorted(run.get_stdout().splitlines()))
    far = boto3.client("s3", region_name="eu-west-1", endpoint_url=info["aws_endpoint_url"],
                       aws_access_key_id=info["customer_aws_access_key_id"],
                       aws_secret_access_key=info["customer_aws_secret_access_key"])
    far.create_bucket(Bucket="far-code",
                      CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    try:
        cluster.run_job(source={"type": "S3", "bucketPath": "s3://far-code/etl",
                                "bucketRegion": "eu-west-1"}, exec_file="job.py")
        out["s3_other_region"] = "accepted"
    except ValidationError as e:
        out["s3_other_region"] = str(e)
    (shared / "hello" / "fail.py").write_text(
        "import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    run = cluster.run_job(source={"type": "WORKSPACE", "path": "/shared/hello"},
                          exec_file="fail.py", name="fail")
    out["fail"] = (_wait(run, "SUCCEEDED"), run.reason, "boom" in run.get_stderr())
    (shared / "hello" / "sleep.py").write_text("import time\ntime.sleep(120)\n")
    run = cluster.run_job(source={"type": "WORKSPACE", "path": "/shared/hello"},
                          exec_file="sleep.py", name="cancelled")
    run.wait_for_status(["RUNNING"], timeout=60)
    run.cancel()
    out["cancel"] = _wait(run, "CANCELLED")
    run = cluster.run_job(source={"type": "WORKSPACE", "path": "/shared/hello"},
                          exec_file="sleep.py", timeout=3, name="slow")
    out["timeout"] = (_wait(run, "TIMEOUT"), run.reason)
    (shared / "hello" / "flaky.py").write_text(
        "import os, sys\nm = '/tmp/corral-story-flaky-' + os.environ['PMI_SIZE'] + "
        "os.getcwd().replace('/', '_')\nif os.environ['PMI_RANK'] == '0':\n"
        "    if not os.path.exists(m):\n        open(m, 'w').close(); sys.exit(3)\n"
        "    os.remove(m)\n")
    run = cluster.run_job(source={"type": "WORKSPACE", "path": "/shared/hello"},
                          exec_file="flaky.py", num_retries=1, delay_between_retries=0,
                          retry_on_timeout=False,   # the SDK itself refuses None there
                          name="flaky")
    out["retry"] = (_wait(run, "SUCCEEDED"), run.num_retries_used)
    dedicated = ws.JobClient.run(cluster={"instance_type": "c5.2xlarge", "workers_quantity": 1},
                                 source={"type": "WORKSPACE", "path": "/shared/hello"},
                                 exec_file="ranks.py", name="own cluster")
    status = _wait(dedicated, "SUCCEEDED")
    made = ws.ClusterClient.wait_for_status(dedicated.cluster_id, ["TERMINATED"], timeout=120,
                                            tick=1)
    out["dedicated"] = (status, made.status)
    for name, value in out.items():
        print(f"{name}: {value}", file=sys.stderr)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
