"""Clusters, in the official SDK's shapes."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view, not_found, paged, query
from ..identity.caller import caller
from ..workspaces import scope
from . import commands, shapes

bp = Blueprint(__name__)


@bp.route("/v1/clusters", methods=["POST"])
@json_view
def create_cluster():
    ws = scope.own_workspace(caller(bp.current_request))
    spec = shapes.parse_create(ws, body(bp.current_request))
    return shapes.render(commands.create(ws, spec))


@bp.route("/v1/clusters/{cluster_uuid}", methods=["GET"])
@json_view
def get_cluster(cluster_uuid):
    found = commands.get(caller(bp.current_request).require_workspace(), cluster_uuid)
    if found is None:
        raise not_found("cluster", cluster_uuid)
    return shapes.render(found)


@bp.route("/v2/clusters", methods=["GET"])
@json_view
def list_clusters():
    ws = caller(bp.current_request).require_workspace()
    params = query(bp.current_request)
    q = shapes.parse_list(params)
    found, total = commands.list_page(ws, q)
    return paged([shapes.render(c) for c in found], total, q.number, q.size,
                 order=(params.get("order") or ["ASC"])[-1].upper())


@bp.route("/v1/clusters/{cluster_uuid}", methods=["DELETE"])
@json_view
def remove_cluster(cluster_uuid):
    removed = commands.remove(caller(bp.current_request).require_workspace(), cluster_uuid)
    if removed is None:
        raise not_found("cluster", cluster_uuid)
    return shapes.render(removed)
