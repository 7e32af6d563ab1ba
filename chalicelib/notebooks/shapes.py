"""Notebook requests and replies in the official SDK's conventions (camelCase, JSON objects;
unknown keys ignored)."""
from __future__ import annotations

import re

from ..api import validate as v
from ..api.http import invalid, page_params
from ..kernel.listing import ListQuery
from ..kernel.times import iso
from ..web.pages import NoPublicUrl, base_url
from ..workspaces import catalog
from ..workspaces.machine import Workspace
from . import commands
from .machine import ATTACHABLE, Notebook, NotebookSpec, NotebookStatus

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
LIVE_STATUSES = frozenset(s.value for s in NotebookStatus if s != NotebookStatus.TERMINATED)


def parse_create(ws: Workspace, body: dict) -> NotebookSpec:
    """Validate a create body: a name, an instance type of the workspace's catalog offered
    where the cluster runs, and a cluster of this workspace that is RUNNING or on its way.
    Raises 400 naming the field."""
    name = v.name(body, "name")
    type_name = v.string(body, "instanceType", required=True, max_len=64)
    cluster_uuid = v.string(body, "clusterUUID", required=True, max_len=36, pattern=UUID,
                            hint="must be a cluster's uuid")
    cluster = commands.cluster_of(ws.uuid, cluster_uuid.lower())
    if cluster is None:
        raise invalid("clusterUUID", f"there is no cluster {cluster_uuid} in workspace "
                                     f"{ws.name}")
    if cluster.status.value not in ATTACHABLE:
        raise invalid("clusterUUID", f"cluster {cluster.spec.name} is {cluster.status.value}: "
                                     f"a notebook attaches to a RUNNING cluster (or one being "
                                     f"created)")
    itype = catalog.instance_type(ws, type_name)
    if itype is None or not itype.zones:
        raise invalid("instanceType", f"{type_name} is not offered in {ws.region}")
    zone = cluster.template_zone or cluster.spec.availability_zone
    if zone and zone not in itype.zones:
        raise invalid("instanceType", f"{type_name} is not offered in {zone}, where cluster "
                                      f"{cluster.spec.name} runs")
    return NotebookSpec(name=name, instance_type=itype.name, cluster_uuid=cluster.uuid,
                        region=ws.region)


def open_path(notebook_uuid: str) -> str:
    return f"/notebooks/{notebook_uuid}/open"


def open_url(notebook_uuid: str) -> str:
    """The platform's address that opens the notebook for a signed-in person."""
    try:
        return base_url() + open_path(notebook_uuid)
    except NoPublicUrl:
        return open_path(notebook_uuid)


def render(n: Notebook) -> dict:
    s = n.spec
    return {
        "uuid": n.uuid,
        "name": s.name,
        "status": n.status.value,
        "clusterUUID": s.cluster_uuid,
        "cluster_id": s.cluster_uuid,
        "clusterName": n.cluster_name or None,
        "instanceType": s.instance_type,
        "region": s.region,
        "workspaceUUID": n.workspace_uuid,
        # The entry point (Jupyter asks for the notebook's token there); `openUrl` opens it for
        # a signed-in person of the organization, token included (the sign-in page otherwise).
        "url": n.url if n.status == NotebookStatus.READY else None,
        "openUrl": open_url(n.uuid) if n.status == NotebookStatus.READY else None,
        "distributionId": n.distribution_id,
        "vpcOriginId": n.vpc_origin_id,
        "instanceId": n.instance_id,
        "privateIP": n.private_ip,
        "hostfile": n.hostfile,
        "createdAt": iso(n.created_at),
        "updatedAt": iso(n.updated_at),
        "inStateSince": iso(n.in_state_since),
        "failureReason": n.failure,
        "taskUUID": n.task.uuid if n.task else None,
    }


def parse_list(params: dict) -> ListQuery:
    """page, size, order=ASC|DESC, and the filters status, uuid, clusterUUID (each may
    repeat)."""
    number, size = page_params(params)
    for u in params.get("uuid", []) + params.get("clusterUUID", []):
        if not UUID.fullmatch(u):
            raise invalid("uuid" if u in params.get("uuid", []) else "clusterUUID",
                          f"{u!r} is not a uuid")
    statuses = frozenset(params.get("status", []))
    unknown = sorted(statuses - {s.value for s in NotebookStatus})
    if unknown:
        raise invalid("status", f"unknown status {', '.join(unknown)}; one of "
                                f"{', '.join(s.value for s in NotebookStatus)}")
    clusters = frozenset(params.get("clusterUUID", []))
    return ListQuery(
        number=number, size=size,
        descending=(params.get("order") or [""])[-1].upper() == "DESC",
        statuses=statuses, uuids=frozenset(params.get("uuid", [])),
        live_statuses=LIVE_STATUSES,
        keep=(lambda n: n.spec.cluster_uuid in clusters) if clusters else None)
