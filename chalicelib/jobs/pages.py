"""The Jobs page of the console: the workspace's runs with status and reason, the manual's
CREATE JOB form (name, a cluster or NEW for one made for the job, the command, the path of the
code, Show advanced: reference, other environment variables, timeout, retries), DETAILS per
run (its task), SHOW LOGS and Cancel. Everything goes through the same shapes and commands as
POST /v1/jobs, so the page accepts nothing the API would refuse.

The concepts above jobs (job templates, cron jobs) add their sections to the page and their
buttons' notices with `add_section` when their own page module is imported; their buttons
post to their own routes, which show the page again with `page` on a refusal."""
from __future__ import annotations

import shlex
from typing import Callable

from chalice import Blueprint

from ..api.http import ApiError
from ..api.shapes import render_task
from ..clusters import commands as clusters
from ..clusters.machine import ClusterStatus
from ..identity.page_access import signed_in_page
from ..kernel import config
from ..kernel.errors import DomainError
from ..kernel.listing import ListQuery
from ..workspaces.machine import Workspace
from ..web import pages
from ..web.pages import SIGNED_IN_FORM, PageError, checked_form, redirect, render
from ..workspaces import commands as workspaces
from . import commands, logs, shapes

bp = Blueprint(__name__)
pages.offer("/jobs")
_RUNS = ListQuery(number=1, size=200, descending=True)
# The clusters a job can be given: those running or on their way (read from the live ones).
_CLUSTERS = ListQuery(size=1000, statuses=frozenset(s.value for s in (
    ClusterStatus.NEW, ClusterStatus.INPROGRESS, ClusterStatus.INITIALIZING,
    ClusterStatus.RUNNING, ClusterStatus.PAUSED)), live_statuses=frozenset(
    s.value for s in ClusterStatus if s != ClusterStatus.TERMINATED))


# (workspace, the clusters a job can be given) -> (a template, its `section` context)
Section = Callable[[Workspace, list], tuple[str, dict]]
_sections: dict[Section, int] = {}
# What the page says after a button (?done=...): jobs' own, and the sections'.
_notices = {"submit": "job submitted", "cancel": "cancel requested"}


def add_section(section: Section, order: int, notices: dict[str, str]) -> None:
    """Show `section` on the page below the runs, sections by `order` (whichever concept's
    page module was imported first), once however often it is added."""
    _sections[section] = order
    _notices.update(notices)


def page(request, user, org, ws_uuid: str | None, status: int = 200, **extra):
    """The Jobs page of the workspace asked for (or the first), with `extra` (error, notice,
    the form's values)."""
    ws, live = workspaces.pick(org.uuid, ws_uuid)
    runs = commands.list_page(ws.uuid, _RUNS)[0] if ws else []
    usable = clusters.list_page(ws.uuid, _CLUSTERS)[0] if ws else []
    return render(request, "jobs.html", status=status, user=user, org=org, workspace=ws,
                  workspaces=live, clusters=usable,
                  runs=[(r, shapes.render(r), render_task(r.task)) for r in runs],
                  sections=[s(ws, usable) for s in sorted(_sections, key=_sections.get)]
                  if ws else [],
                  values=extra.pop("values", {}), **extra)


def button(org, data: dict, what: str, action: str, actions) -> Workspace:
    """A section's button (its form `data`, checked for CSRF): the workspace it was shown in,
    after refusing an action the section does not offer."""
    if action not in actions:
        raise PageError(404, "No such action", f"A {what} cannot be asked to {action!r}.",
                        ("/jobs", "Back to Jobs"))
    ws, _ = workspaces.pick(org.uuid, data.get("workspace"))
    if ws is None or ws.uuid != data.get("workspace"):
        raise PageError(404, "No such workspace", f"The workspace of that {what} is gone.",
                        ("/jobs", "Back to Jobs"))
    return ws


@bp.route("/jobs", methods=["GET"])
@signed_in_page(bp)
def jobs_page(user, org):
    params = bp.current_request.query_params or {}
    return page(bp.current_request, user, org, params.get("workspace"),
                notice=_notices.get(params.get("done") or ""))


def _source(path: str, reference: str, username: str, password: str) -> dict:
    if path.startswith("/"):    # a folder (on the cluster's /shared)
        return {"type": "WORKSPACE", "sourceDef": {"path": path}}
    if path.startswith("s3://"):
        return {"type": "S3", "sourceDef": {"bucketPath": path}}
    return {"type": "GIT", "sourceDef": {"repoUrl": path, "reference": reference,
                                         "username": username, "token": password}}


