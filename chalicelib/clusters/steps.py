"""Each pending cluster step as one side effect in the customer's account, returning the events
that say what happened (or Wait when there is nothing new yet). A lasting AWS error during the
launch fails it (machine.launch_failed); during a teardown it is retried and said."""
from __future__ import annotations

from ..cloud import fleet, instances, org_secrets, ssm
from ..cloud import tags as t
from ..cloud.sessions import customer_client
from ..engine.steps import Wait, runner
from ..kernel.errors import CloudError
from ..kernel.ids import new_uuid
from ..linking.links import link_for
from ..org_network import commands as org_network
from ..org_network import machine as org_net
from . import machine as c
from . import mpi_checks, node_key, polling, schedule
from .machine import Cluster, Step


def cluster_tags(s: Cluster) -> dict:
    return {**s.spec.custom_tags, "Name": f"corral-{s.spec.name}", t.ORG: s.organization_uuid,
            t.WORKSPACE: s.workspace_uuid, t.CLUSTER: s.uuid}


def _client(s: Cluster, service: str = "ec2"):
    return customer_client(link_for(s.organization_uuid), service, s.spec.region)


def launch_spec(s: Cluster, zone: str | None = None) -> fleet.LaunchSpec:
    """What the nodes launch with, in `zone` (by default the zone tried next)."""
    zone = zone or (s.zones[0] if s.zones else None)
    return fleet.LaunchSpec(
        cluster_uuid=s.uuid, image_id=s.spec.image_id, instance_type=s.spec.instance_type,
        count=s.spec.workers_quantity, subnet_id=subnet_of(s.network, public_ip(s), zone),
        zone=zone,
        security_group_ids=tuple(g for g in (s.network["security_group_id"], s.access_group_id) if g),
        placement_group=s.placement_group or fleet.resource_name(s.uuid),
        efa=s.spec.accelerated_networking, tags=cluster_tags(s),
        ssh_public_key=s.spec.ssh_public_key,
        instance_profile_arn=s.network.get("instance_profile_arn"),
        file_system_id=s.network.get("file_system_id"),
        public_ip=public_ip(s), node_key_parameter=s.node_key, region=s.spec.region)


def public_ip(s: Cluster) -> bool:
    """Nodes are reachable from outside only when the user can and may log in: a key and
    addresses to let in. Otherwise they sit in a private subnet, out through the NAT."""
    return c.ssh_open(s)


def zone_subnets(network: dict, public: bool = False) -> dict[str, str]:
    """{zone: subnet} a cluster can launch in: public subnets when its nodes get a public
    address, else private ones (a network dict from org_network; empty where a network
    carries one `subnet_id` only)."""
    return dict(network.get("public_subnets" if public else "private_subnets") or {})


def subnet_of(network: dict, public: bool = False, zone: str | None = None) -> str:
    """The subnet a cluster launches in: `zone`'s (by default the first zone by name), or
    `subnet_id` where a network carries only one."""
    subnets = zone_subnets(network, public)
    if subnets:
        return subnets[zone if zone in subnets else sorted(subnets)[0]]
    return network["subnet_id"]


# ---- creation ------------------------------------------------------------------------------

def _ensure_network(s: Cluster, now: float):
    """A cluster whose workspace carried no network: the region's organization network,
    asked for (made when absent) and waited for until it is READY."""
    net = org_network.ensure(s.organization_uuid, s.spec.region, since=s.created_at,
                             waiting=org_network.waiter(c.KIND, s.workspace_uuid, s.uuid))
    if net.status == org_net.NetworkStatus.FAILED:
        return [c.LaunchFailed(f"The organization's resources in {s.spec.region} could not be "
                               f"created: {net.failure}", now)]
    ready = org_net.network(net)
    if ready is None:
        return Wait(60, f"organization network is {net.status.value}")
    return [c.NetworkReady(ready["vpc_id"], subnet_of(ready), ready["security_group_id"], now,
                           network=dict(ready))]


def _preflight(s: Cluster, now: float) -> list:
    """A DryRun of the whole launch in each zone of the network, before anything is made:
    AWS's answer per zone (capacity, the vCPU quota, a type the zone does not offer)."""
    ec2 = _client(s)
    answers = {zone: fleet.dry_run(ec2, launch_spec(s, zone))
               for zone in sorted(zone_subnets(s.network, public_ip(s)))}
    return c.zones_checked(s, answers, now)


def _ensure_node_key(s: Cluster, now: float) -> list:
    name = node_key.parameter_name(s)
    org_secrets.put(_client(s, "ssm"), name, node_key.new_private_key(), cluster_tags(s),
                    f"Corral cluster {s.uuid}: the SSH key its nodes trust for MPI")
    return [c.NodeKeyStored(name, now)]


def _ensure_access_group(s: Cluster, now: float) -> list:
    group = fleet.ensure_access_group(_client(s), s.uuid, s.network["vpc_id"],
                                      list(s.spec.allowed_ips), cluster_tags(s))
    return [c.AccessGroupReady(group, now)]


