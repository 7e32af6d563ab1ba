"""When a launch looks at its nodes, and a teardown at its instances (polling.poll_offsets):
first after a typical boot or shutdown, then at growing waits; derived from the state and the
time only, so a re-driven step keeps to the same schedule."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.clusters import machine as c
from chalicelib.clusters import polling
from chalicelib.clusters.machine import Cluster, ClusterSpec, Instances, Step
from chalicelib.clusters.polling import Polling

BOOT = Polling(expected=60, floor=10)       # the production defaults (kernel/config.py)
SHUTDOWN = Polling(expected=30, floor=10)


def offsets(p: Polling, n: int) -> list[float]:
    return list(itertools.islice(polling.poll_offsets(p), n))


def looks_until_ready(p: Polling, ready_after: float) -> int:
    return next(i for i, t in enumerate(polling.poll_offsets(p), 1) if t >= ready_after)


def test_the_first_look_comes_after_a_typical_boot_then_the_waits_grow_to_a_cap():
    times = offsets(BOOT, 10)
    assert times[:4] == [60, 90, 135, 202.5]
    waits = [b - a for a, b in zip(times, times[1:])]
    assert waits == sorted(waits) and waits[0] == 30 and max(waits) == 120


@pytest.mark.parametrize("ready_after, looks", [(60, 1), (120, 3), (180, 4), (300, 5)])
def test_nodes_ready_after_one_to_three_minutes_are_seen_in_a_few_looks(ready_after, looks):
    assert looks_until_ready(BOOT, ready_after) == looks
    # the old schedule: a look at the launch, then every 10 s
    assert looks_until_ready(Polling(0, 10), ready_after) == ready_after // 10 + 1


def test_a_launch_that_never_gets_ready_is_looked_at_a_dozen_times_not_ninety():
    within = [t for t in offsets(BOOT, 100) if t <= c.READINESS_TIMEOUT_SECONDS]
    assert len(within) <= 12


def test_local_mode_looks_at_once_then_every_poll_seconds():
    assert offsets(Polling(0, 1), 4) == [0, 1, 2, 3]


@given(since=st.floats(0, 1e9), late=st.floats(0, 2000),
       expected=st.sampled_from([0, 30, 60, 90]), floor=st.sampled_from([1, 10]))
def test_a_look_at_any_time_is_followed_by_the_next_scheduled_one(since, late, expected, floor):
    p = Polling(expected, floor)
    now = since + late
    nxt = polling.next_poll(p, since, now)
    assert nxt >= now + floor                      # never sooner than the floor
    scheduled = [since + t for t in offsets(p, 3000)]
    later = [t for t in scheduled if t > now]
    assert nxt == max(later[0], now + floor)       # the schedule's next time, from the state
    assert polling.next_poll(p, since, now) == nxt       # a re-drive decides the same


def _cluster(**kw) -> Cluster:
    spec = ClusterSpec(name="c", instance_type="c5.2xlarge", workers_quantity=2,
                       bodo_version="2025.6", image_id="ami-1", vcpus=8, region="us-east-1")
    base = dict(uuid="u", workspace_uuid="w", organization_uuid="o", spec=spec,
                status=c.S.INPROGRESS, created_at=0, updated_at=0, in_state_since=0,
                network={"vpc_id": "v", "subnet_id": "s", "security_group_id": "g"},
                placement_group="pg", launch_template_id="lt")
    return Cluster(**{**base, **kw})


def test_not_before_is_the_first_look_of_the_wait_the_cluster_is_in():
    launched = _cluster(instances=Instances.LAUNCHED, instance_ids=("i-1",), launched_at=1000)
    assert c.next_step(launched) == Step.AWAIT_NODES
    assert c.not_before(launched, BOOT, SHUTDOWN) == 1060
    stopping = _cluster(status=c.S.TERMINATING, instances=Instances.TERMINATING,
                        instance_ids=("i-1",), launched_at=1000, terminating_at=5000)
    assert c.next_step(stopping) == Step.AWAIT_TERMINATION
    assert c.not_before(stopping, BOOT, SHUTDOWN) == 5030
    assert c.not_before(_cluster(), BOOT, SHUTDOWN) is None      # LAUNCH_FLEET: at once


def test_the_termination_s_start_is_in_the_state():
    s = _cluster(status=c.S.TERMINATING, instances=Instances.LAUNCHED, instance_ids=("i-1",))
    s = c.evolve(s, c.InstancesTerminating(("i-1",), 4242.0))
    assert s.terminating_at == 4242.0
