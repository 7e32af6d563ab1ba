"""The notebook machine alone (pure): the table, what is pending in each state, the heartbeat,
going with the cluster, and random event sequences folding without breaking the table."""
from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.kernel.state import dump, load
from chalicelib.kernel.task import TaskStatus
from chalicelib.notebooks import machine as m
from chalicelib.notebooks.machine import Node, NotebookSpec, Step
from chalicelib.notebooks.machine import NotebookStatus as S

SPEC = NotebookSpec("nb", "t3.large", "c-uuid", "us-east-1")
NET = {"vpc_id": "vpc-1", "security_group_id": "sg-1", "private_subnets": {"us-east-1a": "s-1"}}


def _new():
    return m.evolve(None, m.decide_create("n-uuid", "ws", "org", SPEC, "t1", 0.0)[0])


def _fold(s, *events):
    for e in events:
        s = m.evolve(s, e)
    return s


ENTRY = (m.VpcOriginCreated("vo_1", 8888, 8.1), m.VpcOriginDeployed(8.2),
         m.CloudFrontAdmitted("sg-cf", 8888, 8.3), m.DistributionCreated("E1", "d1.example", 8.4),
         m.DistributionDeployed(8.5))


def _ready():
    return _fold(_new(), m.ClusterAttached("c1", NET, "us-east-1a", "ami-1", None, "/shared/h", 1),
                 m.NodeLaunched("i-1", "s-1", 2, "sg-nb"), m.NodeRunning("10.0.0.5", 3),
                 m.NodeOnline(4), m.CommandSent(m.START, "cmd-1", 5), m.JupyterStarted(8888, 6),
                 m.CommandSent(m.PROBE, "cmd-2", 7),
                 m.JupyterAnswered("http://10.0.0.5:8888/", "jupyter answering", 8), *ENTRY,
                 m.NotebookReady("https://d1.example/", "answers through the entry point", 9))


def test_the_creation_path_step_by_step():
    s = _new()
    assert (s.status, m.next_step(s)) == (S.NEW, Step.AWAIT_CLUSTER)
    s = m.evolve(s, m.ClusterAttached("c1", NET, "us-east-1a", "ami-1", None, "/shared/h", 1))
    assert (s.status, m.next_step(s)) == (S.INPROGRESS, Step.LAUNCH_NODE)
    s = m.evolve(s, m.NodeLaunched("i-1", "s-1", 2, "sg-nb"))
    assert m.next_step(s) == Step.AWAIT_NODE and s.group_id == "sg-nb"
    s = m.evolve(s, m.NodeRunning("10.0.0.5", 3))
    assert m.next_step(s) == Step.AWAIT_NODE           # running, not yet online
    s = m.evolve(s, m.NodeOnline(4))
    assert m.next_step(s) == Step.START_JUPYTER
    s = m.evolve(s, m.CommandSent(m.START, "cmd-1", 5))
    assert m.next_step(s) == Step.AWAIT_JUPYTER
    s = m.evolve(s, m.JupyterStarted(8888, 6))
    assert m.next_step(s) == Step.SEND_PROBE
    s = m.evolve(s, m.CommandSent(m.PROBE, "cmd-2", 7))
    assert m.next_step(s) == Step.AWAIT_PROBE
    s = m.evolve(s, m.JupyterAnswered("http://10.0.0.5:8888/", "jupyter answering", 8))
    assert (s.status, m.next_step(s)) == (S.INPROGRESS, Step.CREATE_VPC_ORIGIN)
    steps = [Step.AWAIT_VPC_ORIGIN, Step.ADMIT_CLOUDFRONT, Step.CREATE_DISTRIBUTION,
             Step.AWAIT_DISTRIBUTION, Step.PROBE_ENTRY]
    for event, step in zip(ENTRY, steps):
        s = m.evolve(s, event)
        assert (s.status, m.next_step(s)) == (S.INPROGRESS, step)
    assert (s.vpc_origin_id, s.admitted, s.distribution_id, s.domain) == (
        "vo_1", "sg-cf", "E1", "d1.example")
    s = m.evolve(s, m.NotebookReady("https://d1.example/", "answers through it", 9))
    assert (s.status, m.next_step(s)) == (S.READY, Step.WATCH_CLUSTER)
    assert s.url == "https://d1.example/" and s.node_url == "http://10.0.0.5:8888/"
    assert s.task.status == TaskStatus.FINISHED and len(s.task.details) == 12
    assert load(m.Notebook, dump(s)) == s