def _ensure_placement_group(s: Cluster, now: float) -> list:
    return [c.PlacementGroupReady(fleet.ensure_placement_group(_client(s), s.uuid,
                                                               cluster_tags(s)), now)]


def _ensure_launch_template(s: Cluster, now: float) -> list:
    spec = launch_spec(s)
    return [c.LaunchTemplateReady(fleet.ensure_launch_template(_client(s), spec), now,
                                  zone=spec.zone)]


def _zone_launch_template(s: Cluster, now: float) -> list:
    spec = launch_spec(s)
    version = instances.new_default_version(
        _client(s), s.launch_template_id, f"corral {s.uuid} in {spec.zone}",
        lambda data: {**data, "NetworkInterfaces": fleet.template_data(spec)["NetworkInterfaces"]})
    return [c.LaunchTemplateZoned(spec.zone, version, now)]


def _launch_fleet(s: Cluster, now: float) -> list:
    spec = launch_spec(s)
    try:
        ids = fleet.launch(_client(s), spec, s.launch_template_id)
    except CloudError as e:
        if spec.zone and e.code in fleet.ZONE_REFUSALS:
            return c.zone_refused(s, spec.zone, f"{e.code}: {e.message}", now)
        raise
    return [c.FleetLaunched(tuple(ids), now)]


def _await_nodes(s: Cluster, now: float):
    boot, since = schedule.boot(), s.launched_at if s.launched_at is not None else now
    first = polling.first_poll(boot, since)
    if now < first:   # an early delivery or re-drive: the nodes are still booting
        return Wait(first - now, "nodes still booting")
    ready = fleet.readiness(_client(s), _client(s, "ssm"), list(s.instance_ids))
    if ready.nodes:
        return [c.NodesReady(tuple(ready.nodes), now)]
    if ready.failure:
        return [c.LaunchFailed(ready.failure, now)]
    if c.readiness_overdue(s, now):
        return [c.LaunchFailed(f"nodes not ready after {c.READINESS_TIMEOUT_SECONDS // 60}"
                               f" minutes: {ready.waiting_for}", now)]
    return Wait(polling.next_poll(boot, since, now) - now, ready.waiting_for)


# ---- MPI readiness: each check one SSM command, sent then awaited -------------------------

MPI_CHECK_SECONDS = 300   # each script's execution timeout on the nodes
MPI_POLL_SECONDS = 5      # scripts take seconds: look again soon


def _send_mpi_check(s: Cluster, now: float):
    name = c.pending_mpi_check(s)
    check = mpi_checks.check(s, name)
    command_id = ssm.send(_client(s, "ssm"), check.targets, check.script,
                          f"corral {s.uuid} MPI check {name}", MPI_CHECK_SECONDS)
    if command_id is not None:
        return [c.MpiCheckSent(name, command_id, now)]
    if c.mpi_overdue(s, now):   # SSM kept refusing the nodes (InvalidInstanceId)
        return [c.LaunchFailed(f"SSM never took the MPI check '{name}': nodes not reachable "
                               f"by Run Command after {c.MPI_READY_TIMEOUT_SECONDS // 60} "
                               "minutes", now)]
    return Wait(MPI_POLL_SECONDS, "SSM does not take commands for the nodes yet")


def _await_mpi_check(s: Cluster, now: float):
    sent = s.mpi_command
    check = mpi_checks.check(s, sent["check"])
    found = mpi_checks.verdict(sent["check"], ssm.outcomes(_client(s, "ssm"), sent["command_id"],
                                                           check.targets))
    if found.failure:
        return [c.LaunchFailed(found.failure, now)]
    if found.passed:
        passed = [c.MpiCheckPassed(sent["check"], found.passed, now)]
        if sent["check"] == c.MPI_CHECKS[-1]:
            passed.append(c.MpiReady(c.hostfile_path(s.uuid), c.total_core_count(s), now))
        return passed
    if c.mpi_overdue(s, now):
        return [c.LaunchFailed(f"not MPI-ready after {c.MPI_READY_TIMEOUT_SECONDS // 60} "
                               f"minutes: {found.waiting_for}", now)]
    return Wait(MPI_POLL_SECONDS, found.waiting_for)


# ---- removal -------------------------------------------------------------------------------

def _terminate_instances(s: Cluster, now: float) -> list:
    ids = tuple(fleet.terminate(_client(s), s.uuid, list(s.instance_ids)))
    if not ids:
        return [c.InstancesTerminating((), now), c.InstancesTerminated(now)]
    return [c.InstancesTerminating(ids, now)]


def _await_termination(s: Cluster, now: float):
    shutdown = schedule.shutdown()
    since = s.terminating_at if s.terminating_at is not None else s.updated_at
    first = polling.first_poll(shutdown, since)
    if now < first:
        return Wait(first - now, "instances still shutting down")
    if fleet.all_terminated(_client(s), list(s.instance_ids)):
        return [c.InstancesTerminated(now)]
    return Wait(polling.next_poll(shutdown, since, now) - now, "instances still shutting down")


