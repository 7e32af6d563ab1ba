"""A cluster's own EC2 resources: a cluster placement group, a launch template (the node
profile, EFA, EFS at /shared), the pre-flight (a DryRun of the launch in a zone), an
instant EC2 fleet (all or nothing, in one zone), readiness (every instance
running and online in SSM; the MPI checks that follow run through cloud/ssm.py), and teardown.
Every resource is named or tagged after the cluster's uuid, so each call can first look for
what an earlier, interrupted attempt already made."""
from __future__ import annotations

import base64
from dataclasses import dataclass

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
# AWS's answers that concern one zone (or the account's quota) rather than the request: the
# pre-flight records them per zone, and a launch refused with one moves to the next zone.
ZONE_REFUSALS = frozenset({"InsufficientInstanceCapacity", "InsufficientCapacity",
                           "Unsupported", "VcpuLimitExceeded", "InstanceLimitExceeded",
                           "InsufficientHostCapacity"})


@dataclass(frozen=True)
class LaunchSpec:
    cluster_uuid: str
    image_id: str
    instance_type: str
    count: int
    subnet_id: str
    security_group_ids: tuple[str, ...]
    placement_group: str
    efa: bool
    tags: dict
    ssh_public_key: str | None = None
    instance_profile_arn: str | None = None   # the organization's node profile (SSM, EFS)
    file_system_id: str | None = None         # the organization's EFS, mounted at /shared
    public_ip: bool = False                   # only with an SSH key and allowed addresses
    node_key_parameter: str | None = None     # the cluster's own SSH key, for MPI between nodes
    region: str | None = None
    zone: str | None = None                   # the zone of `subnet_id`, where it is known


def resource_name(cluster_uuid: str) -> str:
    return f"corral-{cluster_uuid}"


def ensure_placement_group(ec2, cluster_uuid: str, tags: dict) -> str:
    name = resource_name(cluster_uuid)
    try:
        call(ec2.describe_placement_groups, GroupNames=[name])
        return name
    except CloudError as e:
        if e.code != "InvalidPlacementGroup.Unknown":
            raise
    try:
        call(ec2.create_placement_group, GroupName=name, Strategy="cluster",
             TagSpecifications=[t.spec("placement-group", tags)])
    except CloudError as e:
        if e.code != "InvalidPlacementGroup.Duplicate":
            raise
    return name


def ensure_access_group(ec2, cluster_uuid: str, vpc_id: str, cidrs: list[str], tags: dict) -> str:
    """The cluster's own security group: SSH (22/tcp) from the user's allowed addresses, one
    rule each. Converged: a group an interrupted attempt made gets the rules it lacks."""
    name = resource_name(cluster_uuid)
    found = call(ec2.describe_security_groups, Filters=[
        {"Name": "group-name", "Values": [name]}, {"Name": "vpc-id", "Values": [vpc_id]}])
    if found["SecurityGroups"]:
        group = found["SecurityGroups"][0]
    else:
        group_id = call(ec2.create_security_group, GroupName=name, VpcId=vpc_id,
                        Description="Corral cluster: SSH from the addresses its owner allowed",
                        TagSpecifications=[t.spec("security-group", tags)])["GroupId"]
        group = {"GroupId": group_id, "IpPermissions": []}
    missing = sorted(set(cidrs) - ssh_sources(group))
    if missing:
        try:
            call(ec2.authorize_security_group_ingress, GroupId=group["GroupId"], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": c} for c in missing if ":" not in c],
                 "Ipv6Ranges": [{"CidrIpv6": c} for c in missing if ":" in c]}])
        except CloudError as e:
            if e.code != "InvalidPermission.Duplicate":   # a racing attempt added them
                raise
    return group["GroupId"]


def ssh_sources(group: dict) -> set[str]:
    """The addresses a security group (as DescribeSecurityGroups gives it) lets in on 22/tcp."""
    return {r.get("CidrIp") or r.get("CidrIpv6")
            for p in group.get("IpPermissions", [])
            if p.get("IpProtocol") == "tcp" and p.get("FromPort") == 22 and p.get("ToPort") == 22
            for r in (*p.get("IpRanges", []), *p.get("Ipv6Ranges", []))}


