"""Workspaces (the SDK's workspace endpoints, a real lifecycle: NEW, INPROGRESS, READY or FAILED,
TERMINATING, TERMINATED) and what they can launch (images, instance types)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, invalid, json_view, not_found, paged, query
from ..identity.caller import caller, organization_of
from . import catalog, commands, scope, shapes

bp = Blueprint(__name__)


@bp.route("/v1/workspaces", methods=["POST"])
@json_view
def create_workspace():
    c = caller(bp.current_request)
    org = organization_of(c)
    spec = shapes.parse_create(c, org, body(bp.current_request))
    return shapes.render(commands.create(org.uuid, spec))


@bp.route("/v1/workspaces", methods=["GET"])
@json_view
def list_workspaces():
    c = caller(bp.current_request)
    q = shapes.parse_list(query(bp.current_request), c.workspace_uuid)
    found, total = commands.list_page(c.organization_uuid, q)
    return paged([shapes.render(w) for w in found], total, q.number, q.size)


@bp.route("/v1/workspaces/{ws_uuid}", methods=["GET"])
@json_view
def get_workspace(ws_uuid):
    return shapes.render(scope.workspace(caller(bp.current_request), ws_uuid))


@bp.route("/v1/workspaces/{ws_uuid}", methods=["DELETE"])
@json_view
def remove_workspace(ws_uuid):
    c = caller(bp.current_request)
    c.require_organization()
    mark = (query(bp.current_request).get("mark_as_terminated") or ["false"])[-1].lower()
    if mark not in ("true", "false"):
        raise invalid("mark_as_terminated", "must be true or false")
    # mark_as_terminated changes nothing here: a workspace holds nothing of its own in the
    # account (the network is the organization's), so every removal just ends TERMINATED.
    scope.workspace(c, ws_uuid)
    removed = commands.remove(c.organization_uuid, ws_uuid)
    if removed is None:
        raise not_found("workspace", ws_uuid)
    return shapes.render(removed)


@bp.route("/v1/workspaces/{ws_uuid}/available-images", methods=["GET"])
@json_view
def available_images(ws_uuid):
    ws = scope.workspace(caller(bp.current_request), ws_uuid)
    return shapes.images(catalog.bodo_versions(ws))


@bp.route("/v1/workspaces/{ws_uuid}/available-instances", methods=["GET"])
@json_view
def available_instances(ws_uuid):
    ws = scope.workspace(caller(bp.current_request), ws_uuid)
    return shapes.instance_types(catalog.instance_type_list(ws))
