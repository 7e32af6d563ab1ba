"""Duplicate, lost and crashed deliveries never double-launch or strand a cluster."""
from __future__ import annotations

import pytest

from chalicelib.clusters.machine import Step
from chalicelib.engine import driver as engine
from chalicelib.kernel.state import load
from chalicelib.store import aggregates, queue
from handlers.tick import tick
from tests import faults


def pending_work(platform, uuid):
    row = aggregates.get("cluster", platform.demo.workspace.uuid, uuid, consistent=True)
    return queue.Work("cluster", platform.demo.workspace.uuid, uuid, row.version)


def purge(platform):
    """Lose every queued message (receive and delete without running them)."""
    sqs, url = platform.pump.sqs, platform.pump.queue_url
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def drive_until(platform, uuid, step):
    """Run steps directly until `step` is the one pending (queue emptied)."""
    from chalicelib.clusters.machine import Cluster, next_step
    for _ in range(10):
        row = aggregates.get("cluster", platform.demo.workspace.uuid, uuid, consistent=True)
        if next_step(load(Cluster, row.state)) == step:
            purge(platform)
            return pending_work(platform, uuid)
        engine.drive(pending_work(platform, uuid))
    raise AssertionError(f"never reached {step}")


def test_the_same_message_delivered_twice_launches_once(platform):
    c = platform.create_cluster(workersQuantity=2)
    work = drive_until(platform, c["uuid"], Step.LAUNCH_FLEET)
    assert engine.drive(work) == "LAUNCH_FLEET"
    assert engine.drive(work) == "stale"
    platform.settle()
    assert platform.cluster(c["uuid"])["status"] == "RUNNING"
    assert len(platform.customer_instances(c["uuid"])) == 2


def test_a_duplicate_arriving_while_the_step_runs_is_turned_away(platform):
    c = platform.create_cluster(workersQuantity=2)
    work = drive_until(platform, c["uuid"], Step.LAUNCH_FLEET)
    inner = []
    faults.after("ec2", "CreateFleet", lambda: inner.append(engine.drive(work)))
    assert engine.drive(work) == "LAUNCH_FLEET"
    assert inner == ["busy"]
    platform.settle()
    assert len(platform.customer_instances(c["uuid"])) == 2


def test_a_crash_after_launch_before_commit_recovers_on_the_tick(platform):
    c = platform.create_cluster(workersQuantity=3)
    work = drive_until(platform, c["uuid"], Step.LAUNCH_FLEET)

    def crash():
        raise faults.Crash("worker died")

    faults.after("ec2", "CreateFleet", crash)
    with pytest.raises(faults.Crash):
        engine.drive(work)
    # The fleet exists, the event store does not know it, and no message is queued.
    assert len(platform.customer_instances(c["uuid"])) == 3
    assert platform.cluster(c["uuid"])["status"] == "INPROGRESS"
    faults.after("ec2", "CreateFleet", lambda: None)  # the worker is healthy again
    import chalicelib.cloud.sessions as s
    s.forget()
    assert tick() == 0  # the claim has not expired yet
    platform.clock.advance(121)
    assert tick() == 1
    platform.settle()
    assert platform.cluster(c["uuid"])["status"] == "RUNNING"
    instances = platform.customer_instances(c["uuid"])
    assert len(instances) == 3, "the retry found the crashed attempt's fleet instead of launching again"


def test_lost_messages_are_redriven_by_the_tick(platform):
    c = platform.create_cluster()
    purge(platform)
    assert platform.pump.drain() == 0
    platform.settle()
    assert platform.cluster(c["uuid"])["status"] == "RUNNING"
    purge(platform)
    platform.request("DELETE", f"/v1/clusters/{c['uuid']}")
    purge(platform)
    platform.settle()
    assert platform.cluster(c["uuid"])["status"] == "TERMINATED"


def test_a_stale_message_for_an_old_version_does_nothing(platform):
    c = platform.create_cluster()
    old = pending_work(platform, c["uuid"])
    platform.settle()
    assert engine.drive(old) == "stale"


def test_malformed_messages_fail_loudly_and_stay_on_the_queue(platform):
    platform.pump.sqs.send_message(QueueUrl=platform.pump.queue_url, MessageBody="{not json")
    platform.pump.sqs.send_message(QueueUrl=platform.pump.queue_url, MessageBody='{"kind":"cluster"}')
    platform.pump.sqs.send_message(QueueUrl=platform.pump.queue_url, MessageBody=queue.Work(
        "spaceship", platform.demo.workspace.uuid, platform.demo.workspace.uuid, 1).body())
    assert platform.pump.drain() == 3
    assert platform.pump.failures == 3
    attrs = platform.pump.sqs.get_queue_attributes(
        QueueUrl=platform.pump.queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "3"


@pytest.mark.parametrize("body, error", [
    ("[]", "not a JSON object"),
    ('{"kind": "cluster", "scope": "x", "uuid": "y", "version": 1}', "not a UUID"),
    ('{"kind": "cluster", "scope": "%s", "uuid": "%s", "version": "1"}' % (
        "0" * 8 + "-0000-0000-0000-" + "0" * 12, "0" * 8 + "-0000-0000-0000-" + "0" * 12),
     "positive integer"),
])
def test_queue_message_validation_names_the_problem(body, error):
    with pytest.raises(queue.BadMessage, match=error):
        queue.parse(body)
