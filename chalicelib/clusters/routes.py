"""Clusters, in the official SDK's shapes."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view, not_found, paged, query
from ..identity.caller import actor, caller
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


def _act(cluster_uuid: str, command) -> dict:
    """Run `command(workspace, cluster, by)` for the caller: the cluster after it, 404 if
    there is none (a state that forbids it is a 409, from json_view)."""
    who = caller(bp.current_request)
    done = command(who.require_workspace(), cluster_uuid, actor(who))
    if done is None:
        raise not_found("cluster", cluster_uuid)
    return shapes.render(done)


@bp.route("/v1/clusters/{cluster_uuid}", methods=["DELETE"])
@json_view
def remove_cluster(cluster_uuid):
    return _act(cluster_uuid, lambda ws, c, by: commands.remove(ws, c, by=by))


@bp.route("/v1/clusters/{cluster_uuid}/pause", methods=["PUT"])
@json_view
def pause_cluster(cluster_uuid):
    return _act(cluster_uuid, commands.pause)


@bp.route("/v1/clusters/{cluster_uuid}/resume", methods=["PUT"])
@json_view
def resume_cluster(cluster_uuid):
    return _act(cluster_uuid, commands.resume)


@bp.route("/v1/clusters/{cluster_uuid}/stop", methods=["POST"])
@json_view
def stop_cluster(cluster_uuid):
    return _act(cluster_uuid, commands.stop)


@bp.route("/v1/clusters/{cluster_uuid}/restart", methods=["POST"])
@json_view
def restart_cluster(cluster_uuid):
    return _act(cluster_uuid, commands.restart)


@bp.route("/v1/clusters/{cluster_uuid}", methods=["PATCH"])
@json_view
def update_cluster(cluster_uuid):
    who = caller(bp.current_request)
    ws = scope.own_workspace(who)
    found = commands.get(ws.uuid, cluster_uuid)
    if found is None:
        raise not_found("cluster", cluster_uuid)
    changes, upgrade, workers = shapes.parse_update(ws, found, body(bp.current_request))
    return _act(cluster_uuid, lambda w, c, by: commands.update(w, c, changes, upgrade,
                                                               workers, by))
