"""The organization's shared file system in one region (EFS, mounted at /shared on every node),
with a mount target in each private subnet carrying the node security group. Found by its
creation token (EFS's own idempotency key, one per organization) and checked by tag; converged
on every call (missing mount targets are made, a mount target's groups are set again)."""
from __future__ import annotations

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

ROLE = "shared-files"


def creation_token(org: str) -> str:
    return f"corral-{org}"


def _file_system(efs, org: str) -> dict | None:
    found = call(efs.describe_file_systems, CreationToken=creation_token(org))["FileSystems"]
    return found[0] if found else None


def ensure_file_system(efs, org: str) -> tuple[str, str]:
    """(file system id, life cycle state): mount targets can be made once it is `available`."""
    fs = _file_system(efs, org)
    if fs is None:
        try:
            fs = call(efs.create_file_system, CreationToken=creation_token(org),
                      PerformanceMode="generalPurpose", Encrypted=True,
                      Tags=t.tag_list({t.ORG: org, t.ROLE: ROLE, "Name": "corral-shared"}))
        except CloudError as e:   # the token was used meanwhile (a retry raced): read it back
            if e.code != "FileSystemAlreadyExists":
                raise
            fs = _file_system(efs, org)
    return fs["FileSystemId"], fs["LifeCycleState"]


def ensure_mount_targets(efs, file_system_id: str, subnets: dict[str, str],
                         security_group_id: str) -> tuple[dict[str, str], bool]:
    """({zone: mount target id}, all available): one per private subnet, with the node group."""
    existing = {m["SubnetId"]: m for m in _mount_targets(efs, file_system_id)}
    out, ready = {}, True
    for zone, subnet_id in sorted(subnets.items()):
        mount = existing.get(subnet_id)
        if mount is None:
            mount = call(efs.create_mount_target, FileSystemId=file_system_id,
                         SubnetId=subnet_id, SecurityGroups=[security_group_id])
        elif mount["LifeCycleState"] == "available":
            groups = call(efs.describe_mount_target_security_groups,
                          MountTargetId=mount["MountTargetId"])["SecurityGroups"]
            if groups != [security_group_id]:
                call(efs.modify_mount_target_security_groups,
                     MountTargetId=mount["MountTargetId"], SecurityGroups=[security_group_id])
        out[zone] = mount["MountTargetId"]
        ready = ready and mount["LifeCycleState"] == "available"
    return out, ready


def _mount_targets(efs, file_system_id: str) -> list[dict]:
    return call(efs.describe_mount_targets, FileSystemId=file_system_id)["MountTargets"]


def delete_mount_targets(efs, org: str) -> tuple[list[str], bool]:
    """Ask each mount target to go: (ids asked, all gone). The file system can be deleted
    only once none is left."""
    fs = _file_system(efs, org)
    if fs is None:
        return [], True
    found = _mount_targets(efs, fs["FileSystemId"])
    asked = [m["MountTargetId"] for m in found if m["LifeCycleState"] != "deleting"]
    for mount_id in asked:
        call(efs.delete_mount_target, MountTargetId=mount_id)
    return asked, not (_mount_targets(efs, fs["FileSystemId"]) if asked else found)


def delete_file_system(efs, org: str) -> list[str]:
    fs = _file_system(efs, org)
    if fs is None:
        return []
    call(efs.delete_file_system, FileSystemId=fs["FileSystemId"])
    return [fs["FileSystemId"]]
