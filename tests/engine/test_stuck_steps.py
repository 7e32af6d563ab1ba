"""Steps that keep failing end with a reason, crashes never launch twice, and DynamoDB's
TransactionConflict is a lost race like any other (issue 8: races and lost safety)."""
from __future__ import annotations

from botocore.awsrequest import AWSResponse

from chalicelib.cloud import sessions
from chalicelib.clusters import steps as cluster_steps
from chalicelib.clusters.machine import Step
from chalicelib.engine import driver as engine
from chalicelib.store import models
from handlers.tick import tick
from tests import faults
from tests.engine.test_delivery import drive_until

SPLIT = "UnicodeEncodeError"


def _raising(exc):
    def fn(*args, **kwargs):
        raise exc
    return fn


def test_an_unexpected_error_in_a_launch_ends_it_failed_with_the_reason(platform, monkeypatch):
    c = platform.create_cluster()
    monkeypatch.setattr(cluster_steps.fleet, "ensure_placement_group", _raising(
        UnicodeEncodeError("latin-1", "\ud800", 0, 1, "surrogates not allowed")))
    platform.settle(step_seconds=31)
    got = platform.cluster(c["uuid"])
    assert got["status"] == "FAILED"
    assert "ENSURE_PLACEMENT_GROUP kept failing" in got["failureReason"]
    assert SPLIT in got["failureReason"]
    task = platform.request("GET", f"/v1/tasks/{got['taskUUID']}").json_body
    assert task["status"] == "FAILED"
    assert any(SPLIT in d for d in task["details"])   # it said so while it was retrying too


def test_a_teardown_that_keeps_failing_says_why_in_its_task(platform, monkeypatch):
    c = platform.create_cluster()
    platform.settle()
    monkeypatch.setattr(cluster_steps.fleet, "terminate", _raising(ValueError("boom")))
    removal = platform.request("DELETE", f"/v1/clusters/{c['uuid']}").json_body
    for _ in range(engine.MAX_UNEXPECTED_ATTEMPTS + 3):
        platform.pump.drain()
        platform.clock.advance(31)
        tick()
    got = platform.cluster(c["uuid"])
    assert got["status"] == "TERMINATING"       # never given up: it holds instances
    task = platform.request("GET", f"/v1/tasks/{removal['taskUUID']}").json_body
    assert task["status"] == "INPROGRESS"
    assert any("ValueError: boom" in d for d in task["details"])


def test_a_crash_after_create_fleet_with_lagging_describe_launches_no_second_fleet(platform):
    c = platform.create_cluster(workersQuantity=2)
    work = drive_until(platform, c["uuid"], Step.LAUNCH_FLEET)
    faults.after("ec2", "CreateFleet", _raising(faults.Crash("worker died")))
    try:
        engine.drive(work)
    except faults.Crash:
        pass
    sessions.forget()   # a new worker: its clients carry no crash hook
    # EC2 does not show the new instances to a tag search yet: the retry looks and sees none.
    lagging = faults.empty_reply("ec2", "DescribeInstances", {"Reservations": []}, times=1)
    platform.clock.advance(121)
    platform.settle()
    assert lagging["calls"] >= 1
    assert platform.cluster(c["uuid"])["status"] == "RUNNING"
    live = [i for i in platform.customer_instances(c["uuid"])
            if i["State"]["Name"] != "terminated"]
    assert len(live) == 2, "the retry launched a second fleet"


def test_transaction_conflict_is_retried_like_a_version_conflict(platform):
    c = platform.create_cluster()
    platform.settle()
    state = {"left": 1}

    def conflict(**kwargs):
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        http = AWSResponse("https://injected", 400, {}, None)
        return http, {"Error": {"Code": "TransactionCanceledException",
                                "Message": "Transaction cancelled, please refer cancellation "
                                           "reasons for specific reasons [None, "
                                           "TransactionConflict]"},
                      "CancellationReasons": [{"Code": "None"},
                                              {"Code": "TransactionConflict",
                                               "Message": "Transaction is ongoing for the item"}],
                      "ResponseMetadata": {"HTTPStatusCode": 400}}

    client = models.transaction_connection().client
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", conflict)
    try:
        reply = platform.request("DELETE", f"/v1/clusters/{c['uuid']}")
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", conflict)
    assert state["left"] == 0
    assert reply.status_code == 200, reply.body
    assert reply.json_body["status"] == "TERMINATING"
