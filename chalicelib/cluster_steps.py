"""Each pending cluster step as one side effect in the customer's account, returning the events
that say what happened (or engine.Wait when there is nothing new yet)."""
from __future__ import annotations

from . import clock, settings
from .cloud import fleet, network
from .cloud.errors import CloudError
from .cloud.sessions import customer_client
from .cloud import tags as t
from .lifecycle import cluster as c
from .lifecycle.cluster import Cluster, Step
from .linking import link_for


def cluster_tags(s: Cluster) -> dict:
    return {**s.spec.custom_tags, "Name": f"corral-{s.spec.name}", t.ORG: s.organization_uuid,
            t.WORKSPACE: s.workspace_uuid, t.CLUSTER: s.uuid}


def run(step: Step, s: Cluster):
    from .engine import Wait  # the engine imports the machines that import this module
    now = clock.now()
    try:
        link = link_for(s.organization_uuid)
        ec2 = customer_client(link, "ec2", s.spec.region)
        if step == Step.ENSURE_NETWORK:
            n = network.ensure(ec2, s.organization_uuid)
            return [c.NetworkReady(n.vpc_id, n.subnet_id, n.security_group_id, now)]
        if step == Step.ENSURE_ACCESS_GROUP:
            group = fleet.ensure_access_group(ec2, s.uuid, s.network["vpc_id"],
                                              list(s.spec.allowed_ips), cluster_tags(s))
            return [c.AccessGroupReady(group, now)]
        if step == Step.ENSURE_PLACEMENT_GROUP:
            return [c.PlacementGroupReady(fleet.ensure_placement_group(ec2, s.uuid, cluster_tags(s)), now)]
        if step == Step.ENSURE_LAUNCH_TEMPLATE:
            return [c.LaunchTemplateReady(fleet.ensure_launch_template(ec2, launch_spec(s)), now)]
        if step == Step.LAUNCH_FLEET:
            return [c.FleetLaunched(tuple(fleet.launch(ec2, launch_spec(s), s.launch_template_id)), now)]
        if step == Step.AWAIT_NODES:
            ssm = customer_client(link, "ssm", s.spec.region)
            ready = fleet.readiness(ec2, ssm, list(s.instance_ids))
            if ready.nodes:
                return [c.NodesReady(tuple(ready.nodes), now)]
            if ready.failure:
                return [c.LaunchFailed(ready.failure, now)]
            if c.readiness_overdue(s, now):
                return [c.LaunchFailed(f"nodes not ready after {c.READINESS_TIMEOUT_SECONDS // 60}"
                                       f" minutes: {ready.waiting_for}", now)]
            return Wait(settings.get().poll_seconds, ready.waiting_for)
        if step == Step.TERMINATE_INSTANCES:
            ids = tuple(fleet.terminate(ec2, s.uuid, list(s.instance_ids)))
            if not ids:
                return [c.InstancesTerminating((), now), c.InstancesTerminated(now)]
            return [c.InstancesTerminating(ids, now)]
        if step == Step.AWAIT_TERMINATION:
            if fleet.all_terminated(ec2, list(s.instance_ids)):
                return [c.InstancesTerminated(now)]
            return Wait(settings.get().poll_seconds, "instances still shutting down")
        if step == Step.DELETE_LAUNCH_TEMPLATE:
            fleet.delete_launch_template(ec2, s.launch_template_id)
            return [c.LaunchTemplateDeleted(now)]
        if step == Step.DELETE_PLACEMENT_GROUP:
            fleet.delete_placement_group(ec2, s.placement_group)
            return [c.PlacementGroupDeleted(now)]
        if step == Step.DELETE_ACCESS_GROUP:
            fleet.delete_security_group(ec2, s.access_group_id)
            return [c.AccessGroupDeleted(now)]
        if step == Step.FINISH_REMOVAL:
            return [c.ClusterRemoved(now)]
    except CloudError as e:
        if e.transient or s.status not in c.LAUNCHING:
            raise
        return [c.LaunchFailed(e.reason, now)]
    raise ValueError(f"no runner for step {step}")  # pragma: no cover


def launch_spec(s: Cluster) -> fleet.LaunchSpec:
    return fleet.LaunchSpec(
        cluster_uuid=s.uuid, image_id=s.spec.image_id, instance_type=s.spec.instance_type,
        count=s.spec.workers_quantity, subnet_id=s.network["subnet_id"],
        security_group_ids=tuple(g for g in (s.network["security_group_id"], s.access_group_id) if g),
        placement_group=s.placement_group or fleet.resource_name(s.uuid),
        efa=s.spec.accelerated_networking, tags=cluster_tags(s),
        ssh_public_key=s.spec.ssh_public_key)
