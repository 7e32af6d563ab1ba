"""Each pending notebook step as one side effect, returning the events that say what happened
(or Wait when there is nothing new yet). The cluster is read through its concept's public
commands; the node is made and probed through cloud/notebook_node.py and cloud/ssm.py in the
customer's account; its entry point's steps are in entry_steps.py. A lasting AWS error
during the launch fails it (machine.launch_failed); during a teardown it is retried and
said."""
from __future__ import annotations

import logging

from ..cloud import notebook_node, ssm
from ..cloud.sessions import customer_client
from ..clusters import commands as clusters
from ..clusters.machine import Cluster
from ..engine.steps import Wait, runner
from ..kernel import config
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..linking.links import link_for
from . import entry_steps as entry
from . import jupyter
from . import machine as m
from .machine import Notebook, Step
from .resources import node_spec, node_tags
from .tokens import token

log = logging.getLogger("corral.notebooks")
COMMAND_POLL_SECONDS = 5      # the scripts take seconds: look again soon
START_TIMEOUT_SECONDS = 300   # each script's execution timeout on the node


def _client(s: Notebook, service: str = "ec2"):
    return customer_client(link_for(s.organization_uuid), service, s.spec.region)


def _cluster(s: Notebook) -> Cluster | None:
    return clusters.get(s.workspace_uuid, s.spec.cluster_uuid)


# ---- creation ------------------------------------------------------------------------------

def _await_cluster(s: Notebook, now: float):
    """The node launches once its cluster is RUNNING: its network, zone, image and hostfile
    are known then, and the hostfile is on /shared."""
    c = _cluster(s)
    status = c.status.value if c else None
    if c is not None and status == "RUNNING" and c.network:
        return [m.ClusterAttached(c.spec.name, dict(c.network), c.template_zone,
                                  c.spec.image_id, c.node_key, c.hostfile, now)]
    if status not in m.ATTACHABLE:
        what = f"is {status}" if c else "is gone"
        return [m.NotebookFailed(f"cluster {c.spec.name if c else s.spec.cluster_uuid} {what}: "
                               f"a notebook attaches to a RUNNING cluster", now)]
    if m.cluster_overdue(s, now):
        return [m.NotebookFailed(f"cluster {c.spec.name} still {status} after "
                               f"{m.CLUSTER_WAIT_TIMEOUT_SECONDS // 60} minutes", now)]
    return Wait(max(config.get().poll_seconds, 1), f"cluster {c.spec.name} is {status}")


def _launch_node(s: Notebook, now: float) -> list:
    """The node's own group first (found again by its name after a crash), then the node."""
    ec2 = _client(s)
    group = notebook_node.ensure_group(ec2, s.uuid, s.network["vpc_id"], node_tags(s))
    spec = node_spec(s, group)
    return [m.NodeLaunched(notebook_node.launch(ec2, spec), spec.subnet_id, now, group)]


def _await_node(s: Notebook, now: float):
    first = (s.launched_at or now) + config.get().boot_seconds
    if now < first:   # an early delivery or re-drive: the node is still booting
        return Wait(first - now, "node still booting")
    found = notebook_node.state(_client(s), _client(s, "ssm"), s.instance_id)
    if found.failure:
        return [m.NotebookFailed(found.failure, now)]
    events: list = []
    if found.running and s.private_ip is None:
        events.append(m.NodeRunning(found.private_ip, now))
    if found.online:
        events.append(m.NodeOnline(now))
    if events:
        return events
    if m.node_overdue(s, now):
        return [m.NotebookFailed(f"node not ready after {m.NODE_READY_TIMEOUT_SECONDS // 60} "
                               f"minutes: {found.waiting_for}", now)]
    return Wait(max(config.get().poll_seconds, 1), found.waiting_for)


def _send(s: Notebook, now: float, purpose: str, script: str):
    command_id = ssm.send(_client(s, "ssm"), [s.instance_id], script,
                          f"corral notebook {s.uuid} {purpose}", START_TIMEOUT_SECONDS)
    if command_id is not None:
        return [m.CommandSent(purpose, command_id, now)]
    if m.jupyter_overdue(s, now):
        return [m.NotebookFailed(f"SSM never took the notebook's {purpose} script", now)]
    return Wait(COMMAND_POLL_SECONDS, "SSM does not take commands for the node yet")


def _start_jupyter(s: Notebook, now: float):
    return _send(s, now, m.START, jupyter.start(s.private_ip, token(s.uuid)))


def _send_probe(s: Notebook, now: float):
    return _send(s, now, m.PROBE, jupyter.probe(s.private_ip, s.port, token(s.uuid),
                                                s.hostfile))


