"""The unsubscribe flow on the in-process platform, driven the way AWS does it: the local
marketplace sends the demo customer's EventBridge events to the platform's handler. Once the
subscription ended, new clusters, notebooks and job runs are refused (409, the SDK's
ConflictException, naming the subscription), and every running cluster and notebook is
removed (a removal task each, the reason recorded), once, even when the sweep is cut short,
delivered twice, or raced by a creation; unsubscribe-pending allows everything."""
from __future__ import annotations

import pytest

from chalicelib.clusters import commands as clusters
from chalicelib.kernel import admission
from chalicelib.store import aggregates
from chalicelib.subscriptions import commands as subscriptions
from chalicelib.subscriptions import steps
from chalicelib.subscriptions.machine import SETTLE_SECONDS, Step
from handlers import marketplace as handler
from handlers.tick import tick
from local import marketplace
from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID

from tests.clusters.orphans import assert_no_orphans
from tests.notebooks.helpers import create as create_notebook
from tests.notebooks.helpers import running_cluster, until

ENDED = "Removal because the AWS Marketplace subscription ended"
NEVER_IDLE = {"autoStop": 0, "autoPause": 0}


def refused(reply, what: str) -> None:
    assert reply.status_code == 409, reply.body
    body = reply.json_body
    assert body["error"] == "SubscriptionInactive", body
    assert body["message"].startswith(f"New {what} are refused: the AWS Marketplace "
                                      f"subscription of this organization ended"), body


def job(cluster_uuid: str | None = None, cluster_config: dict | None = None) -> dict:
    body = {"type": "BATCH", "name": "job", "jobConfig": {
        "type": "PYTHON", "sourceLocation": "run.py",
        "source": {"type": "WORKSPACE", "sourceDef": {"path": "/shared/code"}}}}
    if cluster_uuid:
        body["clusterUUID"] = cluster_uuid
    if cluster_config:
        body["clusterConfig"] = cluster_config
    return body


def removal_requests(cluster_uuid: str) -> int:
    return sum(e["type"] == "RemovalRequested"
               for e in aggregates.events("cluster", cluster_uuid))


def status(platform) -> str:
    return subscriptions.get(platform.demo.organization.uuid).status.value


def test_the_end_removes_clusters_and_notebooks_and_refuses_new_ones(platform):
    cluster = running_cluster(platform, name="analytics", **NEVER_IDLE)
    notebook = create_notebook(platform, cluster["uuid"])
    until(platform, notebook["uuid"], "READY")

    outcomes = marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    assert [o["subscription"] for o in outcomes] == ["UNSUBSCRIBE_PENDING", "UNSUBSCRIBED"]
    refused(platform.request("POST", "/v1/clusters", {
        "name": "c2", "instanceType": "c5.2xlarge", "workersQuantity": 1}), "clusters")
    refused(platform.request("POST", "/v1/notebooks", {
        "name": "nb2", "instanceType": "t3.large", "clusterUUID": cluster["uuid"]}), "notebooks")
    refused(platform.request("POST", "/v1/jobs", job(cluster["uuid"])), "job runs")
    refused(platform.request("POST", "/v1/jobs", job(cluster_config={
        "instanceType": "c5.2xlarge", "workersQuantity": 1})), "job runs")

    until(platform, notebook["uuid"], "TERMINATED")
    platform.settle()
    assert platform.cluster(cluster["uuid"])["status"] == "TERMINATED"
    for uuid in (cluster["uuid"], notebook["uuid"]):
        tasks = platform.request("GET", f"/v1/tasks?resourceUUID={uuid}").json_body["data"]
        removal = [t for t in tasks if t["operation"].startswith("REMOVE")][-1]
        assert removal["status"] == "FINISHED" and ENDED in removal["details"], removal
    assert removal_requests(cluster["uuid"]) == 1
    assert all(i["State"]["Name"] == "terminated"
               for i in platform.customer_instances(cluster["uuid"]))
    assert_no_orphans(platform)
    ended = subscriptions.get(platform.demo.organization.uuid)
    assert ended.task.status.value == "FINISHED"
    assert any("cluster analytics" in line for line in ended.task.details)
    assert any("notebook nb1" in line for line in ended.task.details)
    # The organization's people see it.
    org = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    seen = platform.request("GET", "/v1/subscription", headers=org).json_body
    assert seen["status"] == "UNSUBSCRIBED" and "refused" in seen["message"]
    assert [h["action"] for h in seen["history"]] == ["unsubscribe-success",
                                                      "unsubscribe-pending"]


def test_unsubscribe_pending_allows_everything(platform):
    marketplace.send(DEMO_CUSTOMER_ACCOUNT_ID, "end-agreement")
    assert status(platform) == "UNSUBSCRIBE_PENDING"
    created = platform.create_cluster(name="last-hour")
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"


def test_a_duplicate_or_second_way_end_removes_nothing_twice(platform):
    cluster = running_cluster(platform, **NEVER_IDLE)
    sub = marketplace.subscription_of(DEMO_CUSTOMER_ACCOUNT_ID)
    end = marketplace.agreement_event(sub, "License Deprovisioned - Manufacturer")
    assert handler.on_marketplace_event(end, None)["status"] == "applied"
    platform.pump.drain()
    assert handler.on_marketplace_event(end, None)["status"] == "duplicate"
    # The same end told again, another way (another message): ignored, no sweep of its own.
    other = marketplace.agreement_event(sub, "License Deprovisioned - Manufacturer")
    assert handler.on_marketplace_event(other, None)["status"] == "ignored"
    platform.settle()
    assert platform.cluster(cluster["uuid"])["status"] == "TERMINATED"
    assert removal_requests(cluster["uuid"]) == 1
    sweeps = [e for e in aggregates.events("subscription", platform.demo.organization.uuid)
              if e["type"] == "ResourcesSwept"]
    assert len(sweeps) == 2 and sum(len(e["data"]["removed"]) for e in sweeps) == 1


