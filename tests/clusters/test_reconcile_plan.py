"""The reconciler's pure parts: which resources a pass removes (owners, grace, layers, bounded
work), and its table (armed, passes, idle, armed again; when the next pass is due)."""
from __future__ import annotations

import pytest

from chalicelib.cloud.orphans import Tagged
from chalicelib.clusters import reconcile as r

NOW = 1_000_000.0
OLD = NOW - r.GRACE_SECONDS - 1


def res(kind, rid, cluster="c1", created=OLD, state=""):
    return Tagged(kind, rid, cluster, "ws", created, state)


def ids(plan):
    return sorted(x.id for x, _ in plan.remove)


CLUSTER_THINGS = [res("instance", "i-1", state="running"), res("instance", "i-2", state="stopped"),
                  res("network-interface", "eni-1", created=None, state="in-use"),
                  res("security-group", "sg-1", created=None),
                  res("placement-group", "corral-c1", created=None),
                  res("launch-template", "lt-1")]


@pytest.mark.parametrize("status", ["RUNNING", "FAILED", "TERMINATING", "NEW", "PAUSED"])
def test_a_live_clusters_resources_are_never_touched(status):
    plan = r.plan(CLUSTER_THINGS, {"c1": status}, {}, NOW)
    assert plan.remove == () and not plan.more


def test_a_cluster_not_looked_up_is_never_touched():
    assert r.plan(CLUSTER_THINGS, {}, {}, NOW).remove == ()


@pytest.mark.parametrize("status, why", [(None, "unknown to the platform"),
                                         ("TERMINATED", "is TERMINATED")])
def test_instances_go_first_then_what_they_held_then_the_group(status, why):
    first = r.plan(CLUSTER_THINGS, {"c1": status}, {}, NOW)
    assert ids(first) == ["i-1", "i-2"] and first.more
    assert all(why in w for _, w in first.remove)
    shutting = [res("instance", "i-1", state="shutting-down")] + CLUSTER_THINGS[2:]
    waiting = r.plan(shutting, {"c1": status}, first.first_seen, NOW + 60)
    assert waiting.remove == () and waiting.more     # nothing goes while one shuts down
    detached = [res("network-interface", "eni-1", created=None, state="available")] \
        + CLUSTER_THINGS[3:]
    second = r.plan(detached, {"c1": status}, first.first_seen, NOW + 120)
    assert ids(second) == ["corral-c1", "eni-1", "lt-1"] and second.more
    third = r.plan([CLUSTER_THINGS[3]], {"c1": status}, second.first_seen, NOW + 180)
    assert ids(third) == ["sg-1"] and not third.more


def test_an_interface_still_in_use_holds_the_group_back():
    things = [res("network-interface", "eni-1", state="in-use"), res("security-group", "sg-1")]
    plan = r.plan(things, {"c1": None}, {}, NOW)
    assert plan.remove == () and not plan.more     # the hourly pass looks again


def test_young_resources_wait_for_the_grace():
    young = [res("instance", "i-1", created=NOW - 60, state="pending")]
    assert r.plan(young, {"c1": None}, {}, NOW).remove == ()
    assert ids(r.plan(young, {"c1": None}, {}, NOW - 60 + r.GRACE_SECONDS)) == ["i-1"]


def test_without_a_creation_time_the_first_pass_that_saw_the_cluster_counts():
    things = [res("network-interface", "eni-1", created=None, state="available")]
    first = r.plan(things, {"c1": None}, {}, NOW)
    assert first.remove == () and first.first_seen == {"c1": NOW}
    later = r.plan(things, {"c1": None}, first.first_seen, NOW + r.GRACE_SECONDS)
    assert ids(later) == ["eni-1"]
    assert r.plan([], {}, later.first_seen, NOW).first_seen == {}   # gone: forgotten


def test_a_pass_acts_on_a_bounded_number_of_clusters():
    many = [res("instance", f"i-{n}", cluster=f"c{n:03}", state="running") for n in range(7)]
    plan = r.plan(many, {f"c{n:03}": None for n in range(7)}, {}, NOW, limit=3)
    assert ids(plan) == ["i-0", "i-1", "i-2"] and plan.more


def test_said_names_the_resource_and_why():
    i = res("instance", "i-1")
    assert r.said(i, "cluster c1 is TERMINATED") == "Terminated instance i-1: cluster c1 is TERMINATED"
    assert "Could not remove security-group sg-1" in r.said(res("security-group", "sg-1"), "x",
                                                            "DependencyViolation")


def test_the_table_arms_passes_idles_and_arms_again():
    assert r.decide_arm(None, "o", "us-east-1", NOW)
    s = r.evolve(None, r.decide_arm(None, "o", "us-east-1", NOW)[0])
    assert s.uuid == r.reconciler_uuid("o", "us-east-1") != r.reconciler_uuid("o", "us-east-2")
    assert r.next_step(s) == r.Step.RECONCILE
    assert r.not_before(s) == NOW + r.INTERVAL_SECONDS
    assert r.decide_arm(s, "o", "us-east-1", NOW) == []          # watching already
    s = r.evolve(s, r.PassCompleted("t1", ("Terminated instance i-1: x",), {"c1": NOW}, True,
                                    NOW + 10))
    assert r.not_before(s) == NOW + 10 + r.SOON_SECONDS
    assert s.task.operation == r.OPERATION and s.task.status.value == "FINISHED"
    assert "Terminated instance i-1: x" in s.task.details
    quiet = r.evolve(s, r.PassCompleted("t2", (), {}, False, NOW + 20))
    assert quiet.task.uuid == "t1"                                # nothing removed: no task
    assert r.not_before(quiet) == NOW + 20 + r.INTERVAL_SECONDS
    idle = r.evolve(quiet, r.ReconcilerIdle(NOW + 20))
    assert r.next_step(idle) is None and r.not_before(idle) is None
    assert not r.allows(idle, r.PassCompleted("t3", (), {}, False, NOW))
    again = r.evolve(idle, r.decide_arm(idle, "o", "us-east-1", NOW + 30)[0])
    assert r.next_step(again) == r.Step.RECONCILE
