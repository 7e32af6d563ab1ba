"""What a notebook makes in the customer's account, and how it is tagged: its node (in its
cluster's zone and private subnet), the node's own security group, and its entry point
(tagged as the node is, plus the region: CloudFront's resources are global)."""
from __future__ import annotations

from ..cloud import notebook_node
from ..cloud import tags as t
from .machine import Notebook


def node_tags(s: Notebook) -> dict:
    """The cluster's resource tags (tags.py), and the notebook's own."""
    return {"Name": f"corral-notebook-{s.spec.name}", t.ORG: s.organization_uuid,
            t.WORKSPACE: s.workspace_uuid, t.CLUSTER: s.spec.cluster_uuid,
            t.NOTEBOOK: s.uuid}


def entry_tags(s: Notebook) -> dict:
    return {**node_tags(s), t.REGION: s.spec.region}


def subnet_of(network: dict, zone: str | None) -> str:
    """The private subnet of the cluster's zone (or the network's one subnet)."""
    subnets = dict(network.get("private_subnets") or {})
    if subnets:
        return subnets[zone if zone in subnets else sorted(subnets)[0]]
    return network["subnet_id"]


def node_spec(s: Notebook, group_id: str) -> notebook_node.NodeSpec:
    """The node: the organization's node group (the cluster's nodes reach it and it theirs)
    and its own group (Jupyter's port, opened to CloudFront only)."""
    net = s.network or {}
    return notebook_node.NodeSpec(
        notebook_uuid=s.uuid, cluster_uuid=s.spec.cluster_uuid, image_id=s.image_id,
        instance_type=s.spec.instance_type, subnet_id=subnet_of(net, s.zone),
        security_group_ids=(net["security_group_id"], group_id), tags=node_tags(s),
        instance_profile_arn=net.get("instance_profile_arn"),
        file_system_id=net.get("file_system_id"), node_key_parameter=s.node_key,
        region=s.spec.region)