def _env(text: str) -> dict:
    """"Other": one NAME=value a line."""
    env = {}
    for line in text.splitlines():
        if line.strip():
            name, sep, value = line.strip().partition("=")
            if not sep:
                raise ApiError(400, "ValidationError", f"Other: {line.strip()!r} is not "
                                                       f"NAME=value", "jobConfig.envVars")
            env[name.strip()] = value
    return env


def _number(text: str):
    text = (text or "").strip()
    return int(text) if text.isdigit() else (text or None)


def submit_body(data: dict) -> dict:
    """The form as POST /v1/jobs's body: the command's first word is the file, the rest its
    arguments (the platform prepends `mpiexec -n <CORE_COUNT> python`)."""
    try:
        words = shlex.split(data.get("command", ""))
    except ValueError as e:
        raise ApiError(400, "ValidationError", f"Command: {e}", "jobConfig.args") from None
    config = {"type": "PYTHON", "source": _source(data.get("path", "").strip(),
                                                 data.get("reference", "").strip(),
                                                 data.get("username", "").strip(),
                                                 data.get("password", "")),
              "sourceLocation": words[0] if words else "", "args": shlex.join(words[1:]),
              "envVars": _env(data.get("other", "")),
              "timeout": _number(data.get("timeout", "")) or 0,
              "retryStrategy": {"numRetries": _number(data.get("retries", "")) or 0,
                                "delayBetweenRetries": 1, "retryOnTimeout": False}}
    body = {"name": data.get("name", "").strip() or None, "jobConfig": config}
    if data.get("cluster") == "NEW":
        body["clusterConfig"] = {"instanceType": data.get("instanceType", ""),
                                 "workersQuantity": _number(data.get("workersQuantity", ""))}
    else:
        body["clusterUUID"] = data.get("cluster")
    return body


@bp.route("/jobs/create", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def create_job(user, org):
    request = bp.current_request
    data = checked_form(request)
    ws, _ = workspaces.pick(org.uuid, data.get("workspace"))
    if ws is None:
        raise PageError(409, "No workspace", "Create a workspace and a cluster first.",
                        ("/clusters", "Clusters"))
    try:
        body = submit_body(data)
        spec = shapes.parse_submit(body, f"user {user.email}", config.get().local_git)
        run = commands.submit(ws, spec, body.get("clusterConfig"), shapes.git_secret(body))
    except ApiError as e:
        return page(request, user, org, ws.uuid, status=e.status, error=e.message,
                     values=_kept(data))
    except DomainError as e:
        return page(request, user, org, ws.uuid, status=409, error=e.message,
                     values=_kept(data))
    if run is None:
        return page(request, user, org, ws.uuid, status=404, values=_kept(data),
                     error="That cluster is not in this workspace.")
    return redirect(f"/jobs?workspace={ws.uuid}&done=submit#run-{run.uuid}")


def _kept(data: dict) -> dict:
    """What the form shows again after a refusal: all but the password."""
    return {k: v for k, v in data.items() if k != "password"}


def _run_of(org, ws_uuid: str | None, run_uuid: str):
    ws, _ = workspaces.pick(org.uuid, ws_uuid)
    run = commands.get(ws.uuid, run_uuid) if ws and ws.uuid == ws_uuid else None
    if run is None:
        raise PageError(404, "No such job run", f"There is no job run {run_uuid} in that "
                        f"workspace.", ("/jobs", "Back to Jobs"))
    return ws, run


@bp.route("/jobs/{run_uuid}/cancel", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def cancel_job(user, org, run_uuid):
    request = bp.current_request
    data = checked_form(request)
    ws, _ = _run_of(org, data.get("workspace"), run_uuid)
    try:
        commands.cancel(ws.uuid, run_uuid, f"user {user.email}")
    except DomainError as e:
        return page(request, user, org, ws.uuid, status=409, error=e.message)
    return redirect(f"/jobs?workspace={ws.uuid}&done=cancel#run-{run_uuid}")


@bp.route("/jobs/{run_uuid}/logs", methods=["GET"])
@signed_in_page(bp)
def job_logs_page(user, org, run_uuid):
    params = bp.current_request.query_params or {}
    ws, run = _run_of(org, params.get("workspace"), run_uuid)
    try:
        found = logs.read(run)
    except DomainError as e:
        found = {"stdout": "", "stderr": "", "cut": False, "problem": e.message}
    return render(bp.current_request, "job_logs.html", user=user, org=org, workspace=ws,
                  run=run, view=shapes.render(run), found=found, limit=logs.PAGE_LIMIT)
