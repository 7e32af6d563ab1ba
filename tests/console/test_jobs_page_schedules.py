"""The Jobs page's job templates and cron jobs as a person uses them (in-process, forms with
their CSRF token): each listed with what it runs, its latest runs and their statuses, a cron
job's schedule, state and next time; Run now, Deactivate/Reactivate and Delete through the
post/redirect/get buttons; refusals shown on the page; strangers and forged forms refused."""
from __future__ import annotations

import re

from chalicelib.clusters import commands as clusters
from chalicelib.cron_jobs import commands as crons
from chalicelib.cron_jobs import shapes as cron_shapes
from chalicelib.identity import users
from chalicelib.job_templates import commands as templates
from chalicelib.job_templates import shapes as template_shapes
from chalicelib.workspaces import commands as workspaces
from tests.console.test_clusters_page import _linked
from tests.identity.helpers import Browser, text

CONFIG = {"type": "PYTHON", "sourceLocation": "main.py", "args": "--day today",
          "source": {"type": "WORKSPACE", "sourceDef": {"path": "/shared/app"}}}


def _set_up(platform) -> tuple[Browser, str, str]:
    """Signed in, a workspace and a RUNNING cluster made from the pages, /shared/app/main.py:
    (the browser, the workspace's uuid, the cluster's uuid)."""
    b = Browser(platform)
    _linked(b)
    reply = b.submit("/clusters", "/workspaces/create", {"name": "etl", "region": "us-east-1"})
    ws_uuid = reply.headers["Location"].split("workspace=")[1]
    platform.settle()
    reply = b.submit(f"/clusters?workspace={ws_uuid}", "/clusters/create", {
        "workspace": ws_uuid, "name": "work", "instanceType": "c5.2xlarge",
        "workersQuantity": "1", "autoStop": "0", "action": "create"})
    assert reply.status_code == 303, text(reply)
    platform.settle()
    [cluster] = clusters.list_page(ws_uuid, clusters.ListQuery())[0]
    app = platform.shared_folder(cluster.network["file_system_id"]) / "app"
    app.mkdir(parents=True)
    (app / "main.py").write_text("print('hello')\n")
    return b, ws_uuid, cluster.uuid


def _row(page: str, kind: str, uuid: str) -> str:
    found = re.search(rf'<tr class="{kind}" id="{kind}-{uuid}".*?</tr>', page, re.S)
    assert found, f"no {kind} {uuid} on the page"
    return found.group(0)


def _follow(b: Browser, reply) -> str:
    assert reply.status_code == 303, text(reply)
    return text(b.get(reply.headers["Location"]))


