"""Reply shapes shared by every resource: times, workspaces, catalog entries."""
from __future__ import annotations

from datetime import datetime, timezone

from ..cloud.images import Image
from ..cloud.instance_types import InstanceType
from ..lifecycle.workspace import Workspace as WorkspaceState
from ..lifecycle.task import Task


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def workspace(ws: WorkspaceState) -> dict:
    """The SDK's W shape. No `assignedAt` key at all: any value breaks the SDK's
    list_workspaces. `task` (extra, ignored by the SDK) says what the last operation did."""
    network = {"region": ws.region}
    if ws.network:
        network.update({"vpcId": ws.network["vpc_id"],
                        "publicSubnetsIds": [ws.network["subnet_id"]], "privateSubnetsIds": [],
                        "securityGroupId": ws.network["security_group_id"]})
    return {"uuid": ws.uuid, "organizationUUID": ws.organization_uuid, "name": ws.name,
            "status": ws.status.value, "region": ws.region, "networkData": network,
            "workspaceData": dict(ws.spec.workspace_data), "createdBy": ws.spec.created_by,
            "customTags": dict(ws.spec.custom_tags), "jupyterIsActive": False,
            "cloudConfig": {"uuid": ws.spec.cloud_config_uuid, "provider": "AWS"},
            "reason": ws.failure, "createdAt": iso(ws.created_at),
            "updatedAt": iso(ws.updated_at), "task": render_task(ws.task)}


def images(found: list[Image]) -> list[dict]:
    # The SDK takes the first option as the latest (its default bodoVersion).
    return [{"label": "Bodo", "options": [
        {"label": {"imageId": i.image_id, "bodo_version": i.bodo_version}} for i in found]}]


def instance_types(found: list[InstanceType]) -> list[dict]:
    return [{"label": "Instance types", "options": [
        {"label": {"name": t.name, "vcpus": t.vcpus, "cores": t.cores, "memory": t.memory_mib,
                   "acceleratedNetworking": t.efa, "efa": t.efa}} for t in found]}]


def render_task(t: Task) -> dict:
    return {"uuid": t.uuid, "operation": t.operation, "resourceUUID": t.resource_uuid,
            "status": t.status.value, "details": list(t.details),
            "createdAt": iso(t.created_at), "updatedAt": iso(t.updated_at)}
