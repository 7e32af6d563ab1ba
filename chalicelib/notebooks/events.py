"""The notebook's events: past-tense facts carrying what happened (ids, addresses, AWS's and
the node's answers), folded by machine.py. Every one is also reachable as `machine.<Name>`."""
from __future__ import annotations

from ..kernel.events import event


@event
class NotebookRequested:
    notebook_uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: dict
    task_uuid: str
    at: float


@event
class ClusterAttached:
    """The cluster is RUNNING (MPI-ready): what the node launches with, read from it."""
    cluster_name: str
    network: dict          # the organization network as the cluster carries it
    zone: str | None       # the cluster's zone: the node goes into the same one
    image_id: str          # the cluster's Bodo image (Jupyter and Bodo installed)
    node_key: str | None   # the cluster's SSH key parameter: the node can reach its nodes
    hostfile: str
    at: float


@event
class NodeLaunched:
    """`group_id`: the node's own security group (Jupyter's port, opened to CloudFront only
    later); "" for a node launched before notebooks had one."""
    instance_id: str
    subnet_id: str
    at: float
    group_id: str = ""


@event
class NodeRunning:
    """Readiness probe 1: the instance is running (its private address)."""
    private_ip: str
    at: float


@event
class NodeOnline:
    """Readiness probe 2: its SSM agent is online (Run Command reaches it)."""
    at: float


@event
class CommandSent:
    """A script was sent to the node through SSM: `purpose` is "start" (Jupyter) or
    "probe"."""
    purpose: str
    command_id: str
    at: float


@event
class JupyterStarted:
    port: int
    at: float


@event
class JupyterAnswered:
    """Readiness probe 3, on the node: Jupyter answered at `url` (its address on the node)
    with the notebook's token, and the node sees the shared file system and the hostfile."""
    url: str
    detail: str
    at: float


# ---- the entry point (cloud/entry_point.py): CloudFront in front of the node ----------------

@event
class VpcOriginCreated:
    vpc_origin_id: str
    port: int
    at: float


@event
class VpcOriginDeployed:
    at: float


@event
class CloudFrontAdmitted:
    """The node's security group lets CloudFront's VPC origins group in on Jupyter's port."""
    cloudfront_group_id: str
    port: int
    at: float


@event
class DistributionCreated:
    distribution_id: str
    domain: str
    at: float


@event
class DistributionDeployed:
    at: float


@event
class NotebookReady:
    """The last probe: Jupyter answered through the entry point at `url`, the address users
    are sent to (before entry points: Jupyter's address on the node)."""
    url: str
    detail: str
    at: float


@event
class NotebookFailed:
    reason: str
    at: float


@event
class NotebookRemovalRequested:
    task_uuid: str
    reason: str
    at: float


@event
class NodeTerminating:
    instance_ids: tuple
    at: float


@event
class NodeTerminated:
    at: float


@event
class NodeGroupDeleted:
    group_ids: tuple
    at: float


@event
class DistributionDisabled:
    distribution_id: str
    at: float


@event
class DistributionDeleted:
    """`distribution_id` is "" when there was none to delete."""
    distribution_id: str
    at: float


@event
class DistributionFound:
    """A distribution of the notebook the teardown had not seen (made by a step that was cut
    short, or enabled again): it is disabled and deleted too."""
    distribution_id: str
    at: float


@event
class VpcOriginDeleting:
    vpc_origin_id: str
    at: float


@event
class VpcOriginDeleted:
    """`vpc_origin_id` is "" when there was none to delete."""
    vpc_origin_id: str
    at: float


@event
class VpcOriginFound:
    """A VPC origin of the notebook the teardown had not seen: it is deleted too."""
    vpc_origin_id: str
    at: float


@event
class NotebookRemoved:
    at: float


@event
class NotebookStepRetrying:
    step: str
    reason: str
    at: float