def test_a_sweep_cut_short_converges_and_removes_each_once(platform, monkeypatch):
    first = running_cluster(platform, name="first", **NEVER_IDLE)
    second = running_cluster(platform, name="second", **NEVER_IDLE)
    calls = []
    remove = clusters.remove

    def crash_on_the_second(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise RuntimeError("the worker died half way")
        return remove(*args, **kwargs)

    monkeypatch.setattr(clusters, "remove", crash_on_the_second)
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    platform.pump.drain()
    states = {c["uuid"]: platform.cluster(c["uuid"])["status"] for c in (first, second)}
    assert sorted(states.values()) == ["RUNNING", "TERMINATED"]    # one asked, one not
    platform.settle()        # the tick re-drives the sweep once its retry is due
    for c in (first, second):
        assert platform.cluster(c["uuid"])["status"] == "TERMINATED"
        assert removal_requests(c["uuid"]) == 1
    assert len(calls) >= 3
    sweeps = [e["data"] for e in aggregates.events("subscription", platform.demo.organization.uuid)
              if e["type"] == "ResourcesSwept"]
    # The sweep cut short asked for one removal and recorded nothing (its result was lost
    # with it); the one after asked for the other only: each removal was asked for once, and
    # each cluster's own removal task says why.
    assert sum(len(s["removed"]) for s in sweeps) == 1
    assert all(not s["waiting"] for s in sweeps)            # one being removed is no wait
    for c in (first, second):
        tasks = platform.request("GET", f"/v1/tasks?resourceUUID={c['uuid']}").json_body["data"]
        assert any(ENDED in t["details"] for t in tasks)


def test_a_cluster_pausing_is_removed_once_it_can_be(platform):
    cluster = running_cluster(platform, name="pausing", **NEVER_IDLE)
    assert platform.request("PUT", f"/v1/clusters/{cluster['uuid']}/pause"
                            ).json_body["status"] == "PAUSING"
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    # The sweep as the worker runs it, while the pause is still under way.
    (swept,) = steps.run(Step.SWEEP, subscriptions.get(platform.demo.organization.uuid))
    assert swept.removed == () and len(swept.waiting) == 1
    assert "cluster pausing" in swept.waiting[0] and "PAUSING" in swept.waiting[0]
    platform.settle()
    assert platform.cluster(cluster["uuid"])["status"] == "TERMINATED"
    assert removal_requests(cluster["uuid"]) == 1
    ended = subscriptions.get(platform.demo.organization.uuid)
    assert ended.waiting == () and ended.task.status.value == "FINISHED"


def test_a_creation_that_passed_the_check_before_the_end_is_swept_once_settled(platform):
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    platform.pump.drain()      # the first sweep: nothing to remove yet
    checks, admission._checks = admission._checks, {}   # the check ran before the notice
    try:
        late = platform.create_cluster(name="raced")
    finally:
        admission._checks = checks
    platform.pump.drain()
    assert platform.cluster(late["uuid"])["status"] not in ("TERMINATING", "TERMINATED")
    platform.clock.advance(SETTLE_SECONDS)
    tick()
    platform.settle()
    assert platform.cluster(late["uuid"])["status"] == "TERMINATED"
    tasks = platform.request("GET", f"/v1/tasks?resourceUUID={late['uuid']}").json_body["data"]
    assert any(ENDED in t["details"] for t in tasks)


def test_subscribing_again_lets_work_start_and_stops_the_sweeps(platform):
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    refused(platform.request("POST", "/v1/clusters", {
        "name": "c2", "instanceType": "c5.2xlarge", "workersQuantity": 1}), "clusters")
    platform.clock.advance(1)
    outcomes = marketplace.resubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    assert outcomes[0]["message"] == "subscribe-success: UNSUBSCRIBED -> SUBSCRIBED"
    created = platform.create_cluster(name="back")
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "RUNNING"


@pytest.mark.parametrize("what", ["end-agreement", "update-license"])
def test_other_events_leave_work_allowed(platform, what):
    marketplace.send(DEMO_CUSTOMER_ACCOUNT_ID, what)
    assert subscriptions.refusal(platform.demo.organization.uuid) is None


def test_cron_runs_are_refused_and_scheduled_ones_skipped_with_the_reason(platform):
    from tests.cron_jobs.test_cron_jobs import _cron, _template
    cluster = running_cluster(platform, **NEVER_IDLE)
    cron = _cron(platform, _template(platform), cluster["uuid"], "* * * * *")
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    reply = platform.request("POST", f"/v1/cron-jobs/{cron['uuid']}/run")
    assert reply.status_code == 409
    assert "New job runs are refused: the AWS Marketplace subscription" in reply.json_body[
        "message"]
    platform.clock.advance(60 - platform.clock() % 60 + 1)    # the next scheduled minute
    tick()
    platform.pump.drain()
    history = platform.request("GET", f"/v1/cron-jobs/{cron['uuid']}").json_body["history"]
    assert any("New job runs are refused" in str(entry) for entry in history), history
    assert platform.request("GET", "/v1/jobs").json_body["metadata"]["total_items"] == 0
