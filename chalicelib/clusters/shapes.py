"""Cluster requests and replies in the official SDK's shapes (camelCase)."""
from __future__ import annotations

from ..api import validate as v
from ..api.http import invalid
from ..kernel.times import iso
from ..workspaces import catalog
from ..workspaces.machine import Workspace
from .machine import Cluster, ClusterSpec

MAX_WORKERS = 256
MAX_IDLE_MINUTES = 7 * 24 * 60


def parse_create(ws: Workspace, body: dict) -> ClusterSpec:
    """Validate a create body against the workspace's catalog. Raises 400 naming the field."""
    name = v.name(body, "name")
    type_name = v.string(body, "instanceType", required=True, max_len=64)
    workers = v.integer(body, "workersQuantity", required=True, low=1, high=MAX_WORKERS)
    version = v.string(body, "bodoVersion", max_len=64)
    auto_stop = v.integer(body, "autoStop", default=0, low=0, high=MAX_IDLE_MINUTES)
    auto_pause = v.integer(body, "autoPause", default=0, low=0, high=MAX_IDLE_MINUTES)
    efa = v.boolean(body, "acceleratedNetworking")
    if v.boolean(body, "useSpotInstance"):
        raise invalid("useSpotInstance", "spot instances are not offered: MPI clusters need "
                                         "every node for the whole run")
    spec_fields = dict(
        description=v.string(body, "description", default="", max_len=512),
        auto_upgrade=v.boolean(body, "autoUpgrade"),
        ssh_public_key=v.ssh_public_key(body, "sshPublicKey"),
        allowed_ips=v.cidrs(body, "allowedIps"),
        custom_tags=v.tags(body, "customTags"),
        memory_report_enabled=v.boolean(body, "memoryReportEnabled"),
    )
    itype = catalog.instance_type(ws, type_name)
    if itype is None:
        raise invalid("instanceType", f"{type_name} is not offered in {ws.region}")
    if efa and not itype.efa:
        raise invalid("acceleratedNetworking", f"{type_name} does not support EFA")
    image = catalog.image_for(ws, version)
    if image is None:
        offered = ", ".join(i.bodo_version for i in catalog.bodo_versions(ws))
        raise invalid("bodoVersion", f"{version} is not available; choose one of {offered}")
    return ClusterSpec(name=name, instance_type=itype.name, workers_quantity=workers,
                       bodo_version=image.bodo_version, image_id=image.image_id,
                       vcpus=itype.vcpus, region=ws.region, accelerated_networking=efa,
                       auto_stop=auto_stop, auto_pause=auto_pause, **spec_fields)


def render(c: Cluster) -> dict:
    s = c.spec
    return {
        "uuid": c.uuid,
        "name": s.name,
        "description": s.description,
        "status": c.status.value,
        "instanceType": s.instance_type,
        "workersQuantity": s.workers_quantity,
        "bodoVersion": s.bodo_version,
        "imageId": s.image_id,
        "coresPerWorker": s.cores_per_worker,
        "acceleratedNetworking": s.accelerated_networking,
        "autoStop": s.auto_stop,
        "autoPause": s.auto_pause,
        "autoUpgrade": s.auto_upgrade,
        "autoAZ": False,
        "useSpotInstance": False,
        "memoryReportEnabled": s.memory_report_enabled,
        "isJobDedicated": s.is_job_dedicated,
        "customTags": s.custom_tags,
        "sshPublicKey": s.ssh_public_key,
        "allowedIps": list(s.allowed_ips),
        "region": s.region,
        "workspaceUUID": c.workspace_uuid,
        "hostfile": f"/shared/.hostfile-{c.uuid}",
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "inStateSince": iso(c.in_state_since),
        "lastKnownActivity": iso(c.updated_at),
        "nodesIp": [n["private_ip"] for n in c.nodes],
        "nodeMetadata": [{"privateIP": n["private_ip"], "publicIP": n.get("public_ip", ""),
                          "instanceId": n["instance_id"], "memUsage": None} for n in c.nodes],
        "instanceRole": None,
        "failureReason": c.failure,
        "taskUUID": c.task.uuid,
    }


ORDERINGS = {
    "name_asc": (lambda c: c.spec.name.lower(), False),
    "name_desc": (lambda c: c.spec.name.lower(), True),
    "created_asc": (lambda c: c.created_at, False),
    "created_desc": (lambda c: c.created_at, True),
}


def filter_and_sort(clusters: list[Cluster], params: dict) -> list[Cluster]:
    names = set(params.get("clusterName", []))
    statuses = set(params.get("status", []))
    uuids = set(params.get("uuid", []))
    tag_pairs = [t.partition(":")[::2] for t in params.get("tag", [])]
    out = [c for c in clusters
           if (not names or c.spec.name in names) and (not statuses or c.status.value in statuses)
           and (not uuids or c.uuid in uuids)
           and all(c.spec.custom_tags.get(k) == val for k, val in tag_pairs)]
    ordering = (params.get("ordering") or ["created_asc"])[-1]
    if ordering not in ORDERINGS:
        raise invalid("ordering", f"one of {', '.join(ORDERINGS)}")
    key, reverse = ORDERINGS[ordering]
    if (params.get("order") or [""])[-1].upper() == "DESC":
        reverse = not reverse
    return sorted(out, key=key, reverse=reverse)