def test_templates_and_cron_jobs_are_listed_with_their_buttons(platform):
    b, ws_uuid, cluster_uuid = _set_up(platform)
    org = users.find_by_email("ada@example.com").organization_uuid
    ws = workspaces.get(org, ws_uuid)
    page = text(b.get(f"/jobs?workspace={ws_uuid}"))
    assert 'id="no-templates"' in page and 'id="no-crons"' in page
    tpl = templates.create(ws, template_shapes.parse_create(
        {"name": "daily", "description": "the daily one", "config": CONFIG}), "user ada")
    own = templates.create(ws, template_shapes.parse_create(
        {"name": "own", "config": CONFIG,
         "clusterConfig": {"instanceType": "c5.2xlarge", "workersQuantity": 1}}), "user ada")
    cron = crons.create(ws, cron_shapes.parse_create(
        {"name": "new year", "schedule": "0 6 1 1 *", "timezone": "Europe/Paris",
         "jobTemplateUUID": tpl.uuid, "clusterUUID": cluster_uuid}), "user ada")

    page = text(b.get(f"/jobs?workspace={ws_uuid}"))
    row = _row(page, "template", tpl.uuid)
    assert "daily" in row and "the daily one" in row and "main.py --day today" in row
    assert "picked at each run" in row and "never run" in row
    assert f'<option value="{cluster_uuid}">work (RUNNING)</option>' in row
    assert "NEW: 1 x c5.2xlarge, made for each run" in _row(page, "template", own.uuid)
    row = _row(page, "cron", cron.uuid)
    assert "new year" in row and "template daily" in row and "0 6 1 1 *" in row
    assert "Europe/Paris" in row and '<td class="cron-status">ACTIVE</td>' in row
    assert re.search(r'<td class="next-run">20\d\d-01-01T06:00:00\+01:00<', row), row
    assert [m for m in re.findall(r'<button type="submit" class="(\w+)">', row)] == [
        "run", "deactivate", "delete"]

    # Run the template on the cluster picked in its row: its run, then its status, appear.
    reply = b.submit(page, f"/jobs/templates/{tpl.uuid}/run",
                     {"workspace": ws_uuid, "cluster": cluster_uuid})
    assert reply.headers["Location"].startswith(f"/jobs?workspace={ws_uuid}&done=template-run#run-")
    page = _follow(b, reply)
    assert 'id="notice">template run submitted' in page
    platform.settle()
    page = text(b.get(f"/jobs?workspace={ws_uuid}"))
    assert re.search(r'<span class="run-name">daily</span> <span class="run-status">SUCCEEDED',
                     _row(page, "template", tpl.uuid))

    # The cron job: run now, deactivate, reactivate.
    page = _follow(b, b.submit(page, f"/jobs/cron-jobs/{cron.uuid}/run", {"workspace": ws_uuid}))
    assert 'id="notice">cron job run started' in page
    platform.settle()
    page = text(b.get(f"/jobs?workspace={ws_uuid}"))
    row = _row(page, "cron", cron.uuid)
    assert re.search(r'new year \(run now\)</span> <span class="run-status">SUCCEEDED', row), row
    assert "0 started, 0 skipped, 0 missed" in row          # a run now is no scheduled time
    assert "RUN_NOW: run now by user ada@example.com" in row
    page = _follow(b, b.submit(page, f"/jobs/cron-jobs/{cron.uuid}/deactivate",
                               {"workspace": ws_uuid}))
    row = _row(page, "cron", cron.uuid)
    assert 'id="notice">cron job deactivated' in page and ">INACTIVE<" in row
    assert "none while inactive" in row and 'class="reactivate">Reactivate' in row
    page = _follow(b, b.submit(page, f"/jobs/cron-jobs/{cron.uuid}/reactivate",
                               {"workspace": ws_uuid}))
    assert ">ACTIVE<" in _row(page, "cron", cron.uuid)

    # Deletes: gone from the page; a second delete is refused on the page.
    page = _follow(b, b.submit(page, f"/jobs/cron-jobs/{cron.uuid}/delete",
                               {"workspace": ws_uuid}))
    assert 'id="notice">cron job deleted' in page and f"cron-{cron.uuid}" not in page
    reply = b.submit(page, f"/jobs/cron-jobs/{cron.uuid}/delete", {"workspace": ws_uuid})
    assert reply.status_code == 404 and f"There is no cron job {cron.uuid}" in text(reply)
    page = _follow(b, b.submit(page, f"/jobs/templates/{tpl.uuid}/delete",
                               {"workspace": ws_uuid}))
    assert 'id="notice">job template deleted' in page and f"template-{tpl.uuid}" not in page


def test_refusals_are_shown_on_the_page(platform):
    b, ws_uuid, cluster_uuid = _set_up(platform)
    org = users.find_by_email("ada@example.com").organization_uuid
    ws = workspaces.get(org, ws_uuid)
    tpl = templates.create(ws, template_shapes.parse_create({"name": "t", "config": CONFIG}),
                           "user ada")
    page = text(b.get(f"/jobs?workspace={ws_uuid}"))
    gone = "6f1c2b8e-0000-4000-8000-000000000000"
    reply = b.submit(page, f"/jobs/templates/{tpl.uuid}/run",
                     {"workspace": ws_uuid, "cluster": gone})
    assert reply.status_code == 404 and f"There is no cluster {gone}" in text(reply)
    reply = b.submit(page, f"/jobs/templates/{tpl.uuid}/run", {"workspace": ws_uuid})
    assert reply.status_code == 400 and "clusterUUID" in text(reply)
    reply = b.submit(page, f"/jobs/templates/{gone}/run",
                     {"workspace": ws_uuid, "cluster": cluster_uuid})
    assert reply.status_code == 404 and "job template" in text(reply)
    reply = b.submit(page, f"/jobs/cron-jobs/{gone}/run", {"workspace": ws_uuid})
    assert reply.status_code == 404 and f"There is no cron job {gone}" in text(reply)
    for path in (f"/jobs/templates/{tpl.uuid}/explode", f"/jobs/cron-jobs/{gone}/explode"):
        assert b.submit(page, path, {"workspace": ws_uuid}).status_code == 404
    assert b.submit(page, f"/jobs/templates/{tpl.uuid}/delete",
                    {"workspace": gone}).status_code == 404          # not its workspace
    assert templates.get(ws_uuid, tpl.uuid) is not None
    assert b.post(f"/jobs/templates/{tpl.uuid}/delete",
                  {"workspace": ws_uuid}).status_code == 403          # no CSRF token
    assert templates.get(ws_uuid, tpl.uuid) is not None
    stranger = Browser(platform)
    assert stranger.post(f"/jobs/templates/{tpl.uuid}/delete",
                         {"workspace": ws_uuid}).status_code == 401
    assert stranger.post(f"/jobs/cron-jobs/{gone}/run", {"workspace": ws_uuid}).status_code \
        == 401
