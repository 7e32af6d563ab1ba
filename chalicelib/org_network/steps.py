"""Each pending organization-network step as one side effect in the organization's linked
account, returning the event that says what it made or removed (or Wait while AWS is still at
work: a NAT gateway or a mount target on its way up or down). The cloud adapters find each
resource by the organization's tags before they make it and converge its configuration, so a
step retried after a crash between "create" and "configure" finishes the configuration. A
lasting AWS error fails a creation (machine.creation_failed); a cleanup is retried and says
why in its task."""
from __future__ import annotations

from ..cloud import efs, entry_point, network, node_role, org_bucket, org_secrets
from ..cloud.sessions import customer_client
from ..engine.steps import Wait, runner
from ..linking.links import link_for
from ..store import aggregates, queue
from ..store.queue import Work
from . import machine as m
from .machine import OrgNetwork, Step

POLL_SECONDS = 15


def _client(s: OrgNetwork, service: str):
    return customer_client(link_for(s.organization_uuid), service, s.region)


def _r(s: OrgNetwork) -> dict:
    return s.resources or {}


# ---- creation ------------------------------------------------------------------------------

def _vpc(s: OrgNetwork, now: float) -> list:
    return [m.VpcReady(network.ensure_vpc(_client(s, "ec2"), s.organization_uuid), now)]


def _subnets(s: OrgNetwork, now: float) -> list:
    public, private = network.ensure_subnets(_client(s, "ec2"), s.organization_uuid,
                                             _r(s)["vpc_id"])
    return [m.SubnetsReady(public, private, now)]


def _internet_gateway(s: OrgNetwork, now: float) -> list:
    igw = network.ensure_internet_gateway(_client(s, "ec2"), s.organization_uuid,
                                          _r(s)["vpc_id"])
    return [m.InternetGatewayReady(igw, now)]


def _nat_address(s: OrgNetwork, now: float) -> list:
    allocation_id, ip = network.ensure_nat_address(_client(s, "ec2"), s.organization_uuid)
    return [m.NatAddressReady(allocation_id, ip, now)]


def _nat_gateway(s: OrgNetwork, now: float):
    public = _r(s)["public_subnets"]
    nat_id, state = network.ensure_nat_gateway(_client(s, "ec2"), s.organization_uuid,
                                               public[sorted(public)[0]],
                                               _r(s)["nat_allocation_id"])
    if state != "available":
        return Wait(POLL_SECONDS, f"NAT gateway {nat_id} is {state}")
    return [m.NatGatewayReady(nat_id, now)]


def _route_tables(s: OrgNetwork, now: float) -> list:
    r = _r(s)
    public_rt, private_rt = network.ensure_route_tables(
        _client(s, "ec2"), s.organization_uuid, r["vpc_id"], r["internet_gateway_id"],
        r["nat_gateway_id"], r["public_subnets"], r["private_subnets"])
    return [m.RouteTablesReady(public_rt, private_rt, now)]


def _security_group(s: OrgNetwork, now: float) -> list:
    sg = network.ensure_security_group(_client(s, "ec2"), s.organization_uuid, _r(s)["vpc_id"])
    return [m.SecurityGroupReady(sg, now)]


def _file_system(s: OrgNetwork, now: float):
    fs_id, state = efs.ensure_file_system(_client(s, "efs"), s.organization_uuid)
    if state != "available":
        return Wait(POLL_SECONDS, f"file system {fs_id} is {state}")
    return [m.FileSystemReady(fs_id, now)]


def _mount_targets(s: OrgNetwork, now: float):
    r = _r(s)
    targets, ready = efs.ensure_mount_targets(_client(s, "efs"), r["file_system_id"],
                                              r["private_subnets"], r["security_group_id"])
    if not ready:
        return Wait(POLL_SECONDS, "mount targets are not available yet")
    return [m.MountTargetsReady(targets, now)]


def _bucket(s: OrgNetwork, now: float) -> list:
    return [m.BucketReady(org_bucket.ensure_bucket(_client(s, "s3"), s.organization_uuid,
                                                   s.region), now)]


