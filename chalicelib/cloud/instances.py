"""A running cluster's instances once launched: stopped and started again (disks kept), their
type changed while stopped, a new launch template version for an upgrade, extra nodes launched
into the same template and placement group, and nodes terminated one by one.

Each call first reads what the instances are now, so a retry after a crash between the call
and its recorded result converges instead of calling twice (a second StopInstances is harmless
on AWS, but a start of a still-stopping instance is not)."""
from __future__ import annotations

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

UP = ("pending", "running")
DOWN = ("stopping", "stopped")


def states(ec2, instance_ids: list[str]) -> dict[str, dict]:
    """Each instance's description by id. A fresh instance may answer NotFound for a while
    (eventual consistency): that is a passing error (cloud/errors.py)."""
    if not instance_ids:
        return {}
    reservations = call(ec2.describe_instances, InstanceIds=list(instance_ids))["Reservations"]
    return {i["InstanceId"]: i for r in reservations for i in r["Instances"]}


def _state(instance: dict) -> str:
    return instance["State"]["Name"]


def stop(ec2, instance_ids: list[str]) -> list[str]:
    """Stop the instances that still run (the others are stopping or stopped already)."""
    running = sorted(i for i, d in states(ec2, instance_ids).items() if _state(d) in UP)
    if running:
        call(ec2.stop_instances, InstanceIds=running)
    return running


def stopped(ec2, instance_ids: list[str]) -> tuple[bool, str]:
    """(every instance stopped, what is still awaited). An instance that is gone (terminated
    by someone) can never stop or start again: a lasting error naming it."""
    found = states(ec2, instance_ids)
    gone = [i for i in instance_ids if i not in found
            or _state(found[i]) in ("shutting-down", "terminated")]
    if gone:
        raise CloudError("IncorrectInstanceState", f"instance(s) {', '.join(gone)} were "
                         f"terminated outside the platform", transient=False)
    waiting = [i for i, d in found.items() if _state(d) != "stopped"]
    return not waiting, f"{len(waiting)} instance(s) still stopping"


def start(ec2, instance_ids: list[str]) -> list[str]:
    """Start the stopped instances (those already starting or running are left alone)."""
    found = states(ec2, instance_ids)
    still = [i for i, d in found.items() if _state(d) == "stopping"]
    if still:   # AWS refuses to start an instance before it is stopped: wait for it
        raise CloudError("IncorrectInstanceState", f"{len(still)} instance(s) still stopping",
                         transient=True)
    down = sorted(i for i, d in found.items() if _state(d) == "stopped")
    if down:
        call(ec2.start_instances, InstanceIds=down)
    return down


def change_type(ec2, instance_ids: list[str], instance_type: str) -> list[str]:
    """Give stopped instances a new type (AWS changes it only while an instance is stopped)."""
    changed = []
    for i, d in sorted(states(ec2, instance_ids).items()):
        if d.get("InstanceType") == instance_type:
            continue
        call(ec2.modify_instance_attribute, InstanceId=i, InstanceType={"Value": instance_type})
        changed.append(i)
    return changed


def upgrade_template(ec2, launch_template_id: str, instance_type: str, image_id: str,
                     marker: str) -> int:
    """A new default version of the launch template with this type and image."""
    return new_default_version(ec2, launch_template_id, marker, lambda data: {
        **data, "InstanceType": instance_type, "ImageId": image_id})


def new_default_version(ec2, launch_template_id: str, marker: str, change) -> int:
    """A new version of the launch template, `change(latest data)`, made its default;
    `marker` names the version, so a retry finds the one it made. The version carries the
    latest one's whole data, written out (not SourceVersion): what it holds is then what this
    code read, on AWS as in an emulator."""
    latest = call(ec2.describe_launch_template_versions, LaunchTemplateId=launch_template_id,
                  Versions=["$Latest"])["LaunchTemplateVersions"][0]
    if latest.get("VersionDescription") == marker:
        number = latest["VersionNumber"]
    else:
        number = call(ec2.create_launch_template_version, LaunchTemplateId=launch_template_id,
                      VersionDescription=marker, LaunchTemplateData=change(
                          latest["LaunchTemplateData"]),
                      )["LaunchTemplateVersion"]["VersionNumber"]
    call(ec2.modify_launch_template, LaunchTemplateId=launch_template_id,
         DefaultVersion=str(number))
    return int(number)


def unrecorded(ec2, cluster_uuid: str, known: list[str]) -> list[str]:
    """Pending or running instances tagged with the cluster that it has not recorded: what an
    interrupted launch made before its result was written."""
    pages = ec2.get_paginator("describe_instances").paginate(Filters=t.filters(
        {t.CLUSTER: cluster_uuid}) + [{"Name": "instance-state-name", "Values": list(UP)}])
    found = call(lambda: [i["InstanceId"] for p in pages for r in p["Reservations"]
                          for i in r["Instances"] if not t.is_notebook_node(i)])
    return sorted(set(found) - set(known))


def launch_nodes(ec2, cluster_uuid: str, launch_template_id: str, count: int, token: str,
                 known: list[str], tags: dict) -> list[str]:
    """`count` more nodes from the cluster's launch template (its latest version: its subnet,
    groups and placement group, so the same zone and the same placement group), all or none.
    `token` (one per request) makes AWS answer a repeated launch with the first one."""
    found = unrecorded(ec2, cluster_uuid, known)
    if len(found) >= count:   # an earlier attempt got through before its result was recorded
        return found[:count]
    reply = call(
        ec2.create_fleet, Type="instant", ClientToken=token[:64],
        LaunchTemplateConfigs=[{"LaunchTemplateSpecification": {
            "LaunchTemplateId": launch_template_id, "Version": "$Latest"}}],
        TargetCapacitySpecification={"TotalTargetCapacity": count - len(found),
                                     "DefaultTargetCapacityType": "on-demand"},
        OnDemandOptions={"SingleInstanceType": True, "SingleAvailabilityZone": True,
                         "MinTargetCapacity": count - len(found)},
        TagSpecifications=[t.spec("fleet", tags)])
    ids = sorted(i for g in reply.get("Instances", []) for i in g.get("InstanceIds", []))
    if len(found) + len(ids) < count:
        if ids or found:
            call(ec2.terminate_instances, InstanceIds=sorted(set(ids) | set(found)))
        first = (reply.get("Errors") or [{}])[0]
        raise CloudError(first.get("ErrorCode", "InsufficientInstanceCapacity"),
                         first.get("ErrorMessage", f"only {len(ids)} of {count - len(found)} "
                                                   f"more instances could be launched"),
                         transient=False)
    return sorted(set(found) | set(ids))


def terminate_nodes(ec2, instance_ids: list[str]) -> list[str]:
    """Terminate these nodes (a terminated one answers as before: the call is idempotent)."""
    if instance_ids:
        try:
            call(ec2.terminate_instances, InstanceIds=list(instance_ids))
        except CloudError as e:
            if e.code != "InvalidInstanceID.NotFound":
                raise
    return list(instance_ids)
