"""Job templates in the official SDK's shapes (BODOSDK.md §3): create, list, get, update
(PATCH, the SDK's `_save` of an existing one), delete."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view, not_found, paged, query
from ..identity.caller import actor, caller
from ..kernel import config
from ..workspaces import scope
from . import commands, shapes

bp = Blueprint(__name__)


def _render(t) -> dict:
    return shapes.render(t, commands.recent_runs(t.workspace_uuid, t.uuid))


@bp.route("/v1/job-templates", methods=["POST"])
@json_view
def create_template():
    who = caller(bp.current_request)
    ws = scope.own_workspace(who)
    spec = shapes.parse_create(body(bp.current_request), config.get().local_git)
    return shapes.render(commands.create(ws, spec, actor(who)))


@bp.route("/v1/job-templates", methods=["GET"])
@json_view
def list_templates():
    ws = caller(bp.current_request).require_workspace()
    q = shapes.parse_list(query(bp.current_request))
    found, total = commands.list_page(ws, q)
    return paged([_render(t) for t in found], total, q.number, q.size)


@bp.route("/v1/job-templates/{template_uuid}", methods=["GET"])
@json_view
def get_template(template_uuid):
    found = commands.get(caller(bp.current_request).require_workspace(), template_uuid)
    if found is None:
        raise not_found("job template", template_uuid)
    return _render(found)


@bp.route("/v1/job-templates/{template_uuid}", methods=["PATCH"])
@json_view
def update_template(template_uuid):
    ws = caller(bp.current_request).require_workspace()
    raw = body(bp.current_request)
    local_git = config.get().local_git
    found = commands.update(ws, template_uuid,
                            lambda old: shapes.parse_update(raw, old, local_git))
    if found is None:
        raise not_found("job template", template_uuid)
    return _render(found)


@bp.route("/v1/job-templates/{template_uuid}", methods=["DELETE"])
@json_view
def delete_template(template_uuid):
    who = caller(bp.current_request)
    found = commands.delete(who.require_workspace(), template_uuid, actor(who))
    if found is None:
        raise not_found("job template", template_uuid)
    return _render(found)
