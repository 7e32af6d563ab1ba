"""Clusters, in the official SDK's shapes."""
from __future__ import annotations

from chalice import Blueprint

from .. import clusters
from ..api import clusters as cluster_api
from ..api import scope
from ..api.auth import caller
from ..api.http import body, json_view, not_found, page, query

bp = Blueprint(__name__)


@bp.route("/v1/clusters", methods=["POST"])
@json_view
def create_cluster():
    ws = scope.own_workspace(caller(bp.current_request))
    spec = cluster_api.parse_create(ws, body(bp.current_request))
    return cluster_api.render(clusters.create(ws, spec))


@bp.route("/v1/clusters/{cluster_uuid}", methods=["GET"])
@json_view
def get_cluster(cluster_uuid):
    found = clusters.get(caller(bp.current_request).require_workspace(), cluster_uuid)
    if found is None:
        raise not_found("cluster", cluster_uuid)
    return cluster_api.render(found)


@bp.route("/v2/clusters", methods=["GET"])
@json_view
def list_clusters():
    ws = caller(bp.current_request).require_workspace()
    params = query(bp.current_request)
    found = cluster_api.filter_and_sort(clusters.list_all(ws), params)
    return page([cluster_api.render(c) for c in found], params,
                order=(params.get("order") or ["ASC"])[-1].upper())


@bp.route("/v1/clusters/{cluster_uuid}", methods=["DELETE"])
@json_view
def remove_cluster(cluster_uuid):
    removed = clusters.remove(caller(bp.current_request).require_workspace(), cluster_uuid)
    if removed is None:
        raise not_found("cluster", cluster_uuid)
    return cluster_api.render(removed)
