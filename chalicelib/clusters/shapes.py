"""Cluster requests and replies in the official SDK's shapes (camelCase)."""
from __future__ import annotations

from ..api import validate as v
from ..api.http import invalid, page_params
from ..kernel.listing import ListQuery
from ..kernel.times import iso
from ..workspaces import catalog
from ..workspaces.machine import Workspace
from .machine import Cluster, ClusterSpec, ClusterStatus, Upgrade, total_core_count

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
    if itype is None or not itype.zones:
        raise invalid("instanceType", f"{type_name} is not offered in {ws.region}")
    if itype.vcpus < 2:
        raise invalid("instanceType", f"{type_name} has {itype.vcpus} vCPU: an MPI node needs "
                                      f"at least 2")
    if not itype.cluster_placement:
        raise invalid("instanceType", f"{type_name} cannot join a cluster placement group, "
                                      f"which MPI clusters need: choose a type from the "
                                      f"workspace's available instances")
    if efa and not itype.efa:
        raise invalid("acceleratedNetworking", f"{type_name} does not support EFA")
    zone = _zone(ws, itype, v.string(body, "availabilityZone", max_len=32))
    image = catalog.image_for(ws, version)
    if image is None:
        offered = ", ".join(i.bodo_version for i in catalog.bodo_versions(ws))
        raise invalid("bodoVersion", f"{version} is not available; choose one of {offered}")
    return ClusterSpec(name=name, instance_type=itype.name, workers_quantity=workers,
                       bodo_version=image.bodo_version, image_id=image.image_id,
                       vcpus=itype.vcpus, region=ws.region, accelerated_networking=efa,
                       auto_stop=auto_stop, auto_pause=auto_pause, availability_zone=zone,
                       **spec_fields)


def _zone(ws: Workspace, itype, zone: str | None) -> str | None:
    """The zone asked for, if any: one the type is offered in and the workspace's network
    has subnets in (else 400 naming those that would work). Unasked, the launch takes the
    first zone that has capacity."""
    if zone is None:
        return None
    net = (ws.network or {}).get("private_subnets") or {}
    fit = sorted(z for z in itype.zones if not net or z in net)
    if zone not in fit:
        raise invalid("availabilityZone", f"{itype.name} cannot launch in {zone} here; zones "
                                          f"that would work: {', '.join(fit) or 'none'}")
    return zone


# PATCH fields applied at once: body key -> (spec field, reader)
UPDATE_FIELDS = {
    "name": ("name", lambda b, k: v.name(b, k, required=False)),
    "description": ("description", lambda b, k: v.string(b, k, max_len=512)),
    "autoStop": ("auto_stop", lambda b, k: v.integer(b, k, low=0, high=MAX_IDLE_MINUTES)),
    "autoPause": ("auto_pause", lambda b, k: v.integer(b, k, low=0, high=MAX_IDLE_MINUTES)),
    "autoUpgrade": ("auto_upgrade", lambda b, k: v.boolean(b, k)),
    "customTags": ("custom_tags", lambda b, k: v.tags(b, k)),
}


def parse_update(ws: Workspace, cluster: Cluster, body: dict) -> tuple[dict, Upgrade | None,
                                                                        int | None]:
    """A PATCH body as the SDK sends it (any subset of the create keys, often all of them
    again): (spec changes, the upgrade for the next restart or None, the new node count or
    None). Only keys present count; null is absent; instanceRoleUUID, autoAZ and
    availabilityZone are accepted and not used (a cluster stays in its zone)."""
    changes = {field: read(body, key) for key, (field, read) in UPDATE_FIELDS.items()
               if body.get(key) is not None}
    workers = (v.integer(body, "workersQuantity", low=1, high=MAX_WORKERS)
               if body.get("workersQuantity") is not None else None)
    return changes, _upgrade(ws, cluster, body), workers


