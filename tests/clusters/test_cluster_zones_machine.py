"""The cluster machine's zones, pure: the pre-flight's outcome from each zone's answer, the
launch moving to the next zone, and the refusals that name every zone's answer."""
from __future__ import annotations

from dataclasses import replace

from chalicelib.clusters import machine as c
from chalicelib.clusters.machine import ClusterStatus as S
from chalicelib.clusters.machine import Step
from tests.clusters.test_cluster_machine import SPEC, requested

ICE = "InsufficientInstanceCapacity: none"


def _at_preflight(spec=SPEC) -> c.Cluster:
    s = c.evolve(None, replace(requested(), spec=c.dump(spec)))
    s = c.evolve(s, c.NetworkReady("v", "s", "g", 1))
    assert c.next_step(s) == Step.PREFLIGHT
    return s


def _launching(s: c.Cluster, zones=("us-east-1a", "us-east-1b")) -> c.Cluster:
    for e in (c.ZonesChecked(zones, {}, 2), c.NodeKeyStored("k", 3), c.PlacementGroupReady("pg", 4),
              c.LaunchTemplateReady("lt", 5, zones[0])):
        s = c.evolve(s, e)
    assert c.next_step(s) == Step.LAUNCH_FLEET
    return s


def test_every_zone_that_would_launch_is_tried_in_name_order():
    s = _at_preflight()
    events = c.zones_checked(s, {"us-east-1b": None, "us-east-1a": None, "us-east-1c": ICE}, 2)
    assert events == [c.ZonesChecked(("us-east-1a", "us-east-1b"), {"us-east-1c": ICE}, 2)]
    s = c.evolve(s, events[0])
    assert s.zones == ("us-east-1a", "us-east-1b") and s.status == S.INPROGRESS
    assert "not in us-east-1c: InsufficientInstanceCapacity" in s.task.details[-1]


def test_no_zone_fails_the_launch_with_each_answer():
    s = _at_preflight()
    [failed] = c.zones_checked(s, {"us-east-1a": ICE, "us-east-1b": "Unsupported: no"}, 2)
    assert isinstance(failed, c.LaunchFailed)
    assert failed.reason == ("no availability zone of us-east-1 can launch 2 x c5.2xlarge now: "
                             f"us-east-1a: {ICE}; us-east-1b: Unsupported: no")
    assert c.evolve(s, failed).status == S.FAILED


def test_a_zone_asked_for_is_the_only_one_or_the_refusal_names_those_that_would_work():
    s = _at_preflight(replace(SPEC, availability_zone="us-east-1b"))
    assert c.zones_checked(s, {"us-east-1a": None, "us-east-1b": None}, 2)[0].usable == (
        "us-east-1b",)
    [failed] = c.zones_checked(s, {"us-east-1a": None, "us-east-1b": ICE}, 2)
    assert failed.reason == (f"2 x c5.2xlarge cannot launch in us-east-1b: {ICE}; zones that "
                             "would work: us-east-1a")


def test_a_network_without_zones_launches_where_its_subnet_is():
    s = c.evolve(_at_preflight(), c.zones_checked(_at_preflight(), {}, 2)[0])
    assert s.zones == ()
    s = c.evolve(c.evolve(c.evolve(s, c.NodeKeyStored("k", 3)), c.PlacementGroupReady("pg", 4)),
                 c.LaunchTemplateReady("lt", 5))
    assert c.next_step(s) == Step.LAUNCH_FLEET


def test_a_refused_zone_moves_the_template_then_the_launch_to_the_next():
    s = _launching(_at_preflight())
    events = c.zone_refused(s, "us-east-1a", ICE, 6)
    assert events == [c.ZoneRefused("us-east-1a", ICE, 6)]
    s = c.evolve(s, events[0])
    assert s.zones == ("us-east-1b",) and c.next_step(s) == Step.ZONE_LAUNCH_TEMPLATE
    s = c.evolve(s, c.LaunchTemplateZoned("us-east-1b", 2, 7))
    assert s.template_zone == "us-east-1b" and c.next_step(s) == Step.LAUNCH_FLEET
    # The last zone refusing too ends the launch with every attempt.
    events = c.zone_refused(s, "us-east-1b", "Unsupported: gone", 8)
    assert [type(e) for e in events] == [c.ZoneRefused, c.LaunchFailed]
    assert events[1].reason == ("no availability zone of us-east-1 could launch 2 x c5.2xlarge: "
                                f"us-east-1a: {ICE}; us-east-1b: Unsupported: gone")
    for e in events:
        s = c.evolve(s, e)
    assert s.status == S.FAILED and c.next_step(s) == Step.TERMINATE_INSTANCES


def test_a_removal_during_the_preflight_releases_what_little_there_is():
    s = _at_preflight()
    s = c.evolve(s, c.decide_remove(s, "t2", 3)[0])
    assert s.status == S.TERMINATING
    assert not c.allows(s, c.ZonesChecked(("us-east-1a",), {}, 4))
    assert c.next_step(s) == Step.TERMINATE_INSTANCES
