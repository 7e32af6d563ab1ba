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
    instance_id: str
    subnet_id: str
    at: float


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
class NotebookReady:
    """Readiness probe 3: Jupyter answered at `url` with the notebook's token, and the node
    sees the shared file system and the cluster's hostfile."""
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
class NotebookRemoved:
    at: float


@event
class NotebookStepRetrying:
    step: str
    reason: str
    at: float
