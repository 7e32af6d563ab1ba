"""Job runs, in the official SDK's shapes (BODOSDK.md §3): submit, get, list, cancel, logs."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, int_param, json_view, not_found, paged, query
from ..identity.caller import actor, caller
from ..kernel import config
from ..workspaces import scope
from . import commands, logs, shapes, templates

bp = Blueprint(__name__)



@bp.route("/v1/jobs", methods=["POST"])
@json_view
def submit_job():
    who = caller(bp.current_request)
    ws = scope.own_workspace(who)
    # A run from a template: the template's config under the body's own keys (templates.py)
    data = templates.complete(ws.uuid, body(bp.current_request))
    spec = shapes.parse_submit(data, actor(who), config.get().local_git)
    run = commands.submit(ws, spec, data.get("clusterConfig"), shapes.git_secret(data))
    if run is None:
        raise not_found("cluster", spec.cluster_uuid)
    return shapes.render(run)


@bp.route("/v1/jobs", methods=["GET"])
@json_view
def list_jobs():
    ws = caller(bp.current_request).require_workspace()
    q = shapes.parse_list(query(bp.current_request))
    found, total = commands.list_page(ws, q)
    return paged([shapes.render(r) for r in found], total, q.number, q.size)


def _run(run_uuid: str):
    found = commands.get(caller(bp.current_request).require_workspace(), run_uuid)
    if found is None:
        raise not_found("job", run_uuid)
    return found


@bp.route("/v1/jobs/{run_uuid}", methods=["GET"])
@json_view
def get_job(run_uuid):
    return shapes.render(_run(run_uuid))


@bp.route("/v1/jobs/{run_uuid}", methods=["DELETE"])
@json_view
def cancel_job(run_uuid):
    who = caller(bp.current_request)
    found = commands.cancel(who.require_workspace(), run_uuid, actor(who))
    if found is None:
        raise not_found("job", run_uuid)
    return shapes.render(found)


@bp.route("/v1/jobs/{run_uuid}/logs", methods=["GET"])
@json_view
def job_logs(run_uuid):
    """`?attempt=N`: an earlier attempt's logs (by default the latest attempt's)."""
    params = query(bp.current_request)
    attempt = int_param(params, "attempt", 0, 0, 1000) or None
    return logs.urls(_run(run_uuid), attempt)
