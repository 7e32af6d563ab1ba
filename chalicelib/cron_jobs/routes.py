"""Cron jobs in the official SDK's shapes (BODOSDK.md §3): create, list, get, deactivate and
reactivate (PUT {"deactivate": bool}), delete, run now (POST .../run: the job run)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view, not_found, paged, query
from ..identity.caller import actor, caller
from ..jobs import shapes as job_shapes
from ..workspaces import scope
from . import commands, shapes

bp = Blueprint(__name__)



def _render(c) -> dict:
    return shapes.render(c, commands.runs(c.workspace_uuid, shapes.shown_run_uuids(c)))


@bp.route("/v1/cron-jobs", methods=["POST"])
@json_view
def create_cron_job():
    who = caller(bp.current_request)
    ws = scope.own_workspace(who)
    spec = shapes.parse_create(body(bp.current_request))
    return _render(commands.create(ws, spec, actor(who)))


@bp.route("/v1/cron-jobs", methods=["GET"])
@json_view
def list_cron_jobs():
    ws = caller(bp.current_request).require_workspace()
    q = shapes.parse_list(query(bp.current_request))
    found, total = commands.list_page(ws, q)
    return paged([_render(c) for c in found], total, q.number, q.size)


@bp.route("/v1/cron-jobs/{cron_uuid}", methods=["GET"])
@json_view
def get_cron_job(cron_uuid):
    found = commands.get(caller(bp.current_request).require_workspace(), cron_uuid)
    if found is None:
        raise not_found("cron job", cron_uuid)
    return _render(found)


@bp.route("/v1/cron-jobs/{cron_uuid}", methods=["PUT"])
@json_view
def set_cron_job_active(cron_uuid):
    who = caller(bp.current_request)
    ws = who.require_workspace()
    active = shapes.parse_active(body(bp.current_request))
    found = commands.set_active(ws, cron_uuid, active, actor(who))
    if found is None:
        raise not_found("cron job", cron_uuid)
    return _render(found)


@bp.route("/v1/cron-jobs/{cron_uuid}", methods=["DELETE"])
@json_view
def delete_cron_job(cron_uuid):
    who = caller(bp.current_request)
    found = commands.delete(who.require_workspace(), cron_uuid, actor(who))
    if found is None:
        raise not_found("cron job", cron_uuid)
    return _render(found)


@bp.route("/v1/cron-jobs/{cron_uuid}/run", methods=["POST"])
@json_view
def run_cron_job_now(cron_uuid):
    who = caller(bp.current_request)
    run = commands.run_now(who.require_workspace(), cron_uuid, actor(who))
    if run is None:
        raise not_found("cron job", cron_uuid)
    return job_shapes.render(run)