def ensure_launch_template(ec2, spec: LaunchSpec) -> str:
    name = resource_name(spec.cluster_uuid)
    try:
        found = call(ec2.describe_launch_templates, LaunchTemplateNames=[name])["LaunchTemplates"]
        if found:
            return found[0]["LaunchTemplateId"]
    except CloudError as e:
        if e.code not in ("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound"):
            raise
    try:
        created = call(ec2.create_launch_template, LaunchTemplateName=name,
                       LaunchTemplateData=template_data(spec),
                       TagSpecifications=[t.spec("launch-template", spec.tags)])
    except CloudError as e:
        if e.code != "InvalidLaunchTemplateName.AlreadyExistsException":
            raise
        return call(ec2.describe_launch_templates,
                    LaunchTemplateNames=[name])["LaunchTemplates"][0]["LaunchTemplateId"]
    return created["LaunchTemplate"]["LaunchTemplateId"]


def template_data(spec: LaunchSpec) -> dict:
    """What every node is launched with: the node profile (without it SSM never sees the
    node), one interface (EFA when asked) with a public IP only when SSH is open, tags on
    the instance, its volumes and its interfaces, and the boot script."""
    interface = {"DeviceIndex": 0, "SubnetId": spec.subnet_id, "Groups": list(spec.security_group_ids),
                 "AssociatePublicIpAddress": spec.public_ip, "DeleteOnTermination": True}
    if spec.efa:
        interface["InterfaceType"] = "efa"
    data = {
        "ImageId": spec.image_id,
        "InstanceType": spec.instance_type,
        "NetworkInterfaces": [interface],
        "Placement": {"GroupName": spec.placement_group},
        "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        "TagSpecifications": [t.spec(kind, spec.tags)
                              for kind in ("instance", "volume", "network-interface")],
        "UserData": base64.b64encode(user_data(spec).encode()).decode(),
    }
    if spec.instance_profile_arn:
        data["IamInstanceProfile"] = {"Arn": spec.instance_profile_arn}
    return data


def user_data(spec: LaunchSpec) -> str:
    """Boot script: the node learns its cluster, mounts the organization's EFS at /shared
    (amazon-efs-utils over TLS, kept in fstab for restarts; the mount target's DNS name may
    take a minute to resolve after it is made, hence the retries), installs the cluster's own
    SSH key for root and `bodo` (MPI reaches the other nodes over SSH; the node role may need
    a moment after the profile is made, hence the retries), and the user's SSH key for `bodo`
    when one was given."""
    lines = ["#!/bin/bash", "set -euo pipefail", f"echo {spec.cluster_uuid} > /etc/corral-cluster",
             "id bodo >/dev/null 2>&1 || useradd -m bodo"]
    if spec.file_system_id:
        fs = spec.file_system_id
        lines += ["command -v mount.efs >/dev/null 2>&1 || yum install -y amazon-efs-utils",
                  "mkdir -p /shared",
                  f"grep -q '^{fs}:/ /shared ' /etc/fstab || "
                  f"echo '{fs}:/ /shared efs _netdev,tls 0 0' >> /etc/fstab",
                  "for attempt in $(seq 30); do",
                  f"  mountpoint -q /shared || mount -t efs -o tls {fs}:/ /shared && break",
                  "  sleep 10", "done",
                  "mountpoint -q /shared", "chmod 1777 /shared"]
    if spec.node_key_parameter:
        lines += ["for attempt in $(seq 30); do",
                  f"  key=$(aws ssm get-parameter --region {spec.region} --with-decryption "
                  f"--name {spec.node_key_parameter} --query Parameter.Value --output text) "
                  "&& break", "  sleep 10", "done",
                  "for home in /root /home/bodo; do",
                  "  install -d -m 700 \"$home/.ssh\"",
                  "  printf '%s\\n' \"$key\" > \"$home/.ssh/id_ed25519\"",
                  "  chmod 600 \"$home/.ssh/id_ed25519\"",
                  "  ssh-keygen -y -f \"$home/.ssh/id_ed25519\" >> \"$home/.ssh/authorized_keys\"",
                  "done",
                  "chown -R bodo:bodo /home/bodo/.ssh",
                  "printf 'Host *\\n  StrictHostKeyChecking no\\n  UserKnownHostsFile /dev/null\\n' "
                  "> /etc/ssh/ssh_config.d/corral-cluster.conf"]
    if spec.ssh_public_key:
        key = spec.ssh_public_key.replace("'", "")
        lines += ["install -d -m 700 -o bodo -g bodo /home/bodo/.ssh",
                  f"echo '{key}' >> /home/bodo/.ssh/authorized_keys",
                  "chown bodo:bodo /home/bodo/.ssh/authorized_keys",
                  "chmod 600 /home/bodo/.ssh/authorized_keys"]
    return "\n".join(lines) + "\n"


