"""Job templates on the Jobs page (a section of it, jobs/pages.py): each template with its
command, source and cluster, its latest runs with their statuses, and the buttons Run now (on
a cluster picked in its row, or on a cluster made for the run from its clusterConfig) and
Delete. They go through the same commands and shapes as POST /v1/jobs (jobTemplateUUID) and
DELETE /v1/job-templates/{id}, so the page accepts nothing the API would refuse, and after the
Clusters page's post/redirect/get pattern (a reload asks nothing again)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import ApiError
from ..identity.page_access import signed_in_page
from ..jobs import commands as jobs
from ..jobs import pages as job_pages
from ..jobs.shapes import parse_submit
from ..kernel import config
from ..kernel.errors import DomainError
from ..web.pages import SIGNED_IN_FORM, checked_form, redirect
from ..workspaces.machine import Workspace
from . import commands, runs, shapes

bp = Blueprint(__name__)
SHOWN_TEMPLATES = 100
SHOWN_RUNS = 5            # of its latest runs (jobRuns), the newest first
_LIST = shapes.parse_list({"size": [str(SHOWN_TEMPLATES)]})
ACTIONS = ("run", "delete")


def _section(ws: Workspace, usable: list) -> tuple[str, dict]:
    found = commands.list_page(ws.uuid, _LIST)[0]
    shown = [(t, shapes.render(t, commands.recent_runs(ws.uuid, t.uuid))) for t in found]
    return "job_templates_section.html", {"templates": shown, "clusters": usable,
                                          "shown_runs": SHOWN_RUNS}


job_pages.add_section(_section, 10, {"template-run": "template run submitted",
                                     "template-delete": "job template deleted"})


def run_now(ws: Workspace, template_uuid: str, cluster_uuid: str, by: str):
    """A run of the template as POST /v1/jobs makes it from the SDK's JobTemplate.run():
    on `cluster_uuid`, or ("") on a cluster made from the template's clusterConfig."""
    body = {"jobTemplateUUID": template_uuid, "jobConfig": {"storeResult": False}}
    if cluster_uuid:
        body["clusterUUID"] = cluster_uuid
    completed = runs.complete(ws.uuid, body)
    spec = parse_submit(completed, by, config.get().local_git)
    run = jobs.submit(ws, spec, completed.get("clusterConfig"))
    if run is None:
        raise ApiError(404, "NotFound", f"There is no cluster {cluster_uuid} in workspace "
                                        f"{ws.name}.", "clusterUUID")
    return run


@bp.route("/jobs/templates/{template_uuid}/{action}", methods=["POST"],
          content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def template_action(user, org, template_uuid, action):
    request = bp.current_request
    data = checked_form(request)
    ws = job_pages.button(org, data, "job template", action, ACTIONS)
    by = f"user {user.email}"
    try:
        if action == "run":
            anchor = f"run-{run_now(ws, template_uuid, data.get('cluster', ''), by).uuid}"
        else:
            if commands.delete(ws.uuid, template_uuid, by) is None:
                raise ApiError(404, "NotFound", f"There is no job template {template_uuid} "
                                                f"in workspace {ws.name}.")
            anchor = "job-templates"
    except ApiError as e:
        return job_pages.page(request, user, org, ws.uuid, status=e.status, error=e.message)
    except DomainError as e:
        return job_pages.page(request, user, org, ws.uuid, status=409, error=e.message)
    return redirect(f"/jobs?workspace={ws.uuid}&done=template-{action}#{anchor}")