def _outcome(s: Notebook) -> ssm.Outcome:
    return ssm.outcomes(_client(s, "ssm"), s.command["command_id"],
                        [s.instance_id])[s.instance_id]


def _await_jupyter(s: Notebook, now: float):
    found = _outcome(s)
    if found.done and found.ok:
        port = jupyter.started_port(found)
        if port is None:
            return [m.NotebookFailed(f"the start script said no port: {found.verdict}", now)]
        return [m.JupyterStarted(port, now)]
    if found.done:
        return [m.NotebookFailed(f"Jupyter did not start: {found.verdict} ({found.status}, "
                               f"exit {found.code})", now)]
    if m.jupyter_overdue(s, now):
        return [m.NotebookFailed(f"Jupyter not started after {m.JUPYTER_TIMEOUT_SECONDS // 60} "
                               f"minutes", now)]
    return Wait(COMMAND_POLL_SECONDS, "Jupyter starting")


def _await_probe(s: Notebook, now: float):
    found = _outcome(s)
    if found.done and found.ok:
        url = jupyter.answered_url(found)
        if url is None:
            return [m.NotebookFailed(f"the probe said no address: {found.verdict}", now)]
        return [m.JupyterAnswered(url, found.verdict, now)]
    if found.done:
        return [m.NotebookFailed(f"readiness probe failed: {found.verdict} ({found.status}, "
                               f"exit {found.code})", now)]
    if m.jupyter_overdue(s, now):
        return [m.NotebookFailed(f"readiness probe unanswered after "
                               f"{m.JUPYTER_TIMEOUT_SECONDS // 60} minutes", now)]
    return Wait(COMMAND_POLL_SECONDS, "readiness probe running")


# ---- while READY (and while FAILED): the cluster's activity, and going with it ------------

def _watch_cluster(s: Notebook, now: float):
    c = _cluster(s)
    going = m.cluster_going(s, c.status.value if c else None, c.spec.name if c else "",
                            new_uuid(), now)
    if going:
        return going
    if s.status == m.S.READY and c.status.value in m.CLUSTER_ACTIVE:
        try:
            clusters.record_activity(s.workspace_uuid, c.uuid, now)
        except DomainError as e:   # the cluster is busy (a race): the next beat reports it
            log.warning("notebook %s: activity not recorded on %s: %s", s.uuid, c.uuid, e)
    return Wait(m.heartbeat_seconds(c.spec.auto_pause, c.spec.auto_stop),
                f"attached to {c.spec.name} ({c.status.value})")


# ---- removal -------------------------------------------------------------------------------

def _terminate_node(s: Notebook, now: float) -> list:
    ids = tuple(notebook_node.terminate(_client(s), s.uuid,
                                        [s.instance_id] if s.instance_id else []))
    if not ids:
        return [m.NodeTerminating((), now), m.NodeTerminated(now)]
    return [m.NodeTerminating(ids, now)]


def _await_node_terminated(s: Notebook, now: float):
    first = (s.terminating_at or now) + config.get().shutdown_seconds
    if now < first:
        return Wait(first - now, "node still shutting down")
    ids = [s.instance_id] if s.instance_id else []
    live = [i["InstanceId"] for i in notebook_node.find(_client(s), s.uuid)
            if i["State"]["Name"] != "shutting-down"]
    if live:   # one launched after the termination began (a raced launch): terminate it too
        return [m.NodeLaunched(live[0], s.subnet_id or "", now)]
    if notebook_node.all_terminated(_client(s), ids):
        return [m.NodeTerminated(now)]
    return Wait(max(config.get().poll_seconds, 1), "node still shutting down")


def _delete_node_group(s: Notebook, now: float) -> list:
    return [m.NodeGroupDeleted(tuple(notebook_node.delete_group(_client(s), s.uuid)), now)]


def _finish_removal(s: Notebook, now: float) -> list:
    return [m.NotebookRemoved(now)]


run = runner({
    Step.AWAIT_CLUSTER: _await_cluster,
    Step.LAUNCH_NODE: _launch_node,
    Step.AWAIT_NODE: _await_node,
    Step.START_JUPYTER: _start_jupyter,
    Step.AWAIT_JUPYTER: _await_jupyter,
    Step.SEND_PROBE: _send_probe,
    Step.AWAIT_PROBE: _await_probe,
    **entry.CREATION,
    Step.WATCH_CLUSTER: _watch_cluster,
    Step.TERMINATE_NODE: _terminate_node,
    Step.AWAIT_NODE_TERMINATED: _await_node_terminated,
    Step.DELETE_NODE_GROUP: _delete_node_group,
    **entry.REMOVAL,
    Step.FINISH_REMOVAL: _finish_removal,
}, failed=m.launch_failed)
