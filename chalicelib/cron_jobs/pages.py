"""Cron jobs on the Jobs page (a section of it, jobs/pages.py): each with its template, its
schedule and zone, ACTIVE or INACTIVE, its next scheduled time, its latest runs with their
statuses and what its latest scheduled times came to, and the buttons Run now, Deactivate or
Reactivate, and Delete: the commands of POST /v1/cron-jobs/{id}/run, PUT and DELETE
/v1/cron-jobs/{id}, after the Clusters page's post/redirect/get pattern."""
from __future__ import annotations

from chalice import Blueprint

from ..identity.page_access import signed_in_page
from ..job_templates import commands as templates
from ..jobs import pages as job_pages
from ..kernel.errors import DomainError
from ..web.pages import SIGNED_IN_FORM, checked_form, redirect
from ..workspaces.machine import Workspace
from . import commands, shapes
from .machine import CronJob

bp = Blueprint(__name__)
SHOWN_CRON_JOBS = 100
SHOWN_RUNS = 5            # of its latest runs, the newest first
SHOWN_HISTORY = 5         # of its latest scheduled times' outcomes
_LIST = shapes.parse_list({"size": [str(SHOWN_CRON_JOBS)]})


def _template_name(ws_uuid: str, template_uuid: str) -> str:
    found = templates.get(ws_uuid, template_uuid)
    return found.spec.name if found else "(deleted template)"


def _section(ws: Workspace, _usable: list) -> tuple[str, dict]:
    found = commands.list_page(ws.uuid, _LIST)[0]
    shown = [(c, shapes.render(c, commands.runs(ws.uuid, shapes.shown_run_uuids(c))),
              _template_name(ws.uuid, c.spec.template_uuid)) for c in found]
    return "cron_jobs_section.html", {"cron_jobs": shown, "shown_runs": SHOWN_RUNS,
                                      "shown_history": SHOWN_HISTORY,
                                      "actions_for": actions_for}


# What the buttons do: (the command, what the page then says), each as asked by the user.
ACTIONS = {
    "run": (lambda ws, c, by: commands.run_now(ws, c, by), "cron job run started"),
    "deactivate": (lambda ws, c, by: commands.set_active(ws, c, False, by),
                   "cron job deactivated"),
    "reactivate": (lambda ws, c, by: commands.set_active(ws, c, True, by),
                   "cron job reactivated"),
    "delete": (lambda ws, c, by: commands.delete(ws, c, by), "cron job deleted"),
}
job_pages.add_section(_section, 20, {f"cron-{a}": said for a, (_, said) in ACTIONS.items()})


def actions_for(c: CronJob) -> list[tuple[str, str]]:
    """The buttons a cron job's row offers (the commands decide all the same)."""
    toggle = ("deactivate", "Deactivate") if c.status.value == "ACTIVE" else \
        ("reactivate", "Reactivate")
    return [("run", "Run now"), toggle, ("delete", "Delete")]


@bp.route("/jobs/cron-jobs/{cron_uuid}/{action}", methods=["POST"],
          content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def cron_job_action(user, org, cron_uuid, action):
    request = bp.current_request
    ws = job_pages.button(org, checked_form(request), "cron job", action, ACTIONS)
    act, _ = ACTIONS[action]
    try:
        found = act(ws.uuid, cron_uuid, f"user {user.email}")
    except DomainError as e:
        return job_pages.page(request, user, org, ws.uuid, status=409, error=e.message)
    if found is None:
        return job_pages.page(request, user, org, ws.uuid, status=404,
                              error=f"There is no cron job {cron_uuid} in workspace {ws.name}.")
    anchor = f"run-{found.uuid}" if action == "run" else (
        "cron-jobs" if action == "delete" else f"cron-{cron_uuid}")
    return redirect(f"/jobs?workspace={ws.uuid}&done=cron-{action}#{anchor}")
