"""A launch on a fleet that takes 180 s to boot (local/moto_ext/boot_time.py: EC2 reports the
instances pending for 90 s, SSM lists them from 180 s, on the harness's fake clock) looks at
its nodes at most 4 times, the first after a typical boot; an early delivery looks at nothing;
the teardown waits for a typical shutdown before its first look."""
from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest

from bench.counter import counting
from chalicelib.cloud import fleet
from chalicelib.clusters import machine as c
from chalicelib.engine import registry
from chalicelib.store import aggregates, queue
from local.harness import Platform

BOOT_SECONDS = 180


@pytest.fixture
def booting():
    with Platform(boot_seconds=BOOT_SECONDS) as p:
        yield p


def _watch(p: Platform, rec):
    """Patch the fleet adapter: note when it launched, and time and label every look."""
    launched, looks = [], []
    real_launch, real_readiness = fleet.launch, fleet.readiness

    def launch(*args, **kwargs):
        ids = real_launch(*args, **kwargs)
        launched.append(p.clock())
        return ids

    def readiness(ec2, ssm, ids):
        looks.append(p.clock() - launched[0])
        with rec.label("look"):
            return real_readiness(ec2, ssm, ids)

    return launched, looks, mock.patch.multiple(fleet, launch=launch, readiness=readiness)


def _settle_until(p: Platform, uuid: str, statuses: tuple[str, ...], step: float = 5) -> str:
    for _ in range(400):
        p.pump.drain()
        status = p.cluster(uuid)["status"]
        if status in statuses:
            return status
        p.clock.advance(step)
        p.pump.tick()
    raise AssertionError(f"still {status}")


def test_a_180_s_boot_takes_at_most_4_looks_the_first_after_a_typical_boot(booting):
    p = booting
    created = p.create_cluster(name="slow", workersQuantity=2)
    with counting() as rec:
        launched, looks, patch = _watch(p, rec)
        with patch:
            assert _settle_until(p, created["uuid"], ("RUNNING", "FAILED")) == "RUNNING"
    calls = Counter((x.service, x.operation) for x in rec.calls if x.label.name == "look")
    assert len(looks) <= 4, looks
    assert calls[("EC2", "DescribeInstances")] <= 4 and calls[("SSM", "DescribeInstanceInformation")] <= 4
    assert looks[0] >= 60                                   # not before a typical boot
    assert BOOT_SECONDS <= looks[-1] <= BOOT_SECONDS + 60   # and seen ready soon after
    assert len(p.cluster(created["uuid"])["nodesIp"]) == 2


def test_an_early_delivery_or_re_drive_looks_at_nothing(booting):
    p = booting
    created = p.create_cluster(name="early")
    with counting() as rec:
        launched, looks, patch = _watch(p, rec)
        with patch:
            p.pump.drain()        # up to the launch: the first look is queued for later
            row = aggregates.get(c.KIND, p.demo.workspace.uuid, created["uuid"])
            assert c.next_step(registry.get(c.KIND).load(row.state)) == c.Step.AWAIT_NODES
            assert row.due_at == pytest.approx(launched[0] + 60)
            # The same step delivered at once (a duplicate message, or a tick re-driving it).
            rec.clear()
            queue.send([queue.Work(c.KIND, row.scope, row.uuid, row.version)])
            assert p.pump.drain() == 1
    assert looks == []
    assert [x.service for x in rec.calls if x.service in ("EC2", "SSM")] == []
    again = aggregates.get(c.KIND, p.demo.workspace.uuid, created["uuid"])
    assert again.due_at == pytest.approx(launched[0] + 60)   # still the same first look


def test_the_teardown_looks_after_a_typical_shutdown(booting):
    p = booting
    created = p.create_cluster(name="gone")
    _settle_until(p, created["uuid"], ("RUNNING",))
    assert p.request("DELETE", f"/v1/clusters/{created['uuid']}").status_code == 200
    started, checks = [], []
    real_terminate, real_check = fleet.terminate, fleet.all_terminated

    def terminate(*args, **kwargs):
        started.append(p.clock())
        return real_terminate(*args, **kwargs)

    def all_terminated(*args, **kwargs):
        checks.append(p.clock() - started[0])
        return real_check(*args, **kwargs)

    with mock.patch.multiple(fleet, terminate=terminate, all_terminated=all_terminated):
        assert _settle_until(p, created["uuid"], ("TERMINATED",)) == "TERMINATED"
    assert checks and checks[0] >= 30 and len(checks) == 1   # moto's instances stop at once
