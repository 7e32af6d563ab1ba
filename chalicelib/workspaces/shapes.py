"""Workspace requests and replies in the official SDK's shapes, and the catalog's (images and
instance types offered in the workspace)."""
from __future__ import annotations

from ..api import validate
from ..api.http import ApiError, invalid, page_params
from ..api.shapes import render_task
from ..api.validate import string, tags
from ..identity.caller import Caller
from ..identity.organizations import Organization
from ..kernel.listing import ListQuery
from ..kernel.regions import REGIONS
from ..kernel.times import iso
from .machine import Workspace, WorkspaceSpec, WorkspaceStatus


def parse_create(c: Caller, org: Organization, b: dict) -> WorkspaceSpec:
    """Validate a create body. Raises 400 naming the field (409 when nothing is linked)."""
    name = validate.name(b, "name")
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


LIVE_STATUSES = frozenset(s.value for s in WorkspaceStatus if s != WorkspaceStatus.TERMINATED)


def parse_list(params: dict, own: str | None = None) -> ListQuery:
    """The SDK's list parameters: page, size and the filters uuid, name, status (each may
    repeat). `own`: a workspace key sees its own workspace only."""
    number, size = page_params(params)
    uuids = frozenset(params.get("uuid", []))
    if own:
        uuids = (uuids & {own}) if uuids else frozenset({own})
        uuids = uuids or frozenset({""})       # asked for another one: nothing
    names = frozenset(params.get("name", []))
    return ListQuery(number=number, size=size, statuses=frozenset(params.get("status", [])),
                     uuids=uuids, live_statuses=LIVE_STATUSES,
                     keep=(lambda w: w.name in names) if names else None)


def render(ws: Workspace) -> dict:
    """The SDK's W shape. No `assignedAt` key at all: any value breaks the SDK's
    list_workspaces. `task` (extra, ignored by the SDK) says what the last operation did."""
    network = {"region": ws.region}
    if ws.network:
        net = ws.network
        network.update({"vpcId": net["vpc_id"],
                        "publicSubnetsIds": _by_zone(net.get("public_subnets")),
                        "privateSubnetsIds": _by_zone(net.get("private_subnets")),
                        "securityGroupId": net["security_group_id"],
                        "efsFileSystemId": net.get("file_system_id"),
                        "bucket": net.get("bucket"),
                        "instanceProfileArn": net.get("instance_profile_arn")})
    return {"uuid": ws.uuid, "organizationUUID": ws.organization_uuid, "name": ws.name,
            "status": ws.status.value, "region": ws.region, "networkData": network,
            "workspaceData": dict(ws.spec.workspace_data), "createdBy": ws.spec.created_by,
            "customTags": dict(ws.spec.custom_tags), "jupyterIsActive": False,
            "cloudConfig": {"uuid": ws.spec.cloud_config_uuid, "provider": "AWS"},
            "reason": ws.failure, "createdAt": iso(ws.created_at),
            "updatedAt": iso(ws.updated_at), "task": render_task(ws.task)}


def _by_zone(subnets: dict | None) -> list[str]:
    return [subnet for _, subnet in sorted((subnets or {}).items())]


def images(found: list) -> list[dict]:
    # The SDK takes the first option as the latest (its default bodoVersion).
    return [{"label": "Bodo", "options": [
        {"label": {"imageId": i.image_id, "bodo_version": i.bodo_version}} for i in found]}]


def instance_types(found: list) -> list[dict]:
    return [{"label": "Instance types", "options": [
        {"label": {"name": t.name, "vcpus": t.vcpus, "cores": t.cores, "memory": t.memory_mib,
                   "acceleratedNetworking": t.efa, "efa": t.efa}} for t in found]}]