def _upgrade(ws: Workspace, cluster: Cluster, body: dict) -> Upgrade | None:
    """The instance type and Bodo version asked, each checked against the catalog as at
    creation; what is not asked stays as it will be after the next restart."""
    type_name = v.string(body, "instanceType", max_len=64)
    version = v.string(body, "bodoVersion", max_len=64)
    if type_name is None and version is None:
        return None
    s, after = cluster.spec, cluster.upgrade
    upgrade = after or Upgrade(s.instance_type, s.vcpus, s.bodo_version, s.image_id)
    if type_name is not None and type_name != upgrade.instance_type:
        itype = catalog.instance_type(ws, type_name)
        if itype is None:
            raise invalid("instanceType", f"{type_name} is not offered in {ws.region}")
        if s.accelerated_networking and not itype.efa:
            raise invalid("instanceType", f"{type_name} does not support EFA, which this "
                                          f"cluster uses")
        upgrade = Upgrade(itype.name, itype.vcpus, upgrade.bodo_version, upgrade.image_id)
    if version is not None and version != upgrade.bodo_version:
        image = catalog.image_for(ws, version)
        if image is None:
            offered = ", ".join(i.bodo_version for i in catalog.bodo_versions(ws))
            raise invalid("bodoVersion", f"{version} is not available; choose one of {offered}")
        upgrade = Upgrade(upgrade.instance_type, upgrade.vcpus, image.bodo_version,
                          image.image_id)
    return upgrade


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
        "autoAZ": s.availability_zone is None,
        "availabilityZone": c.template_zone or s.availability_zone,
        "useSpotInstance": False,
        "memoryReportEnabled": s.memory_report_enabled,
        "isJobDedicated": s.is_job_dedicated,
        "customTags": s.custom_tags,
        "sshPublicKey": s.ssh_public_key,
        "allowedIps": list(s.allowed_ips),
        "region": s.region,
        "workspaceUUID": c.workspace_uuid,
        "hostfile": c.hostfile,                  # set once the cluster is MPI-ready
        "totalCoreCount": total_core_count(c),
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "inStateSince": iso(c.in_state_since),
        "lastKnownActivity": iso(c.last_activity),
        "nodesIp": [n["private_ip"] for n in c.nodes],
        "nodeMetadata": [_node(n) for n in c.nodes],
        "instanceRole": None,
        "failureReason": c.failure,
        "taskUUID": c.task.uuid,
        # An instance type or Bodo version asked by PATCH, waiting for the next restart.
        "pendingChanges": ({"instanceType": c.upgrade.instance_type,
                            "bodoVersion": c.upgrade.bodo_version} if c.upgrade else None),
    }


def _node(n: dict) -> dict:
    """A node as the SDK reads it; publicIP only for a node that has one (SSH open)."""
    node = {"privateIP": n["private_ip"], "instanceId": n["instance_id"], "memUsage": None}
    if n.get("public_ip"):
        node["publicIP"] = n["public_ip"]
    return node


# ordering=<field>_<asc|desc> (the SDK's `order` dict); creation order is the list's own.
NAME_ORDER = {"name_asc": False, "name_desc": True}
CREATED_ORDER = {"created_asc": False, "created_desc": True}
LIVE_STATUSES = frozenset(s.value for s in ClusterStatus if s != ClusterStatus.TERMINATED)


def parse_list(params: dict) -> ListQuery:
    """The SDK's list parameters: page, size, order=ASC|DESC, ordering, and the filters
    clusterName, status, uuid, tag=key:value (each may repeat)."""
    number, size = page_params(params)
    names = frozenset(params.get("clusterName", []))
    tag_pairs = [t.partition(":")[::2] for t in params.get("tag", [])]
    ordering = (params.get("ordering") or ["created_asc"])[-1]
    if ordering not in NAME_ORDER and ordering not in CREATED_ORDER:
        raise invalid("ordering", f"one of {', '.join([*NAME_ORDER, *CREATED_ORDER])}")
    flip = (params.get("order") or [""])[-1].upper() == "DESC"

    def keep(c: Cluster) -> bool:
        return ((not names or c.spec.name in names)
                and all(c.spec.custom_tags.get(k) == val for k, val in tag_pairs))

    return ListQuery(
        number=number, size=size,
        descending=CREATED_ORDER.get(ordering, False) != flip,
        statuses=frozenset(params.get("status", [])), uuids=frozenset(params.get("uuid", [])),
        live_statuses=LIVE_STATUSES, keep=keep if names or tag_pairs else None,
        order=((lambda c: c.spec.name.lower(), NAME_ORDER[ordering])
               if ordering in NAME_ORDER else None))