def _node_role(s: OrgNetwork, now: float) -> list:
    name, arn = node_role.ensure_role(
        _client(s, "iam"), s.organization_uuid, s.region, _r(s)["bucket"],
        m.secrets_prefix(s.organization_uuid), link_for(s.organization_uuid).account_id)
    return [m.NodeRoleReady(name, arn, now)]


def _instance_profile(s: OrgNetwork, now: float) -> list:
    name, arn = node_role.ensure_instance_profile(_client(s, "iam"), s.organization_uuid,
                                                  s.region)
    return [m.InstanceProfileReady(name, arn, now)]


def _complete(s: OrgNetwork, now: float) -> list:
    return [m.NetworkCompleted(m.secrets_prefix(s.organization_uuid), now)]


# ---- cleanup, in machine.REMOVAL order -----------------------------------------------------

def _deleted(step: Step, ids, now: float, note: str = "") -> list:
    return [m.ResourcesDeleted(step.value, tuple(ids), note, now)]


def _cloudfront(s: OrgNetwork):
    """CloudFront is global: its client is us-east-1's, whatever the network's region."""
    return customer_client(link_for(s.organization_uuid), "cloudfront", entry_point.REGION)


def _delete_entry_points(s: OrgNetwork, now: float):
    """Notebooks' entry points of the region left behind (found by their tags: CloudFront is
    global): each distribution disabled, then deleted once that is deployed; each VPC origin's
    deletion asked once no distribution names it. Done when all are deleted or being deleted."""
    cloudfront = _cloudfront(s)
    found = entry_point.tagged(cloudfront, s.organization_uuid, s.region)
    pending = [r for r in found
               if not (r.kind == entry_point.VPC_ORIGIN and r.state == "Deleting")]
    said = entry_point.advance(cloudfront, pending) if pending else {}
    waiting = [f"{r.kind} {r.id} {said[r.id]}" for r in pending
               if said[r.id] not in ("deleted", "being deleted")]
    if waiting:
        return Wait(POLL_SECONDS, "; ".join(waiting))
    return _deleted(Step.DELETE_ENTRY_POINTS, [r.id for r in found], now)


def _await_entry_points_deleted(s: OrgNetwork, now: float):
    """The VPC origins' deletions done: CloudFront's interfaces have left the subnets."""
    left = entry_point.tagged(_cloudfront(s), s.organization_uuid, s.region)
    if left:
        return Wait(POLL_SECONDS, "; ".join(f"{r.kind} {r.id} is {r.state}" for r in left))
    return _deleted(Step.AWAIT_ENTRY_POINTS_DELETED, [], now)


def _delete_mount_targets(s: OrgNetwork, now: float):
    asked, gone = efs.delete_mount_targets(_client(s, "efs"), s.organization_uuid)
    if not gone:
        return Wait(POLL_SECONDS, f"mount targets still being deleted ({', '.join(asked)})")
    return _deleted(Step.DELETE_MOUNT_TARGETS, asked, now)


def _delete_file_system(s: OrgNetwork, now: float) -> list:
    return _deleted(Step.DELETE_FILE_SYSTEM,
                    efs.delete_file_system(_client(s, "efs"), s.organization_uuid), now)


def _delete_nat_gateway(s: OrgNetwork, now: float):
    asked, gone = network.delete_nat_gateways(_client(s, "ec2"), s.organization_uuid)
    if not gone:
        return Wait(POLL_SECONDS, "NAT gateway still being deleted")
    return _deleted(Step.DELETE_NAT_GATEWAY, asked, now)


def _release_nat_address(s: OrgNetwork, now: float):
    released, gone = network.release_nat_addresses(_client(s, "ec2"), s.organization_uuid)
    if not gone:
        return Wait(POLL_SECONDS, "Elastic IP still associated with the deleted NAT gateway")
    return _deleted(Step.RELEASE_NAT_ADDRESS, released, now)


def _ec2_deletion(step: Step, delete):
    def run(s: OrgNetwork, now: float) -> list:
        return _deleted(step, delete(_client(s, "ec2"), s.organization_uuid), now)
    return run