def dry_run(ec2, spec: LaunchSpec) -> str | None:
    """AWS's answer to the whole launch in `spec`'s subnet, asked with DryRun before anything
    is made: None if it would launch, else the zone's refusal ("code: message"). The request
    is the real one (image, type, count, interface, profile, tags), without the placement
    group, which does not exist yet. Anything else AWS says (a refused permission, an image
    the account cannot use) is about the request, not the zone: raised."""
    data = template_data(spec)
    del data["Placement"]
    try:
        call(ec2.run_instances, DryRun=True, MinCount=spec.count, MaxCount=spec.count, **data)
    except CloudError as e:
        if e.code == "DryRunOperation":
            return None
        if e.code in ZONE_REFUSALS:
            return f"{e.code}: {e.message}"
        raise
    raise CloudError("DryRunIgnored", "EC2 launched instances for a DryRun", transient=False)


def cluster_instances(ec2, cluster_uuid: str, states: list[str] = LIVE_STATES) -> list[dict]:
    """The cluster's instances in these states (by default not terminated), found by tag; a
    notebook node attached to the cluster carries its tags too, and is not one of its nodes."""
    pages = ec2.get_paginator("describe_instances").paginate(Filters=t.filters(
        {t.CLUSTER: cluster_uuid}) + [{"Name": "instance-state-name", "Values": states}])
    return call(lambda: [i for p in pages for r in p["Reservations"] for i in r["Instances"]
                         if not t.is_notebook_node(i)])


def client_token(cluster_uuid: str, zone: str | None = None) -> str:
    """CreateFleet's idempotency token for the cluster's one launch in a zone (at most 64
    characters): a launch retried in the same zone is answered with the first one's fleet; the
    next zone is a new request."""
    return f"corral-{cluster_uuid}" + (f"-{zone}" if zone else "")


def launch(ec2, spec: LaunchSpec, launch_template_id: str) -> list[str]:
    """Launch `count` instances in one go, in the template's zone, or none: a partial fleet is
    terminated and the launch fails with AWS's reason (InsufficientInstanceCapacity, an image
    the account cannot use...)."""
    existing = cluster_instances(ec2, spec.cluster_uuid, ["pending", "running"])
    if existing:  # an earlier attempt got through before its result was recorded
        return sorted(i["InstanceId"] for i in existing)
    # The tag search can miss instances launched seconds ago (EC2 is eventually consistent):
    # the client token, one per cluster, makes AWS answer a repeated launch with the first
    # launch's fleet instead of launching a second one.
    reply = call(
        ec2.create_fleet, Type="instant",
        ClientToken=client_token(spec.cluster_uuid, spec.zone),
        LaunchTemplateConfigs=[{"LaunchTemplateSpecification": {
            "LaunchTemplateId": launch_template_id, "Version": "$Latest"}}],
        TargetCapacitySpecification={"TotalTargetCapacity": spec.count,
                                     "DefaultTargetCapacityType": "on-demand"},
        OnDemandOptions={"SingleInstanceType": True, "SingleAvailabilityZone": True,
                         "MinTargetCapacity": spec.count},
        TagSpecifications=[t.spec("fleet", spec.tags)])
    ids = sorted(i for group in reply.get("Instances", []) for i in group.get("InstanceIds", []))
    if len(ids) < spec.count:
        if ids:
            call(ec2.terminate_instances, InstanceIds=ids)
        errors = reply.get("Errors") or []
        if errors:
            first = errors[0]
            raise CloudError(first.get("ErrorCode", "FleetError"),
                             first.get("ErrorMessage", "the fleet could not be launched"),
                             transient=False)
        raise CloudError("InsufficientInstanceCapacity",
                         f"only {len(ids)} of {spec.count} instances could be launched",
                         transient=False)
    return ids


