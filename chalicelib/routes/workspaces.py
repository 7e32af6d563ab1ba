"""Workspaces (the SDK's workspace endpoints, a real lifecycle: NEW, INPROGRESS, READY or FAILED,
TERMINATING, TERMINATED), their API keys and what they can launch (images, instance types)."""
from __future__ import annotations

from chalice import Blueprint, Response

from .. import catalog, identity, workspaces
from ..api import render, scope
from ..api.auth import Caller, caller
from ..api.http import ApiError, body, invalid, json_view, not_found, page, query
from ..api.validate import NAME, string, tags
from ..lifecycle.workspace import REGIONS, Workspace, WorkspaceSpec

bp = Blueprint(__name__)


def _reach(c: Caller, ws_uuid: str) -> Workspace:
    """The caller's workspace with its whole lifecycle state (a workspace key reaches only
    its own): else 404."""
    return scope.workspace(c, ws_uuid, load=workspaces.get)


def _spec(c: Caller, org: identity.Organization, b: dict) -> WorkspaceSpec:
    name = string(b, "name", required=True, max_len=64, pattern=NAME,
                  hint="1-64 letters, digits, spaces, '_', '.' or '-', starting with a letter "
                       "or digit")
    region = string(b, "region", required=True, max_len=32)
    if region not in REGIONS:
        raise invalid("region", f"{region!r} is not supported: use one of {', '.join(REGIONS)}")
    cloud = b.get("cloudConfig")
    cc_uuid = cloud.get("uuid") if isinstance(cloud, dict) else None
    if not isinstance(cc_uuid, str) or not cc_uuid:
        raise invalid("cloudConfig.uuid", "is required: the uuid of your organization's cloud "
                                          "config (GET /v1/cloud-configs)")
    custom_tags = tags(b, "customTags")
    data = b.get("workspaceData")
    if data is not None and not isinstance(data, dict):
        raise invalid("workspaceData", "must be an object, e.g. {\"kmsKeyArn\": \"arn:aws:kms:...\"}")
    kms = string(data or {}, "kmsKeyArn", max_len=2048)
    if kms is not None and not kms.startswith("arn:aws:kms:"):
        raise invalid("workspaceData.kmsKeyArn", "must be a KMS key ARN (arn:aws:kms:...)")
    if not org.linked:
        raise ApiError(409, "Conflict", "This organization has no linked AWS account: link one "
                                        "first (Settings, or POST /v1/cloud-configs), then create "
                                        "the workspace with that cloud config's uuid.")
    if cc_uuid != org.cloud_config_uuid:
        raise invalid("cloudConfig.uuid", f"{cc_uuid} is not your organization's cloud config: "
                                          f"use {org.cloud_config_uuid}")
    return WorkspaceSpec(name=name, region=region, cloud_config_uuid=cc_uuid,
                         custom_tags=custom_tags,
                         workspace_data={"kmsKeyArn": kms} if kms else {},
                         created_by=c.user_uuid or c.client_id or None)


@bp.route("/v1/workspaces", methods=["POST"])
@json_view
def create_workspace():
    c = caller(bp.current_request)
    org = identity.get_organization(c.require_organization())
    if org is None:
        raise not_found("organization", c.organization_uuid)
    spec = _spec(c, org, body(bp.current_request))
    taken = [w for w in workspaces.list_all(org.uuid)
             if w.name == spec.name and w.status.value != "TERMINATED"]
    if taken:
        raise ApiError(409, "Conflict", f"A workspace named {spec.name} already exists "
                                        f"({taken[0].uuid}, {taken[0].status.value}): choose "
                                        f"another name, or remove that workspace first.", "name")
    return render.workspace(workspaces.create(org.uuid, spec))


@bp.route("/v1/workspaces", methods=["GET"])
@json_view
def list_workspaces():
    c = caller(bp.current_request)
    params = query(bp.current_request)
    found = workspaces.list_all(c.organization_uuid)
    if c.workspace_uuid:
        found = [w for w in found if w.uuid == c.workspace_uuid]
    for key, value in (("uuid", lambda w: w.uuid), ("name", lambda w: w.name),
                       ("status", lambda w: w.status.value)):
        wanted = set(params.get(key, []))
        if wanted:
            found = [w for w in found if value(w) in wanted]
    return page([render.workspace(w) for w in found], params)


@bp.route("/v1/workspaces/{ws_uuid}", methods=["GET"])
@json_view
def get_workspace(ws_uuid):
    return render.workspace(_reach(caller(bp.current_request), ws_uuid))


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
    _reach(c, ws_uuid)
    removed = workspaces.remove(c.organization_uuid, ws_uuid)
    if removed is None:
        raise not_found("workspace", ws_uuid)
    return render.workspace(removed)


@bp.route("/v1/workspaces/{ws_uuid}/api-tokens", methods=["POST"])
@json_view
def create_workspace_key(ws_uuid):
    c = caller(bp.current_request)
    c.require_organization()
    ws = scope.workspace(c, ws_uuid)
    if ws.status in ("TERMINATING", "TERMINATED"):
        raise ApiError(409, "Conflict", f"Workspace {ws.name} is {ws.status}: keys can be made "
                                        f"only for a workspace that is not removed.")
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
