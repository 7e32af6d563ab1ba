"""Corral's HTTP API (Chalice). Routes are thin: authorize, parse, call a service, render.
The shapes follow the official Bodo Platform SDK (bodosdk 2.3.2); see README.md."""
from __future__ import annotations

import logging

from chalice import Chalice, Response

from chalicelib import catalog, clusters, identity, tokens
from chalicelib.api import clusters as cluster_api
from chalicelib.api import render
from chalicelib.api.auth import Caller, caller
from chalicelib.api.http import ApiError, body, json_view, not_found, page, query
from chalicelib.api.validate import string
from chalicelib.lifecycle.task import Task
from chalicelib.store import aggregates, models
from handlers.tick import blueprint as tick_blueprint
from handlers.worker import blueprint as worker_blueprint

app = Chalice(app_name="corral")
app.log.setLevel(logging.INFO)
app.register_blueprint(worker_blueprint)
app.register_blueprint(tick_blueprint)
models.configure()

SDK_VERSIONS_SUPPORTED = ("2.3.2",)


def _caller() -> Caller:
    return caller(app.current_request)


def _workspace(c: Caller, ws_uuid: str) -> identity.Workspace:
    """The workspace, if the caller may see it: its own (workspace key) or any of its
    organization's (organization key). Anything else is a 404, not a hint."""
    if c.workspace_uuid and c.workspace_uuid != ws_uuid:
        raise not_found("workspace", ws_uuid)
    ws = identity.get_workspace(c.organization_uuid, ws_uuid)
    if ws is None:
        raise not_found("workspace", ws_uuid)
    return ws


def _own_workspace(c: Caller) -> identity.Workspace:
    return _workspace(c, c.require_workspace())


# ---- identity -----------------------------------------------------------------------------

@app.route("/identity/resources/auth/v2/api-token", methods=["POST"])
@json_view
def api_token():
    b = body(app.current_request)
    client_id = string(b, "clientId", required=True, max_len=128)
    secret = string(b, "secret", required=True, max_len=256)
    client = identity.authenticate(client_id, secret)
    if client is None:
        raise ApiError(401, "Unauthorized", "unknown client id or wrong secret")
    return {"access_token": tokens.issue(client), "token_type": "Bearer"}


@app.route("/v1/sdk-versions/{version}", methods=["GET"])
@json_view
def sdk_version(version):
    supported = version in SDK_VERSIONS_SUPPORTED
    return {"sdkVersion": version, "isDeprecated": not supported,
            "notes": "" if supported else f"Corral is tested with bodosdk "
                                          f"{', '.join(SDK_VERSIONS_SUPPORTED)}"}


# ---- workspaces and their catalog ---------------------------------------------------------

@app.route("/v1/workspaces", methods=["GET"])
@json_view
def list_workspaces():
    c = _caller()
    found = identity.list_workspaces(c.organization_uuid)
    if c.workspace_uuid:
        found = [w for w in found if w.uuid == c.workspace_uuid]
    return page([render.workspace(w) for w in sorted(found, key=lambda w: w.created_at)],
                query(app.current_request))


@app.route("/v1/workspaces/{ws_uuid}", methods=["GET"])
@json_view
def get_workspace(ws_uuid):
    return render.workspace(_workspace(_caller(), ws_uuid))


@app.route("/v1/workspaces/{ws_uuid}/api-tokens", methods=["POST"])
@json_view
def create_workspace_key(ws_uuid):
    c = _caller()
    c.require_organization()
    ws = _workspace(c, ws_uuid)
    name = string(body(app.current_request), "name", default="", max_len=128)
    client, secret = identity.create_client(ws.organization_uuid, ws.uuid, name=name)
    return Response(body={"clientId": client.client_id, "secret": secret,
                          "workspaceUUID": ws.uuid}, status_code=201)


@app.route("/v1/workspaces/{ws_uuid}/available-images", methods=["GET"])
@json_view
def available_images(ws_uuid):
    return render.images(catalog.bodo_versions(_workspace(_caller(), ws_uuid)))


@app.route("/v1/workspaces/{ws_uuid}/available-instances", methods=["GET"])
@json_view
def available_instances(ws_uuid):
    return render.instance_types(catalog.instance_type_list(_workspace(_caller(), ws_uuid)))


# ---- clusters -----------------------------------------------------------------------------

@app.route("/v1/clusters", methods=["POST"])
@json_view
def create_cluster():
    ws = _own_workspace(_caller())
    spec = cluster_api.parse_create(ws, body(app.current_request))
    return cluster_api.render(clusters.create(ws, spec))


@app.route("/v1/clusters/{cluster_uuid}", methods=["GET"])
@json_view
def get_cluster(cluster_uuid):
    ws = _caller().require_workspace()
    found = clusters.get(ws, cluster_uuid)
    if found is None:
        raise not_found("cluster", cluster_uuid)
    return cluster_api.render(found)


@app.route("/v2/clusters", methods=["GET"])
@json_view
def list_clusters():
    ws = _caller().require_workspace()
    params = query(app.current_request)
    found = cluster_api.filter_and_sort(clusters.list_all(ws), params)
    return page([cluster_api.render(c) for c in found], params,
                order=(params.get("order") or ["ASC"])[-1].upper())


@app.route("/v1/clusters/{cluster_uuid}", methods=["DELETE"])
@json_view
def remove_cluster(cluster_uuid):
    ws = _caller().require_workspace()
    removed = clusters.remove(ws, cluster_uuid)
    if removed is None:
        raise not_found("cluster", cluster_uuid)
    return cluster_api.render(removed)


# ---- tasks --------------------------------------------------------------------------------

@app.route("/v1/tasks", methods=["GET"])
@json_view
def list_tasks():
    ws = _caller().require_workspace()
    params = query(app.current_request)
    found = [Task.from_dict(r.state) for r in aggregates.list_rows("task", ws)]
    resource = set(params.get("resourceUUID", []))
    status = set(params.get("status", []))
    found = [t for t in found if (not resource or t.resource_uuid in resource)
             and (not status or t.status.value in status)]
    found.sort(key=lambda t: t.created_at)
    return page([cluster_api.render_task(t) for t in found], params)


@app.route("/v1/tasks/{task_uuid}", methods=["GET"])
@json_view
def get_task(task_uuid):
    ws = _caller().require_workspace()
    row = aggregates.get("task", ws, task_uuid)
    if row is None:
        raise not_found("task", task_uuid)
    return cluster_api.render_task(Task.from_dict(row.state))