@dataclass(frozen=True)
class Readiness:
    nodes: list[dict] | None       # set when every node is ready
    failure: str | None = None     # set when a node can never become ready
    waiting_for: str = ""


def readiness(ec2, ssm, instance_ids: list[str]) -> Readiness:
    reservations = call(ec2.describe_instances, InstanceIds=instance_ids)["Reservations"]
    instances = [i for r in reservations for i in r["Instances"]]
    for i in instances:
        if i["State"]["Name"] in ("shutting-down", "terminated", "stopping", "stopped"):
            why = i.get("StateReason", {}).get("Message", "no reason given")
            return Readiness(None, f"instance {i['InstanceId']} is {i['State']['Name']}: {why}")
    pending = [i["InstanceId"] for i in instances if i["State"]["Name"] != "running"]
    if pending:
        return Readiness(None, waiting_for=f"{len(pending)} instance(s) still starting")
    online = set()
    pages = ssm.get_paginator("describe_instance_information").paginate(
        Filters=[{"Key": "InstanceIds", "Values": instance_ids}])
    for page in call(lambda: list(pages)):
        online |= {i["InstanceId"] for i in page["InstanceInformationList"]
                   if i.get("PingStatus") == "Online"}
    offline = [i for i in instance_ids if i not in online]
    if offline:
        return Readiness(None, waiting_for=f"{len(offline)} node(s) not yet online in SSM")
    nodes = [{"instance_id": i["InstanceId"], "private_ip": i.get("PrivateIpAddress", ""),
              "public_ip": i.get("PublicIpAddress", "")} for i in instances]
    return Readiness(sorted(nodes, key=lambda n: n["instance_id"]))


def terminate(ec2, cluster_uuid: str, recorded_ids: list[str]) -> list[str]:
    """Terminate every instance of the cluster: those recorded and any found by tag."""
    live = {i["InstanceId"] for i in cluster_instances(ec2, cluster_uuid)}
    if live:
        call(ec2.terminate_instances, InstanceIds=sorted(live))
    # Recorded instances the tag search did not find are already terminated (or gone).
    return sorted(live | set(recorded_ids))


def all_terminated(ec2, instance_ids: list[str]) -> bool:
    if not instance_ids:
        return True
    try:
        reservations = call(ec2.describe_instances, InstanceIds=instance_ids)["Reservations"]
    except CloudError as e:
        if e.code == "InvalidInstanceID.NotFound":  # long gone
            return True
        raise
    return all(i["State"]["Name"] == "terminated" for r in reservations for i in r["Instances"])


def delete_launch_template(ec2, launch_template_id: str) -> None:
    try:
        call(ec2.delete_launch_template, LaunchTemplateId=launch_template_id)
    except CloudError as e:
        if e.code not in ("InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed",
                          "InvalidLaunchTemplateName.NotFoundException"):
            raise


def delete_security_group(ec2, group_id: str) -> None:
    try:
        call(ec2.delete_security_group, GroupId=group_id)
    except CloudError as e:
        if e.code != "InvalidGroup.NotFound":
            raise


def delete_placement_group(ec2, name: str) -> None:
    try:
        call(ec2.delete_placement_group, GroupName=name)
    except CloudError as e:
        if e.code != "InvalidPlacementGroup.Unknown":
            raise
