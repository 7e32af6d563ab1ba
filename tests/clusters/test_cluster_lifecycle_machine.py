"""The pure machine for the cluster's life once it runs: pause/resume, stop/restart with an
upgrade, scale, PATCH no-ops, activity and the idle shutdown (tests/clusters/test_cluster_machine.py
holds creation and removal, and the random walk over every event)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.clusters import machine as c
from chalicelib.clusters.machine import ClusterSpec, Step, Upgrade
from chalicelib.clusters.machine import ClusterStatus as S
from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.task import TaskStatus
from chalicelib.kernel.times import iso

SPEC = ClusterSpec(name="c", instance_type="c5.2xlarge", workers_quantity=2, bodo_version="2025.5",
                   image_id="ami-5", vcpus=8, region="us-east-1")
NET = {"vpc_id": "vpc-1", "subnet_id": "subnet-1", "security_group_id": "sg-1"}
NODES = ({"instance_id": "i-1", "private_ip": "10.0.0.1"},
         {"instance_id": "i-2", "private_ip": "10.0.0.2"})


# After the nodes run, the MPI checks of the creation run again, each sent then awaited.
READY_STEPS = (Step.SEND_MPI_CHECK, Step.AWAIT_MPI_CHECK) * len(c.MPI_CHECKS)


def running(spec=SPEC, at=100.0):
    s = c.evolve(None, c.decide_create("cid", "ws", "org", spec, "t1", 0.0, network=NET)[0])
    for e in (c.PlacementGroupReady("pg", 1), c.LaunchTemplateReady("lt-1", 2),
              c.FleetLaunched(("i-1", "i-2"), 3), c.NodesReady(NODES, at),
              *[c.MpiCheckPassed(check, "passed", at) for check in c.MPI_CHECKS],
              c.MpiReady("/shared/.hostfile-cid", 8, at)):
        s = c.evolve(s, e)
    assert s.status == S.RUNNING
    return s


def drive(s, t=1000.0, limit=20):
    """Answer each pending step with the fact it would find, until nothing is pending or
    the cluster waits for the idle deadline. Returns (state, steps seen)."""
    seen = []
    for k in range(limit):
        step = c.next_step(s)
        if step in (None, Step.CHECK_IDLE):
            return s, seen
        seen.append(step)
        at = t + k
        e = {
            Step.SEND_MPI_CHECK: lambda: c.MpiCheckSent(c.pending_mpi_check(s), "cmd", at),
            Step.AWAIT_MPI_CHECK: lambda: (
                c.MpiReady("/shared/.hostfile-cid", 8, at)
                if s.mpi_command["check"] == c.MPI_CHECKS[-1] and len(s.mpi_checks) ==
                len(c.MPI_CHECKS) - 1 else c.MpiCheckPassed(s.mpi_command["check"], "ok", at)),
            Step.STOP_INSTANCES: lambda: c.InstancesStopping(s.instance_ids, at),
            Step.AWAIT_STOPPED: lambda: c.InstancesStopped(at),
            Step.START_INSTANCES: lambda: c.InstancesStarting(s.instance_ids, at),
            Step.UPDATE_LAUNCH_TEMPLATE: lambda: c.LaunchTemplateUpdated(2, at),
            Step.MODIFY_INSTANCE_TYPE: lambda: c.InstanceTypeChanged(s.spec.instance_type, at),
            Step.LAUNCH_NODES: lambda: c.NodesAdded(tuple(
                f"i-n{j}" for j in range(s.spec.workers_quantity - len(s.instance_ids))), at),
            Step.TERMINATE_NODES: lambda: c.NodesRemoved(c.nodes_to_remove(s), at),
            Step.AWAIT_NODES: lambda: c.NodesReady(tuple(
                {"instance_id": i, "private_ip": "10.0.0.9"} for i in s.instance_ids), at),
        }[step]()
        s = c.evolve(s, e)
    raise AssertionError(f"no end after {seen}")


def test_pause_then_resume_stops_and_starts_the_same_instances_and_counts_as_activity():
    s = c.evolve(running(), c.decide_pause(running(), "p", "user a@b.c", 500)[0])
    assert s.status == S.PAUSING and s.task.operation == c.PAUSE_CLUSTER
    assert s.task.details[0] == "Pause requested by user a@b.c"
    s, steps = drive(s)
    assert steps == [Step.STOP_INSTANCES, Step.AWAIT_STOPPED]
    assert s.status == S.PAUSED and s.task.status == TaskStatus.FINISHED and s.nodes == ()
    s = c.evolve(s, c.decide_resume(s, "r", "user a@b.c", 2000)[0])
    assert s.status == S.INITIALIZING
    s, steps = drive(s, t=3000)
    assert steps == [Step.START_INSTANCES, Step.AWAIT_NODES, *READY_STEPS]
    assert s.status == S.RUNNING and s.instance_ids == ("i-1", "i-2")
    assert s.task.operation == c.RESUME_CLUSTER and s.task.status == TaskStatus.FINISHED
    assert s.last_activity == s.in_state_since > 3000   # reaching RUNNING again counts


def test_stop_then_restart_applies_a_new_type_while_stopped_and_keeps_the_instances():
    s = running()
    s = c.evolve(s, c.decide_update(s, "u", {}, Upgrade("c5.4xlarge", 16, "2025.5", "ami-5"),
                                    None, "k", 400)[0])
    assert s.upgrade is not None and s.spec.instance_type == "c5.2xlarge"
    s, _ = drive(c.evolve(s, c.decide_stop(s, "s", "k", 500)[0]))
    assert s.status == S.STOPPED and s.upgrade is not None
    s, steps = drive(c.evolve(s, c.decide_restart(s, "R", "k", 600)[0]))
    assert steps == [Step.UPDATE_LAUNCH_TEMPLATE, Step.MODIFY_INSTANCE_TYPE,
                     Step.START_INSTANCES, Step.AWAIT_NODES, *READY_STEPS]
    assert s.status == S.RUNNING and s.spec.instance_type == "c5.4xlarge" and s.spec.vcpus == 16
    assert s.instance_ids == ("i-1", "i-2") and s.upgrade is None


def test_a_restart_with_a_new_image_replaces_the_nodes():
    s = running()
    s = c.evolve(s, c.decide_update(s, "u", {}, Upgrade("c5.2xlarge", 8, "2025.6", "ami-6"),
                                    None, "k", 400)[0])
    s, _ = drive(c.evolve(s, c.decide_stop(s, "s", "k", 500)[0]))
    s, steps = drive(c.evolve(s, c.decide_restart(s, "R", "k", 600)[0]))
    assert steps == [Step.UPDATE_LAUNCH_TEMPLATE, Step.TERMINATE_NODES, Step.LAUNCH_NODES,
                     Step.AWAIT_NODES, *READY_STEPS]
    assert s.status == S.RUNNING and s.spec.image_id == "ami-6"
    assert s.instance_ids == ("i-n0", "i-n1")


def test_a_resume_does_not_apply_an_upgrade():
    s = running()
    s = c.evolve(s, c.decide_update(s, "u", {}, Upgrade("c5.4xlarge", 16, "2025.5", "ami-5"),
                                    None, "k", 400)[0])
    s, _ = drive(c.evolve(s, c.decide_pause(s, "p", "k", 500)[0]))
    s, steps = drive(c.evolve(s, c.decide_resume(s, "r", "k", 600)[0]))
    assert Step.MODIFY_INSTANCE_TYPE not in steps and s.upgrade is not None


def test_scale_up_then_down_removes_the_highest_indexed_nodes_first():
    s = running()
    events = c.decide_update(s, "u", {}, None, 4, "k", 500)
    s, steps = drive(c.evolve(s, events[0]))
    assert steps == [Step.LAUNCH_NODES, Step.AWAIT_NODES, *READY_STEPS]
    assert s.instance_ids == ("i-1", "i-2", "i-n0", "i-n1") and s.status == S.RUNNING
    s = c.evolve(s, c.decide_update(s, "u2", {}, None, 1, "k", 600)[0])
    assert c.nodes_to_remove(s) == ("i-2", "i-n0", "i-n1")
    s, steps = drive(s)
    assert steps == [Step.TERMINATE_NODES, Step.AWAIT_NODES, *READY_STEPS] and s.instance_ids == ("i-1",)


def test_a_scale_without_capacity_keeps_the_nodes_and_fails_only_its_task():
    s = c.evolve(running(), c.decide_update(running(), "u", {}, None, 3, "k", 500)[0])
    assert c.next_step(s) == Step.LAUNCH_NODES
    failed = c.launch_failed(s, "InsufficientInstanceCapacity: none", 501)
    assert [type(e) for e in failed] == [c.ScaleFailed]
    s = c.evolve(s, failed[0])
    assert s.task.status == TaskStatus.FAILED and s.spec.workers_quantity == 2
    s, steps = drive(s)
    assert steps == [Step.AWAIT_NODES, *READY_STEPS] and s.status == S.RUNNING


def test_a_start_that_fails_for_good_fails_the_cluster_and_a_pause_is_retried():
    s, _ = drive(c.evolve(running(), c.decide_pause(running(), "p", "k", 500)[0]))
    s = c.evolve(s, c.decide_resume(s, "r", "k", 600)[0])
    assert [type(e) for e in c.launch_failed(s, "Unsupported: no", 601)] == [c.LaunchFailed]
    pausing = c.evolve(running(), c.decide_pause(running(), "p", "k", 500)[0])
    assert c.launch_failed(pausing, "UnauthorizedOperation: no", 501) == []


@pytest.mark.parametrize("decide,status_events,message", [
    (c.decide_pause, [], None),
    (c.decide_resume, [], "only a PAUSED cluster can be resumed"),
    (c.decide_restart, [], "only a STOPPED cluster can be restarted"),
])
def test_refusals_say_why(decide, status_events, message):
    s = running()
    if message is None:
        s = c.evolve(s, decide(s, "p", "k", 500)[0])
        with pytest.raises(DomainError, match="already being paused"):
            decide(s, "p2", "k", 501)
        return
    with pytest.raises(DomainError, match=message):
        decide(s, "x", "k", 500)


def test_update_refused_once_removal_began_and_scale_only_while_running():
    s = running()
    paused, _ = drive(c.evolve(s, c.decide_pause(s, "p", "k", 500)[0]))
    with pytest.raises(DomainError, match="scaled only while RUNNING"):
        c.decide_update(paused, "u", {}, None, 3, "k", 600)
    gone = c.evolve(s, c.decide_remove(s, "t", 700, by="user a@b.c")[0])
    assert gone.task.details[0] == "Removal requested by user a@b.c"
    with pytest.raises(DomainError, match="TERMINATING"):
        c.decide_update(gone, "u", {"description": "x"}, None, None, "k", 701)


def test_unchanged_values_are_no_ops():
    s = running()
    same = Upgrade(s.spec.instance_type, s.spec.vcpus, s.spec.bodo_version, s.spec.image_id)
    assert c.decide_update(s, "u", {"name": "c", "auto_pause": 0}, same, 2, "k", 500) == []


def test_a_patch_during_creation_is_a_detail_of_the_creation_task_not_its_end():
    s = c.evolve(None, c.decide_create("cid", "ws", "org", SPEC, "t1", 0.0, network=NET)[0])
    s = c.evolve(s, c.PlacementGroupReady("pg", 1))
    s = c.evolve(s, c.decide_update(s, "u", {"description": "x"}, None, None, "k", 2)[0])
    assert s.task.uuid == "t1" and s.task.status == TaskStatus.INPROGRESS
    assert s.spec.description == "x" and len(s.tasks) == 1


def test_idle_shutdown_pauses_or_removes_at_the_earlier_deadline_and_zero_is_never():
    assert c.idle_action(running()) is None
    assert c.next_step(running()) is None
    s = running(replace(SPEC, auto_pause=10, auto_stop=30), at=100)
    assert c.idle_action(s) == (100 + 600, c.IDLE_PAUSE)
    assert c.next_step(s) == Step.CHECK_IDLE
    assert c.decide_idle(s, "t", 699) == []
    [pause] = c.decide_idle(s, "t", 700)
    assert isinstance(pause, c.PauseRequested) and pause.reason == f"idle since {iso(100)}"
    paused, _ = drive(c.evolve(s, pause))
    assert c.idle_action(paused) == (100 + 1800, c.IDLE_REMOVE)
    [removal] = c.decide_idle(paused, "t2", 1900)
    assert isinstance(removal, c.RemovalRequested) and removal.idle_since == 100
    assert c.evolve(paused, removal).status == S.TERMINATING


def test_activity_moves_the_deadline_and_makes_an_older_idle_decision_stale():
    s = running(replace(SPEC, auto_pause=10), at=100)
    [pause] = c.decide_idle(s, "t", 800)
    [seen] = c.decide_activity(s, 750)
    s = c.evolve(s, seen)
    assert c.idle_action(s) == (750 + 600, c.IDLE_PAUSE)
    assert not c.allows(s, pause)          # the engine drops it on its conflict
    assert c.decide_activity(s, 700) == []  # older: ignored
