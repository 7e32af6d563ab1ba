"""A notebook's node: one EC2 instance that runs Jupyter only, launched into its cluster's
place in the organization network (the cluster's zone and private subnet, the organization's
node security group, the node instance profile for SSM and EFS), booting with the same
script as the cluster's nodes (fleet.user_data: the organization's EFS at /shared, the
cluster's SSH key so the notebook can reach its nodes), then a line naming the notebook.

Tagged like the cluster's own resources (organization, workspace, cluster: the reconciler
finds it as the cluster's and removes it with the cluster's leftovers), plus the notebook's
own tag, by which every call first looks for what an earlier, interrupted attempt made
(the cluster's node look-ups leave such instances out: tags.is_notebook_node).

Besides the organization's node group (all traffic between the organization's nodes: the
notebook reaches its cluster's), the node has a security group of its own,
corral-nb-<notebook uuid>, tagged as the node is. It admits nothing until the notebook's
entry point exists: then Jupyter's port from CloudFront's service-managed group of the VPC
(CloudFront-VPCOrigins-Service-SG, which the interfaces CloudFront reaches a VPC origin from
carry, made by CloudFront with the VPC's first VPC origin), and nothing else. Naming that
group admits exactly CloudFront's VPC-origin traffic inside this VPC; the managed prefix
list com.amazonaws.global.cloudfront.origin-facing holds CloudFront's public addresses, which
reach public origins, not these private interfaces, and would weigh dozens of rules."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.errors import CloudError
from . import fleet
from . import tags as t
from .sessions import call

LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
CLOUDFRONT_GROUP = "CloudFront-VPCOrigins-Service-SG"   # made by CloudFront in the VPC
GONE_STATES = ("shutting-down", "terminated", "stopping", "stopped")


@dataclass(frozen=True)
class NodeSpec:
    notebook_uuid: str
    cluster_uuid: str
    image_id: str
    instance_type: str
    subnet_id: str
    security_group_ids: tuple[str, ...]
    tags: dict
    instance_profile_arn: str | None = None
    file_system_id: str | None = None
    node_key_parameter: str | None = None
    region: str | None = None


def group_name(notebook_uuid: str) -> str:
    return f"corral-nb-{notebook_uuid}"


def _groups_named(ec2, notebook_uuid: str, vpc_id: str | None = None) -> list[dict]:
    filters = [{"Name": "group-name", "Values": [group_name(notebook_uuid)]}]
    if vpc_id:
        filters.append({"Name": "vpc-id", "Values": [vpc_id]})
    return call(ec2.describe_security_groups, Filters=filters)["SecurityGroups"]


def ensure_group(ec2, notebook_uuid: str, vpc_id: str, tags: dict) -> str:
    """The node's own security group (no rule in yet): the one an earlier attempt made (its
    name is the notebook's), or a new one."""
    found = _groups_named(ec2, notebook_uuid, vpc_id)
    if found:
        return found[0]["GroupId"]
    try:
        return call(ec2.create_security_group, GroupName=group_name(notebook_uuid), VpcId=vpc_id,
                    Description="Corral notebook node: Jupyter's port, from CloudFront's VPC "
                                "origins only",
                    TagSpecifications=[t.spec("security-group", tags)])["GroupId"]
    except CloudError as e:
        if e.code != "InvalidGroup.Duplicate":
            raise
    found = _groups_named(ec2, notebook_uuid, vpc_id)   # made meanwhile: not listed yet?
    if not found:
        raise CloudError("InvalidGroup.NotFound", f"{group_name(notebook_uuid)} exists but is "
                                                  f"not listed yet", transient=True)
    return found[0]["GroupId"]


