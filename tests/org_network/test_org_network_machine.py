"""The organization-network state machine, pure: one step per resource in order, a task with a
detail per resource, failures retried only for a later asker, waiters woken, cleanup in
dependency order, and a fresh start after it."""
from __future__ import annotations

import pytest

from chalicelib.kernel.state import dump, fold, load
from chalicelib.kernel.task import TaskStatus
from chalicelib.org_network import machine as m
from chalicelib.org_network.machine import NetworkStatus as S
from chalicelib.org_network.machine import Step

ORG, REGION = "org-1", "us-east-2"
WAITER = "workspace/org-1/ws-1"
MADE = [
    m.VpcReady("vpc-1", 2.0),
    m.SubnetsReady({"us-east-2a": "subnet-p1", "us-east-2b": "subnet-p2"},
                   {"us-east-2a": "subnet-q1", "us-east-2b": "subnet-q2"}, 3.0),
    m.InternetGatewayReady("igw-1", 4.0),
    m.NatAddressReady("eipalloc-1", "203.0.113.7", 5.0),
    m.NatGatewayReady("nat-1", 6.0),
    m.RouteTablesReady("rtb-pub", "rtb-priv", 7.0),
    m.SecurityGroupReady("sg-1", 8.0),
    m.FileSystemReady("fs-1", 9.0),
    m.MountTargetsReady({"us-east-2a": "fsmt-1", "us-east-2b": "fsmt-2"}, 10.0),
    m.BucketReady("corral-org-1-us-east-2", 11.0),
    m.NodeRoleReady("corral-node-org-1-us-east-2", "arn:aws:iam::1:role/r", 12.0),
    m.InstanceProfileReady("corral-node-org-1-us-east-2", "arn:aws:iam::1:instance-profile/r",
                           13.0),
]


def requested(state=None, at=1.0, since=None, waiter=WAITER):
    return fold(m.evolve, m.decide_request(state, ORG, REGION, "t-1", at, since, waiter), state)


def ready():
    s = requested()
    for e in MADE:
        s = m.evolve(s, e)
    s = m.evolve(s, m.NetworkCompleted(m.secrets_prefix(ORG), 14.0))
    return m.evolve(s, m.WaitersWoken(s.waiters, 15.0))


def test_each_resource_is_its_own_step_in_order_and_a_detail_of_the_task():
    s = requested()
    assert s.uuid == m.network_uuid(ORG, REGION) and s.status == S.CREATING
    steps = []
    for e in MADE:
        steps.append(m.next_step(s))
        s = m.evolve(s, e)
    assert steps == [step for step, _ in m.CREATION]
    assert m.next_step(s) == Step.COMPLETE and m.network(s) is None   # not READY yet
    s = m.evolve(s, m.NetworkCompleted(m.secrets_prefix(ORG), 14.0))
    assert s.status == S.READY and s.task.status == TaskStatus.FINISHED
    assert len(s.task.details) == 1 + len(MADE) + 1
    assert "NAT gateway nat-1" in " ".join(s.task.details)
    assert m.network(s) == {
        "vpc_id": "vpc-1", "security_group_id": "sg-1",
        "private_subnets": {"us-east-2a": "subnet-q1", "us-east-2b": "subnet-q2"},
        "public_subnets": {"us-east-2a": "subnet-p1", "us-east-2b": "subnet-p2"},
        "file_system_id": "fs-1", "bucket": "corral-org-1-us-east-2",
        "instance_profile_name": "corral-node-org-1-us-east-2",
        "instance_profile_arn": "arn:aws:iam::1:instance-profile/r",
        "node_role_name": "corral-node-org-1-us-east-2", "secrets_prefix": "/corral/org-1/"}
    assert m.next_step(s) == Step.WAKE_WAITERS          # the workspace that asked
    s = m.evolve(s, m.WaitersWoken(s.waiters, 15.0))
    assert m.next_step(s) is None and s.status == S.READY
    assert load(m.OrgNetwork, dump(s)) == s


def test_asking_again_while_it_is_made_or_ready_adds_nothing_but_the_waiter():
    s = requested()
    assert m.decide_request(s, ORG, REGION, "t-2", 2.0, None, WAITER) == []
    other = m.decide_request(s, ORG, REGION, "t-2", 2.0, None, "workspace/org-1/ws-2")
    assert [type(e) for e in other] == [m.NetworkAwaited]
    s = fold(m.evolve, other, s)
    assert s.waiters == (WAITER, "workspace/org-1/ws-2") and len(s.tasks) == 1
    assert m.decide_request(ready(), ORG, REGION, "t-3", 20.0, None, WAITER) == []


