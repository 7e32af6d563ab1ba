"""A job as a user runs it with the official SDK (bodosdk 2.3.2) against `make run`:

    .venv-sdk/bin/python tests/e2e/job_story.py .corral/local.json

creates a cluster (the SDK), puts a script on its /shared (the local folder that stands for
the organization's EFS: <state dir>/efs/<file system>), runs it with `cluster.run_job`, waits
SUCCEEDED and prints `get_stdout()` as the SDK returns it: one line per MPI rank. Then removes
the cluster. The last line on stdout is one JSON object with what it saw."""
from __future__ import annotations

import json
import os
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
    ws.ClusterClient.remove(cluster.id)
    print(json.dumps({"status": run.status, "stdout": stdout.splitlines()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
