"""Workspaces, their API keys and what they can launch (images, instance types)."""
from __future__ import annotations

from chalice import Blueprint, Response

from .. import catalog, identity
from ..api import render, scope
from ..api.auth import caller
from ..api.http import body, json_view, page, query
from ..api.validate import string

bp = Blueprint(__name__)


@bp.route("/v1/workspaces", methods=["GET"])
@json_view
def list_workspaces():
    c = caller(bp.current_request)
    found = identity.list_workspaces(c.organization_uuid)
    if c.workspace_uuid:
        found = [w for w in found if w.uuid == c.workspace_uuid]
    return page([render.workspace(w) for w in sorted(found, key=lambda w: w.created_at)],
                query(bp.current_request))


@bp.route("/v1/workspaces/{ws_uuid}", methods=["GET"])
@json_view
def get_workspace(ws_uuid):
    return render.workspace(scope.workspace(caller(bp.current_request), ws_uuid))


@bp.route("/v1/workspaces/{ws_uuid}/api-tokens", methods=["POST"])
@json_view
def create_workspace_key(ws_uuid):
    c = caller(bp.current_request)
    c.require_organization()
    ws = scope.workspace(c, ws_uuid)
    name = string(body(bp.current_request), "name", default="", max_len=128)
    client, secret = identity.create_client(ws.organization_uuid, ws.uuid, name=name)
    return Response(body={"clientId": client.client_id, "secret": secret,
                          "workspaceUUID": ws.uuid}, status_code=201)


@bp.route("/v1/workspaces/{ws_uuid}/available-images", methods=["GET"])
@json_view
def available_images(ws_uuid):
    return render.images(catalog.bodo_versions(scope.workspace(caller(bp.current_request), ws_uuid)))


@bp.route("/v1/workspaces/{ws_uuid}/available-instances", methods=["GET"])
@json_view
def available_instances(ws_uuid):
    ws = scope.workspace(caller(bp.current_request), ws_uuid)
    return render.instance_types(catalog.instance_type_list(ws))