def cloudfront_group(ec2, vpc_id: str) -> str | None:
    """CloudFront's service-managed group in the VPC (None until CloudFront made it)."""
    found = call(ec2.describe_security_groups, Filters=[
        {"Name": "group-name", "Values": [CLOUDFRONT_GROUP]},
        {"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return found[0]["GroupId"] if found else None


def admits(group: dict, source_group_id: str, port: int) -> bool:
    """Whether a described group lets `source_group_id` in on tcp `port`."""
    return any(p.get("IpProtocol") == "tcp" and p.get("FromPort") == port
               and p.get("ToPort") == port
               and any(g.get("GroupId") == source_group_id for g in p.get("UserIdGroupPairs", []))
               for p in group.get("IpPermissions", []))


def admit_cloudfront(ec2, group_id: str, vpc_id: str, port: int) -> str | None:
    """Let CloudFront's VPC origins in on `port` of the node's group (once: a retry finds the
    rule): CloudFront's group id, or None while CloudFront has not made it yet."""
    cloudfront = cloudfront_group(ec2, vpc_id)
    if cloudfront is None:
        return None
    group = call(ec2.describe_security_groups, GroupIds=[group_id])["SecurityGroups"][0]
    if not admits(group, cloudfront, port):
        try:
            call(ec2.authorize_security_group_ingress, GroupId=group_id, IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                "UserIdGroupPairs": [{"GroupId": cloudfront,
                                      "Description": "CloudFront VPC origins: Jupyter"}]}])
        except CloudError as e:
            if e.code != "InvalidPermission.Duplicate":
                raise
    return cloudfront


def delete_group(ec2, notebook_uuid: str) -> list[str]:
    """Delete the node's own group(s) (once the node is gone: AWS answers DependencyViolation,
    a passing error, while its interface still holds it). The ids deleted; none when gone."""
    ids = [g["GroupId"] for g in _groups_named(ec2, notebook_uuid)]
    deleted = []
    for group_id in ids:
        try:
            call(ec2.delete_security_group, GroupId=group_id)
        except CloudError as e:
            if e.code != "InvalidGroup.NotFound":
                raise
            continue
        deleted.append(group_id)
    return deleted


def private_dns_name(ec2, instance_id: str) -> str:
    """The node's private DNS name (the distribution's origin domain), "" if it has none."""
    reservations = call(ec2.describe_instances, InstanceIds=[instance_id])["Reservations"]
    found = [i for r in reservations for i in r["Instances"]]
    return found[0].get("PrivateDnsName", "") if found else ""


def client_token(notebook_uuid: str) -> str:
    """RunInstances' idempotency token: one launch per notebook (at most 64 characters)."""
    return f"corral-nb-{notebook_uuid}"


def user_data(spec: NodeSpec) -> str:
    """The cluster nodes' boot script (EFS at /shared, the cluster's SSH key), then the
    notebook's name for the node."""
    boot = fleet.user_data(fleet.LaunchSpec(
        cluster_uuid=spec.cluster_uuid, image_id=spec.image_id,
        instance_type=spec.instance_type, count=1, subnet_id=spec.subnet_id,
        security_group_ids=spec.security_group_ids, placement_group="", efa=False,
        tags=spec.tags, instance_profile_arn=spec.instance_profile_arn,
        file_system_id=spec.file_system_id, node_key_parameter=spec.node_key_parameter,
        region=spec.region))
    return boot + f"echo {spec.notebook_uuid} > /etc/corral-notebook\n"


def launch_request(spec: NodeSpec) -> dict:
    """RunInstances' arguments: one instance, no public address, IMDSv2, tags on the
    instance, its volumes and its interface."""
    request = {
        "ImageId": spec.image_id, "InstanceType": spec.instance_type,
        "MinCount": 1, "MaxCount": 1, "ClientToken": client_token(spec.notebook_uuid),
        "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": spec.subnet_id,
                               "Groups": list(spec.security_group_ids),
                               "AssociatePublicIpAddress": False,
                               "DeleteOnTermination": True}],
        "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        "TagSpecifications": [t.spec(kind, spec.tags)
                              for kind in ("instance", "volume", "network-interface")],
        "UserData": user_data(spec),
    }
    if spec.instance_profile_arn:
        request["IamInstanceProfile"] = {"Arn": spec.instance_profile_arn}
    return request


def find(ec2, notebook_uuid: str, states: list[str] = LIVE_STATES) -> list[dict]:
    """The notebook's instances in these states, found by its tag."""
    pages = ec2.get_paginator("describe_instances").paginate(Filters=t.filters(
        {t.NOTEBOOK: notebook_uuid}) + [{"Name": "instance-state-name", "Values": states}])
    return call(lambda: [i for p in pages for r in p["Reservations"] for i in r["Instances"]])


def launch(ec2, spec: NodeSpec) -> str:
    """The node's instance id: the one an earlier attempt launched, or a new one. The tag
    search can miss an instance launched seconds ago; the client token makes AWS answer a
    repeated launch with the first one."""
    existing = find(ec2, spec.notebook_uuid, ["pending", "running"])
    if existing:
        return sorted(i["InstanceId"] for i in existing)[0]
    reply = call(ec2.run_instances, **launch_request(spec))
    return reply["Instances"][0]["InstanceId"]


@dataclass(frozen=True)
class NodeState:
    running: bool
    private_ip: str = ""
    online: bool = False
    failure: str | None = None    # the node can never become ready (stopped, terminated)
    waiting_for: str = ""


def state(ec2, ssm, instance_id: str) -> NodeState:
    """Probes 1 and 2: the instance runs; its SSM agent is online. A fresh instance may
    answer NotFound for a while: a passing error (errors.py)."""
    reservations = call(ec2.describe_instances, InstanceIds=[instance_id])["Reservations"]
    found = [i for r in reservations for i in r["Instances"]]
    if not found:
        raise CloudError("InvalidInstanceID.NotFound", f"{instance_id} not listed yet",
                         transient=True)
    instance = found[0]
    name = instance["State"]["Name"]
    if name in GONE_STATES:
        why = instance.get("StateReason", {}).get("Message", "no reason given")
        return NodeState(False, failure=f"instance {instance_id} is {name}: {why}")
    if name != "running":
        return NodeState(False, waiting_for=f"instance {instance_id} is {name}")
    ip = instance.get("PrivateIpAddress", "")
    listed = call(ssm.describe_instance_information,
                  Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])
    online = any(i.get("PingStatus") == "Online" for i in listed["InstanceInformationList"])
    return NodeState(True, ip, online, waiting_for="" if online else
                     f"the SSM agent of {instance_id} is not online yet")


def terminate(ec2, notebook_uuid: str, recorded: list[str]) -> list[str]:
    """Terminate the notebook's node: the recorded instance and any found by tag."""
    live = {i["InstanceId"] for i in find(ec2, notebook_uuid)}
    if live:
        call(ec2.terminate_instances, InstanceIds=sorted(live))
    return sorted(live | {i for i in recorded if i})


def all_terminated(ec2, instance_ids: list[str]) -> bool:
    return fleet.all_terminated(ec2, instance_ids)