def _delete_bucket(s: OrgNetwork, now: float) -> list:
    ids, objects = org_bucket.delete_bucket(_client(s, "s3"), s.organization_uuid, s.region)
    return _deleted(Step.DELETE_BUCKET, ids, now,
                    f" (emptied first: {objects} object version(s))" if ids else "")


def _delete_instance_profile(s: OrgNetwork, now: float) -> list:
    return _deleted(Step.DELETE_INSTANCE_PROFILE, node_role.delete_instance_profile(
        _client(s, "iam"), s.organization_uuid, s.region), now)


def _delete_node_role(s: OrgNetwork, now: float) -> list:
    return _deleted(Step.DELETE_NODE_ROLE, node_role.delete_role(
        _client(s, "iam"), s.organization_uuid, s.region), now)


def _delete_secrets(s: OrgNetwork, now: float) -> list:
    return _deleted(Step.DELETE_SECRETS, org_secrets.delete_all(
        _client(s, "ssm"), m.secrets_prefix(s.organization_uuid)), now)


def _finish_removal(s: OrgNetwork, now: float) -> list:
    return [m.NetworkRemoved(now)]


# ---- waking who waits ----------------------------------------------------------------------

def _wake_waiters(s: OrgNetwork, now: float) -> list:
    """Queue the pending step of each aggregate that waits for this network (at its current
    version: a stale one is dropped by the worker), so it goes on at once instead of at its
    next poll."""
    work = []
    for w in s.waiters:
        kind, scope, uuid = w.split("/", 2)
        row = aggregates.get(kind, scope, uuid)
        if row is not None:
            work.append(Work(kind, scope, uuid, row.version))
    queue.send(work)
    return [m.WaitersWoken(s.waiters, now)]


run = runner({
    Step.VPC: _vpc, Step.SUBNETS: _subnets, Step.INTERNET_GATEWAY: _internet_gateway,
    Step.NAT_ADDRESS: _nat_address, Step.NAT_GATEWAY: _nat_gateway,
    Step.ROUTE_TABLES: _route_tables, Step.SECURITY_GROUP: _security_group,
    Step.FILE_SYSTEM: _file_system, Step.MOUNT_TARGETS: _mount_targets, Step.BUCKET: _bucket,
    Step.NODE_ROLE: _node_role, Step.INSTANCE_PROFILE: _instance_profile,
    Step.COMPLETE: _complete,
    Step.DELETE_ENTRY_POINTS: _delete_entry_points,
    Step.AWAIT_ENTRY_POINTS_DELETED: _await_entry_points_deleted,
    Step.DELETE_MOUNT_TARGETS: _delete_mount_targets,
    Step.DELETE_FILE_SYSTEM: _delete_file_system,
    Step.DELETE_NAT_GATEWAY: _delete_nat_gateway,
    Step.RELEASE_NAT_ADDRESS: _release_nat_address,
    Step.DELETE_INTERNET_GATEWAY: _ec2_deletion(Step.DELETE_INTERNET_GATEWAY,
                                                network.delete_internet_gateways),
    Step.DELETE_SUBNETS: _ec2_deletion(Step.DELETE_SUBNETS, network.delete_subnets),
    Step.DELETE_ROUTE_TABLES: _ec2_deletion(Step.DELETE_ROUTE_TABLES,
                                            network.delete_route_tables),
    Step.DELETE_SECURITY_GROUP: _ec2_deletion(Step.DELETE_SECURITY_GROUP,
                                              network.delete_security_groups),
    Step.DELETE_VPC: _ec2_deletion(Step.DELETE_VPC, network.delete_vpcs),
    Step.DELETE_BUCKET: _delete_bucket,
    Step.DELETE_INSTANCE_PROFILE: _delete_instance_profile,
    Step.DELETE_NODE_ROLE: _delete_node_role,
    Step.DELETE_SECRETS: _delete_secrets,
    Step.FINISH_REMOVAL: _finish_removal,
    Step.WAKE_WAITERS: _wake_waiters,
}, failed=m.creation_failed)
