"""The workspace state machine, pure: its table, its task, its commands and pending steps."""
from __future__ import annotations

import pytest

from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.state import dump, fold, load
from chalicelib.workspaces import machine as w
from chalicelib.workspaces.machine import Step, WorkspaceSpec
from chalicelib.workspaces.machine import WorkspaceStatus as S

SPEC = WorkspaceSpec(name="ws", region="us-east-1", cloud_config_uuid="cc")
NET = {"vpc_id": "vpc-1", "security_group_id": "sg-1",
       "private_subnets": {"us-east-1a": "subnet-a", "us-east-1b": "subnet-b"},
       "public_subnets": {"us-east-1a": "subnet-c", "us-east-1b": "subnet-d"},
       "file_system_id": "fs-1", "bucket": "b", "instance_profile_name": "corral-node-x",
       "instance_profile_arn": "arn:aws:iam::1:instance-profile/corral-node-x",
       "node_role_name": "corral-node-x", "secrets_prefix": "/corral/org-1/"}


def requested(at=1.0):
    return fold(w.evolve, w.decide_create("ws-1", "org-1", SPEC, "t-1", at))


def test_creation_moves_the_task_new_inprogress_finished():
    s = requested()
    assert (s.status, s.task.status.value, w.next_step(s)) == (S.NEW, "NEW", Step.VERIFY_ACCESS)
    s = w.evolve(s, w.WorkspaceAccessVerified("123456789012", 2.0))
    assert (s.status, s.task.status.value, w.next_step(s)) == (S.INPROGRESS, "INPROGRESS",
                                                               Step.ENSURE_NETWORK)
    s = w.evolve(s, w.WorkspaceNetworkReady(NET, 3.0))
    assert (s.status, s.task.status.value, w.next_step(s)) == (S.READY, "FINISHED", None)
    assert s.network == NET and "subnet-b" in s.task.details[-1]
    assert s.in_state_since == 3.0
    assert load(w.Workspace, dump(s)) == s


@pytest.mark.parametrize("steps", [0, 1])
def test_a_lasting_error_fails_with_the_reason(steps):
    s = requested()
    if steps:
        s = w.evolve(s, w.WorkspaceAccessVerified("123456789012", 2.0))
    s = w.evolve(s, w.WorkspaceFailed("AccessDenied: not authorized", 3.0))
    assert s.status == S.FAILED and s.failure == "AccessDenied: not authorized"
    assert s.task.status.value == "FAILED" and "AccessDenied" in s.task.details[-1]
    assert w.next_step(s) is None


def test_removal_terminates_and_cancels_an_open_creation():
    s = requested()
    s = fold(w.evolve, [*w.decide_create("ws-1", "org-1", SPEC, "t-1", 1.0),
                *w.decide_remove(s, [], "t-2", 2.0)])
    assert s.status == S.TERMINATING and w.next_step(s) == Step.FINISH_REMOVAL
    assert [t.status.value for t in s.tasks] == ["FAILED", "NEW"]
    s = w.evolve(s, w.WorkspaceRemoved(3.0))
    assert s.status == S.TERMINATED and s.task.status.value == "FINISHED"
    assert w.next_step(s) is None


def test_removal_is_refused_with_live_clusters_or_twice():
    s = requested()
    with pytest.raises(DomainError, match="still has cluster.*\\(a, b\\).*TERMINATED"):
        w.decide_remove(s, ["b", "a"], "t-2", 2.0)
    s = w.evolve(s, w.WorkspaceRemovalRequested("t-2", 2.0))
    with pytest.raises(DomainError, match="already being removed"):
        w.decide_remove(s, [], "t-3", 3.0)
    s = w.evolve(s, w.WorkspaceRemoved(3.0))
    with pytest.raises(DomainError, match="already removed"):
        w.decide_remove(s, [], "t-3", 3.0)


def test_the_table_refuses_what_it_does_not_list():
    s = requested()
    late = w.WorkspaceNetworkReady(NET, 2.0)
    assert not w.allows(s, late)          # the network before the access check
    with pytest.raises(ValueError):
        w.evolve(s, late)
    s = w.evolve(s, w.WorkspaceRemovalRequested("t-2", 2.0))
    assert not w.allows(s, w.WorkspaceAccessVerified("1", 3.0))   # a step that raced removal
