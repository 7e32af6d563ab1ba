"""A notebook's node: one EC2 instance that runs Jupyter only, launched into its cluster's
place in the organization network (the cluster's zone and private subnet, the organization's
node security group, the node instance profile for SSM and EFS), booting with the same
script as the cluster's nodes (fleet.user_data: the organization's EFS at /shared, the
cluster's SSH key so the notebook can reach its nodes), then a line naming the notebook.

Tagged like the cluster's own resources (organization, workspace, cluster: the reconciler
finds it as the cluster's and removes it with the cluster's leftovers), plus the notebook's
own tag, by which every call first looks for what an earlier, interrupted attempt made
(the cluster's node look-ups leave such instances out: tags.is_notebook_node)."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.errors import CloudError
from . import fleet
from . import tags as t
from .sessions import call

LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
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
