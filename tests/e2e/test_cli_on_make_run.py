"""The `corral` command as a user runs it: .venv/bin/corral (installed by make run's virtualenv)
as a process of its own, signed in with the local.json a real `make run` wrote, creating a
cluster and waiting for it, then removing it."""
from __future__ import annotations

import json
import subprocess

from tests.e2e.server import ROOT, _local_env

CORRAL = ROOT / ".venv" / "bin" / "corral"


def _corral(settings, *args: str) -> subprocess.CompletedProcess:
    assert CORRAL.exists(), f"{CORRAL} is missing: make run's virtualenv recipe installs it"
    return subprocess.run([str(CORRAL), "--local", str(settings), *args], cwd=ROOT,
                          env=_local_env(), capture_output=True, text=True, timeout=300)


def test_clusters_create_wait_then_remove_against_make_run(local_run):
    made = _corral(local_run.settings_file, "clusters", "create", "--name", "from-cli",
                   "--instance-type", "c5.2xlarge", "--workers", "2", "--auto-pause", "0",
                   "--auto-stop", "0", "--wait", "--timeout", "240")
    print(made.stderr, made.stdout, sep="\n")
    assert made.returncode == 0, made.stderr
    assert "Creating cluster from-cli" in made.stderr
    assert "Fleet launched: 2 instance(s)" in made.stderr     # a detail of the task
    assert "cluster from-cli: RUNNING" in made.stderr
    assert "status" in made.stdout and "RUNNING" in made.stdout

    listed = _corral(local_run.settings_file, "-o", "json", "clusters", "list")
    assert listed.returncode == 0, listed.stderr
    [cluster] = [c for c in json.loads(listed.stdout) if c["name"] == "from-cli"]
    assert cluster["status"] == "RUNNING" and cluster["workersQuantity"] == 2

    removed = _corral(local_run.settings_file, "-o", "json", "clusters", "remove",
                      cluster["uuid"], "--wait", "--timeout", "240")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["status"] == "TERMINATED"

    refused = _corral(local_run.settings_file, "clusters", "pause", cluster["uuid"])
    assert refused.returncode == 1 and "(HTTP 409)" in refused.stderr, refused.stderr
