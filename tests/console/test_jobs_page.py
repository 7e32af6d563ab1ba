"""The Jobs page as a person uses it (in-process, forms with their CSRF token): the CREATE JOB
form with the manual's fields, a refusal shown on the form with what was typed kept, a run on
a cluster of the page's workspace, its status and DETAILS, SHOW LOGS with every rank, and the
Onboarding step turning green."""
from __future__ import annotations

import re

from chalicelib.clusters import commands as clusters
from tests.console.test_clusters_page import _linked, _onboarding
from tests.identity.helpers import Browser, text

SCRIPT = ("import os\nos.write(1, f\"rank {os.environ['PMI_RANK']} {os.environ['WHO']}\\n\""
          ".encode())\n")


def test_a_job_from_the_page_runs_and_shows_its_logs(platform):
    b = Browser(platform)
    _linked(b)
    page = text(b.get("/clusters"))
    reply = b.submit(page, "/workspaces/create", {"name": "etl", "region": "us-east-1"})
    ws_uuid = reply.headers["Location"].split("workspace=")[1]
    platform.settle()
    page = text(b.get(f"/clusters?workspace={ws_uuid}"))
    reply = b.submit(page, "/clusters/create", {
        "workspace": ws_uuid, "name": "work", "instanceType": "c5.2xlarge",
        "workersQuantity": "1", "autoStop": "0", "action": "create"})
    assert reply.status_code == 303, text(reply)
    platform.settle()
    [cluster] = clusters.list_page(ws_uuid, clusters.ListQuery())[0]
    shared = platform.shared_folder(cluster.network["file_system_id"])
    (shared / "app").mkdir()
    (shared / "app" / "main.py").write_text(SCRIPT)

    page = text(b.get(f"/jobs?workspace={ws_uuid}"))
    assert 'id="nav-jobs" class="here"' in page and 'id="create-job-form"' in page
    assert f'<option value="{cluster.uuid}"' in page and 'value="NEW"' in page
    form = {"workspace": ws_uuid, "name": "hello", "cluster": cluster.uuid,
            "command": "main.py 'one arg'", "path": "/etc", "other": "WHO=ada"}
    reply = b.submit(page, "/jobs/create", form)
    assert reply.status_code == 400 and "must be a folder under /shared" in text(reply)
    assert 'value="/etc"' in text(reply)     # what was typed is kept
    form["path"] = "/shared/app"
    reply = b.submit(page, "/jobs/create", form)
    assert reply.status_code == 303, text(reply)
    platform.settle()
    page = text(b.get(reply.headers["Location"]))
    row = re.search(r'class="run" id="run-([0-9a-f-]+)".*?class="status">(\w+)<', page, re.S)
    assert row and row.group(2) == "SUCCEEDED", page
    details = page.split(f'id="run-{row.group(1)}"', 1)[1]
    assert "mpiexec -n 4 python main.py &#39;one arg&#39;" in details
    assert "RUN_JOB <span class=\"task-state\">FINISHED" in details
    logs = text(b.get(f"/jobs/{row.group(1)}/logs?workspace={ws_uuid}"))
    stdout = re.search(r'<pre id="stdout">(.*?)</pre>', logs, re.S).group(1).split("\n")
    assert sorted(line for line in stdout if line) == [f"rank {i} ada" for i in range(4)]
    assert _onboarding(text(b.get("/")))["job"] == "done"


def test_strangers_and_forged_forms_are_refused(platform):
    b = Browser(platform)
    assert b.get("/jobs").status_code == 401
    assert b.post("/jobs/create", {"name": "x"}).status_code in (401, 403)