def test_a_failure_is_retried_only_by_an_asker_that_came_after_it():
    s = requested()
    s = fold(m.evolve, MADE[:2], s)
    s = fold(m.evolve, m.creation_failed(s, "AccessDenied: no", 5.0), s)
    assert s.status == S.FAILED and s.task.status == TaskStatus.FAILED
    assert m.next_step(s) == Step.WAKE_WAITERS       # the asker learns it failed
    assert m.decide_request(s, ORG, REGION, "t-2", 6.0, since=4.0) == []   # failed meanwhile
    again = requested(s, at=7.0, since=6.0)
    assert again.status == S.CREATING and again.task.uuid == "t-1" and len(again.tasks) == 2
    assert m.next_step(again) == Step.INTERNET_GATEWAY   # what was made is kept
    assert m.creation_failed(ready(), "x", 1.0) == []


def test_cleanup_goes_in_dependency_order_then_a_new_request_starts_afresh():
    s = ready()
    s = fold(m.evolve, m.decide_cleanup(s, ORG, REGION, "t-c", 20.0), s)
    assert s.status == S.REMOVING and s.task.operation == m.CLEANUP_REGION
    order = []
    while m.next_step(s) != Step.FINISH_REMOVAL:
        step = m.next_step(s)
        order.append(step)
        s = m.evolve(s, m.ResourcesDeleted(step.value, ("id",), "", 21.0))
    assert order == list(m.REMOVAL)
    assert order[0] == Step.DELETE_ENTRY_POINTS                   # CloudFront's ENIs first
    assert order.index(Step.DELETE_MOUNT_TARGETS) < order.index(Step.DELETE_FILE_SYSTEM)
    assert order.index(Step.DELETE_NAT_GATEWAY) < order.index(Step.RELEASE_NAT_ADDRESS)
    assert order.index(Step.DELETE_SUBNETS) < order.index(Step.DELETE_VPC)
    assert order.index(Step.DELETE_INSTANCE_PROFILE) < order.index(Step.DELETE_NODE_ROLE)
    assert m.decide_cleanup(s, ORG, REGION, "t-d", 22.0) == []    # under way: its own task
    s = m.evolve(s, m.NetworkRemoved(23.0))
    assert s.status == S.REMOVED and s.task.status == TaskStatus.FINISHED
    assert not m.live(s) and m.network(s) is None and m.next_step(s) is None
    fresh = requested(s, at=30.0)
    assert fresh.status == S.CREATING and fresh.resources is None
    assert m.next_step(fresh) == Step.VPC


def test_a_cleanup_with_no_network_yet_starts_one_to_look_for_leftovers():
    s = fold(m.evolve, m.decide_cleanup(None, ORG, REGION, "t-c", 1.0))
    assert s.status == S.REMOVING and m.next_step(s) == Step.DELETE_ENTRY_POINTS


def test_a_workspace_asking_during_cleanup_waits_and_is_woken_when_removed():
    s = fold(m.evolve, m.decide_cleanup(ready(), ORG, REGION, "t-c", 20.0), ready())
    asked = m.decide_request(s, ORG, REGION, "t-2", 21.0, None, "workspace/org-1/ws-9")
    assert [type(e) for e in asked] == [m.NetworkAwaited]
    s = fold(m.evolve, asked, s)
    for step in m.REMOVAL:
        s = m.evolve(s, m.ResourcesDeleted(step.value, (), "", 22.0))
    s = m.evolve(s, m.NetworkRemoved(23.0))
    assert m.next_step(s) == Step.WAKE_WAITERS


@pytest.mark.parametrize("status, event", [
    (None, m.VpcReady("v", 1.0)),
    (S.READY, m.VpcReady("v", 1.0)),
    (S.REMOVING, m.NetworkCompleted("/corral/x/", 1.0)),
    (S.READY, m.NetworkRemoved(1.0)),
])
def test_the_table_refuses_what_it_does_not_list(status, event):
    state = None
    if status == S.READY:
        state = ready()
    elif status == S.REMOVING:
        state = fold(m.evolve, m.decide_cleanup(ready(), ORG, REGION, "t", 20.0), ready())
    assert not m.allows(state, event)
    with pytest.raises(ValueError):
        m.evolve(state, event)


def test_retrying_is_said_once_per_reason():
    s = requested()
    said = m.retrying(s, Step.VPC, "Throttling: slow down", 2.0)
    s = fold(m.evolve, said, s)
    assert "Retrying vpc shortly" in s.task.details[-1]
    assert m.retrying(s, Step.VPC, "Throttling: slow down", 3.0) == []
