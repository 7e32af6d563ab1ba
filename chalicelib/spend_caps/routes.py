"""A workspace's monthly spend cap: GET (anyone who may reach the workspace, its own
workspace key included), PUT `{"instanceHours": N}` (N > 0; null removes it) and DELETE (an
organization admin only: an organization key or a signed-in admin; 403 for a workspace key).
Another organization's workspace is a 404, as everywhere. Every reply is where the workspace
stands this month (shapes.render)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view
from ..identity.caller import actor, caller, organization_admin
from ..workspaces import scope
from . import commands, shapes

bp = Blueprint(__name__)
PATH = "/v1/workspaces/{ws_uuid}/spend-cap"
MANAGE = "set a workspace's spend cap"


@bp.route(PATH, methods=["GET"])
@json_view
def get_spend_cap(ws_uuid):
    return shapes.render(commands.standing(scope.workspace(caller(bp.current_request), ws_uuid)))


@bp.route(PATH, methods=["PUT"])
@json_view
def put_spend_cap(ws_uuid):
    request = bp.current_request
    c = organization_admin(request, MANAGE)
    ws = scope.workspace(c, ws_uuid)
    hours = shapes.parse_cap(body(request))
    if hours is None:
        commands.remove_cap(ws)
    else:
        commands.set_cap(ws, hours, actor(c))
    return shapes.render(commands.standing(ws))


@bp.route(PATH, methods=["DELETE"])
@json_view
def delete_spend_cap(ws_uuid):
    c = organization_admin(bp.current_request, MANAGE)
    ws = scope.workspace(c, ws_uuid)
    commands.remove_cap(ws)
    return shapes.render(commands.standing(ws))