def test_removal_releases_the_node_then_ends():
    s = m.evolve(_ready(), m.decide_remove(_ready(), "t2", 9, "requested by ada")[0])
    assert (s.status, m.next_step(s)) == (S.TERMINATING, Step.TERMINATE_NODE)
    assert s.task.operation == m.REMOVE_NOTEBOOK
    s = _fold(s, m.NodeTerminating(("i-1",), 10))
    assert m.next_step(s) == Step.AWAIT_NODE_TERMINATED
    # A launch that raced the removal is recorded and terminated too.
    raced = m.evolve(s, m.NodeLaunched("i-2", "s-1", 11))
    assert raced.node == Node.LAUNCHED and m.next_step(raced) == Step.TERMINATE_NODE
    s = _fold(s, m.NodeTerminated(12))
    assert not m.allows(s, m.NotebookRemoved(13))        # the group, the entry point first
    assert m.next_step(s) == Step.DELETE_NODE_GROUP
    for event, step in [(m.NodeGroupDeleted(("sg-nb",), 13), Step.DISABLE_DISTRIBUTION),
                        (m.DistributionDisabled("E1", 14), Step.DELETE_DISTRIBUTION),
                        (m.DistributionDeleted("E1", 15), Step.DELETE_VPC_ORIGIN),
                        (m.VpcOriginDeleting("vo_1", 16), Step.AWAIT_VPC_ORIGIN_DELETED)]:
        s = m.evolve(s, event)
        assert m.next_step(s) == step
    # A distribution found using the VPC origin (a creation cut short) goes first.
    found = m.evolve(s, m.DistributionFound("E2", 17))
    assert m.next_step(found) == Step.DISABLE_DISTRIBUTION and found.distribution_id == "E2"
    s = m.evolve(s, m.VpcOriginDeleted("vo_1", 17))
    assert m.next_step(s) == Step.FINISH_REMOVAL
    # One found after the deletion (made by a step cut short) is deleted too.
    again = m.evolve(s, m.VpcOriginFound("vo_2", 18))
    assert m.next_step(again) == Step.DELETE_VPC_ORIGIN and again.vpc_origin_id == "vo_2"
    s = m.evolve(s, m.NotebookRemoved(18))
    assert s.status == S.TERMINATED and m.is_settled(s) and not m.live(s)
    with pytest.raises(Exception):
        m.decide_remove(s, "t3", 14, "again")


def test_a_failed_launch_releases_its_node_and_watches_its_cluster():
    s = _fold(_new(), m.ClusterAttached("c1", NET, None, "ami-1", None, "/shared/h", 1),
              m.NodeLaunched("i-1", "s-1", 2))
    s = m.evolve(s, m.launch_failed(s, "capacity", 3)[0])
    assert s.status == S.FAILED and m.next_step(s) == Step.TERMINATE_NODE
    s = _fold(s, m.NodeTerminating(("i-1",), 4), m.NodeTerminated(5))
    assert s.status == S.FAILED and m.next_step(s) == Step.DELETE_NODE_GROUP
    s = _fold(s, m.NodeGroupDeleted((), 6), m.DistributionDeleted("", 7), m.VpcOriginDeleted("", 8))
    assert s.status == S.FAILED and m.next_step(s) == Step.WATCH_CLUSTER
    assert m.launch_failed(s, "again", 6) == []          # a teardown retries, never fails
    going = m.cluster_going(s, "TERMINATED", "c1", "t2", 7)
    assert isinstance(going[0], m.NotebookRemovalRequested)


@pytest.mark.parametrize("status, goes", [
    ("RUNNING", False), ("INITIALIZING", False), ("PAUSED", False), ("STOPPED", False),
    ("TERMINATING", True), ("TERMINATED", True), ("FAILED", True), (None, True)])
def test_a_notebook_goes_with_its_cluster(status, goes):
    assert bool(m.cluster_going(_ready(), status, "c1", "t2", 9)) == goes


@pytest.mark.parametrize("pause, stop, beat", [
    (0, 0, 300), (60, 0, 300), (10, 0, 200), (0, 6, 120), (1, 30, 30), (2, 1, 30)])
def test_heartbeat_is_a_third_of_the_shortest_idle_window(pause, stop, beat):
    assert m.heartbeat_seconds(pause, stop) == beat


def test_the_table_refuses_what_it_does_not_list():
    with pytest.raises(ValueError):
        m.evolve(_new(), m.NotebookReady("http://x:1/", "", 1))
    assert not m.allows(_ready(), m.NodeLaunched("i-9", "s", 9))


EVENTS = st.sampled_from([
    m.ClusterAttached("c1", NET, None, "ami-1", None, "/shared/h", 1),
    m.NodeLaunched("i-1", "s-1", 2), m.NodeRunning("10.0.0.5", 3), m.NodeOnline(4),
    m.CommandSent(m.START, "cmd", 5), m.JupyterStarted(8888, 6), m.CommandSent(m.PROBE, "c", 7),
    m.JupyterAnswered("http://10.0.0.5:8888/", "ok", 8), *ENTRY,
    m.NotebookReady("https://d1.example/", "ok", 8), m.NotebookFailed("x", 9),
    m.NotebookRemovalRequested("t9", "by ada", 10), m.NodeTerminating(("i-1",), 11),
    m.NodeTerminated(12), m.NodeGroupDeleted(("sg-nb",), 12.1),
    m.DistributionDisabled("E1", 12.2), m.DistributionDeleted("E1", 12.3),
    m.DistributionFound("E2", 12.4), m.VpcOriginDeleting("vo_1", 12.5),
    m.VpcOriginDeleted("vo_1", 12.6), m.VpcOriginFound("vo_2", 12.7),
    m.NotebookRemoved(13), m.NotebookStepRetrying("S", "why", 14)])


@settings(max_examples=300, deadline=None)
@given(st.lists(EVENTS, max_size=25))
def test_random_sequences_fold_where_the_table_allows(events):
    s = _new()
    for e in events:
        if m.allows(s, e):
            s = m.evolve(s, e)
            assert load(m.Notebook, dump(s)) == s
    # Whatever happened: a removed notebook with everything released is settled (a launch
    # or an entry point found after the removal is removed first); a live one always has a
    # step.
    if s.status == S.TERMINATED:
        assert (m.next_step(s) is None) == m.released(s)
    else:
        assert m.next_step(s) is not None