def _delete_launch_template(s: Cluster, now: float) -> list:
    fleet.delete_launch_template(_client(s), s.launch_template_id)
    return [c.LaunchTemplateDeleted(now)]


def _delete_placement_group(s: Cluster, now: float) -> list:
    fleet.delete_placement_group(_client(s), s.placement_group)
    return [c.PlacementGroupDeleted(now)]


def _delete_access_group(s: Cluster, now: float) -> list:
    fleet.delete_security_group(_client(s), s.access_group_id)
    return [c.AccessGroupDeleted(now)]


def _delete_node_key(s: Cluster, now: float) -> list:
    org_secrets.delete(_client(s, "ssm"), s.node_key)
    return [c.NodeKeyDeleted(now)]


def _finish_removal(s: Cluster, now: float) -> list:
    return [c.ClusterRemoved(now)]


# ---- the cluster's life once it runs: stop, start, upgrade, scale, idle shutdown ----------

def _stop_instances(s: Cluster, now: float) -> list:
    instances.stop(_client(s), list(s.instance_ids))
    return [c.InstancesStopping(tuple(s.instance_ids), now)]


def _await_stopped(s: Cluster, now: float):
    shutdown = schedule.shutdown()
    since = s.stopping_at if s.stopping_at is not None else now
    first = polling.first_poll(shutdown, since)
    if now < first:
        return Wait(first - now, "instances still stopping")
    done, waiting_for = instances.stopped(_client(s), list(s.instance_ids))
    if done:
        return [c.InstancesStopped(now)]
    return Wait(polling.next_poll(shutdown, since, now) - now, waiting_for)


def _update_launch_template(s: Cluster, now: float) -> list:
    u = s.upgrade
    version = instances.upgrade_template(_client(s), s.launch_template_id, u.instance_type,
                                         u.image_id, f"corral upgrade {s.task.uuid}")
    return [c.LaunchTemplateUpdated(version, now)]


def _modify_instance_type(s: Cluster, now: float) -> list:
    instances.change_type(_client(s), list(s.instance_ids), s.spec.instance_type)
    return [c.InstanceTypeChanged(s.spec.instance_type, now)]


def _start_instances(s: Cluster, now: float) -> list:
    instances.start(_client(s), list(s.instance_ids))
    return [c.InstancesStarting(tuple(s.instance_ids), now)]


def _launch_nodes(s: Cluster, now: float) -> list:
    count = s.spec.workers_quantity - len(s.instance_ids)
    ids = instances.launch_nodes(_client(s), s.uuid, s.launch_template_id, count,
                                 f"corral-{s.task.uuid}", list(s.instance_ids), cluster_tags(s))
    return [c.NodesAdded(tuple(ids), now)]


def _terminate_nodes(s: Cluster, now: float) -> list:
    gone = instances.terminate_nodes(_client(s), list(c.nodes_to_remove(s)))
    return [c.NodesRemoved(tuple(gone), now)]


def _check_idle(s: Cluster, now: float):
    action = c.idle_action(s)
    if action is not None and now < action[0]:   # early: activity may still come
        return Wait(action[0] - now, "not idle long enough")
    return c.decide_idle(s, new_uuid(), now)


run = runner({
    Step.ENSURE_NETWORK: _ensure_network,
    Step.PREFLIGHT: _preflight,
    Step.ENSURE_NODE_KEY: _ensure_node_key,
    Step.ENSURE_ACCESS_GROUP: _ensure_access_group,
    Step.ENSURE_PLACEMENT_GROUP: _ensure_placement_group,
    Step.ENSURE_LAUNCH_TEMPLATE: _ensure_launch_template,
    Step.ZONE_LAUNCH_TEMPLATE: _zone_launch_template,
    Step.LAUNCH_FLEET: _launch_fleet,
    Step.AWAIT_NODES: _await_nodes,
    Step.SEND_MPI_CHECK: _send_mpi_check,
    Step.AWAIT_MPI_CHECK: _await_mpi_check,
    Step.TERMINATE_INSTANCES: _terminate_instances,
    Step.AWAIT_TERMINATION: _await_termination,
    Step.DELETE_LAUNCH_TEMPLATE: _delete_launch_template,
    Step.DELETE_PLACEMENT_GROUP: _delete_placement_group,
    Step.DELETE_ACCESS_GROUP: _delete_access_group,
    Step.DELETE_NODE_KEY: _delete_node_key,
    Step.FINISH_REMOVAL: _finish_removal,
    Step.STOP_INSTANCES: _stop_instances,
    Step.AWAIT_STOPPED: _await_stopped,
    Step.UPDATE_LAUNCH_TEMPLATE: _update_launch_template,
    Step.MODIFY_INSTANCE_TYPE: _modify_instance_type,
    Step.START_INSTANCES: _start_instances,
    Step.LAUNCH_NODES: _launch_nodes,
    Step.TERMINATE_NODES: _terminate_nodes,
    Step.CHECK_IDLE: _check_idle,
}, failed=c.launch_failed)
