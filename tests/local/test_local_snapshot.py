"""The seeded platform kept once per process (local/snapshot.py): a later platform starts from
exactly what a fresh seed holds, each test gets its own copy, and the queue's timing is kept
relative to when the snapshot was taken."""
from __future__ import annotations

import boto3
import moto.sqs.models as sqs_models
from moto import mock_aws

from local import snapshot
from local.harness import Platform


def test_a_restored_platform_holds_what_a_fresh_seed_holds_and_changes_stay_in_their_copy():
    with Platform() as first:
        seeded = snapshot.reusable(first.boot_seconds)
        assert seeded is not None
        made = first.create_cluster()
        first.settle()
        assert first.customer("ec2").describe_instances()["Reservations"]
    with Platform() as second:
        assert second.demo.organization.uuid == seeded.demo.organization.uuid
        # The first platform's cluster and instances are not in the second one's account.
        reply = second.request("GET", f"/v1/clusters/{made['uuid']}")
        assert reply.status_code == 404
        assert not second.customer("ec2").describe_instances()["Reservations"]
        assert second.request("GET", "/v2/clusters").json_body["metadata"]["total_items"] == 0
        assert second.pump.drain() == 0
        # Its catalog works through the restored link and shared images.
        assert second.create_cluster()["status"] == "NEW"


def test_a_delayed_message_still_waits_its_delay_after_a_restore(monkeypatch):
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        snapshot.keep(-1.0, 0.0, {}, {}, {}, None)
        try:
            kept = snapshot._kept[-1.0]
            # Ten minutes of wall clock pass before the next platform restores it.
            real = sqs_models.unix_time_millis
            monkeypatch.setattr(sqs_models, "unix_time_millis", lambda: real() + 600_000)
            monkeypatch.setattr(snapshot, "unix_time_millis", lambda: real() + 600_000)
            snapshot.restore(kept)
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
            assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
        finally:
            snapshot._kept.pop(-1.0)
