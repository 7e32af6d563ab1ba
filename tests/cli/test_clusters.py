"""`corral clusters ...` against the in-process platform: what a user sees, what a script reads,
and the exit codes of each failure."""
from __future__ import annotations

import json

from tests.cli.conftest import API

NEVER_IDLE = ("--auto-pause", "0", "--auto-stop", "0")


def test_create_wait_shows_the_tasks_details_and_ends_running(corral):
    ran = corral("clusters", "create", "--name", "etl", "--instance-type", "c5.2xlarge",
                 "--workers", "2", *NEVER_IDLE, "--wait")
    assert ran.code == 0, ran.stderr
    assert "Creating cluster etl" in ran.stderr
    assert "cluster etl: RUNNING" in ran.stderr
    assert corral.sleeps >= 1                  # it did wait, polling the task
    uuid = corral.platform.request("GET", "/v2/clusters").json_body["data"][0]["uuid"]
    task = corral.platform.request("GET", f"/v1/tasks?resourceUUID={uuid}").json_body["data"][0]
    assert task["details"] and all(f"  {line}" in ran.stderr for line in task["details"])
    assert "status" in ran.stdout and "RUNNING" in ran.stdout and uuid in ran.stdout
    assert len(corral.platform.customer_instances(uuid)) == 2

    listed = corral("-o", "json", "clusters", "list")
    assert listed.code == 0 and [c["uuid"] for c in listed.json()] == [uuid]
    table = corral("clusters", "list")
    assert "etl" in table.stdout and "RUNNING" in table.stdout
    got = corral("clusters", "get", uuid, "--output", "json")
    assert got.json()["status"] == "RUNNING" and got.json()["workersQuantity"] == 2

    paused = corral("clusters", "pause", uuid, "-o", "json")
    assert paused.code == 0 and paused.json()["status"] == "PAUSING"
    corral.platform.settle()
    again = corral("clusters", "pause", uuid)
    assert again.code == 1 and "(HTTP 409)" in again.stderr
    resumed = corral("-o", "json", "clusters", "resume", uuid)
    assert resumed.code == 0 and resumed.json()["uuid"] == uuid
    corral.platform.settle()

    removed = corral("-o", "json", "clusters", "remove", uuid, "--wait")
    assert removed.code == 0, removed.stdout
    assert removed.json()["status"] == "TERMINATED"
    assert not [i for i in corral.platform.customer_instances(uuid)
                if i["State"]["Name"] != "terminated"]


def test_a_failed_creation_exits_4_with_the_tasks_reason(corral):
    from local.moto_ext import capacity
    capacity.set_vcpu_limit(corral.platform.demo.customer_account_id, "us-east-1", 8)
    try:
        ran = corral("clusters", "create", "--name", "big", "--instance-type", "c5.2xlarge",
                     "--workers", "2", "--wait")
    finally:
        capacity.reset()
    assert ran.code == 4, (ran.stdout, ran.stderr)
    assert "cluster big: FAILED" in ran.stderr and "is FAILED, not RUNNING" in ran.stderr
    assert "VcpuLimitExceeded" in ran.stderr       # the task's details say why


def test_waiting_past_the_timeout_exits_5_and_the_creation_goes_on(corral):
    ticks, polls = iter(range(0, 10_000, 100)), []
    ran = corral("clusters", "create", "--name", "slow", "--instance-type", "c5.2xlarge",
                 "--workers", "1", "--wait", "--timeout", "150", now=lambda: next(ticks),
                 sleep=polls.append)        # the platform does not move meanwhile
    assert ran.code == 5 and "after 150s; it goes on" in ran.stderr, ran.stderr
    assert polls == [2.0]                   # polled at 100 s, gave up at 200 s
    uuid = corral.platform.request("GET", "/v2/clusters").json_body["data"][0]["uuid"]
    corral.platform.settle()
    assert corral.platform.cluster(uuid)["status"] == "RUNNING"


def test_json_output_is_one_document_also_for_an_error(corral):
    ran = corral("-o", "json", "clusters", "get", "00000000-0000-4000-8000-000000000000")
    assert ran.code == 1
    doc = json.loads(ran.stdout)
    assert doc["exitCode"] == 1 and "not found" in doc["error"] and "(HTTP 404)" in doc["error"]


def test_bad_input_is_a_usage_error_or_the_apis_message(corral):
    missing = corral("clusters", "create", "--name", "x", "--instance-type", "c5.2xlarge")
    assert missing.code == 2 and "--workers" in missing.stderr
    zero = corral("clusters", "create", "--name", "x", "--instance-type", "c5.2xlarge",
                  "--workers", "0")
    assert zero.code == 2 and "--workers" in zero.stderr
    refused = corral("clusters", "create", "--name", "x", "--instance-type", "no.such",
                     "--workers", "1")
    assert refused.code == 1 and "instanceType" in refused.stderr and "HTTP 400" in refused.stderr
    assert corral("clusters", "nope").code == 2
    assert corral("-o", "yaml", "clusters", "list").code == 2
    assert corral.platform.request("GET", "/v2/clusters").json_body["data"] == []


def test_sign_in_failures_exit_3_with_a_clear_message(corral, dead_url):
    bad = corral("clusters", "list", env={"CORRAL_SECRET": "wrong"})
    assert bad.code == 3 and "cannot sign in with the key from options" in bad.stderr
    none = corral("clusters", "list", env={"CORRAL_API_URL": "", "CORRAL_CLIENT_ID": "",
                                           "CORRAL_SECRET": ""})
    assert none.code == 3 and "missing --api-url" in none.stderr
    half = corral("clusters", "list", env={"CORRAL_SECRET": ""})
    assert half.code == 3 and "missing --secret (or CORRAL_SECRET)" in half.stderr
    scheme = corral("--api-url", "corral.test", "clusters", "list")
    assert scheme.code == 2 and "must start with http://" in scheme.stderr
    down = corral("--api-url", dead_url, "clusters", "list")
    assert down.code == 3 and f"cannot reach the platform at {dead_url}" in down.stderr


def test_local_json_signs_in_and_its_faults_are_named(corral, tmp_path):
    p = corral.platform
    info = {"api_url": API, "auth_url": API, "client_id": p.demo.ws_client_id,
            "secret_key": p.demo.ws_secret}
    (tmp_path / "mine.json").write_text(json.dumps(info))
    ok = corral("--local", str(tmp_path / "mine.json"), "-o", "json", "clusters", "list",
                env={"CORRAL_API_URL": "", "CORRAL_CLIENT_ID": "", "CORRAL_SECRET": ""})
    assert ok.code == 0 and ok.json() == []
    # the default: .corral/local.json in the current directory when nothing else is given
    (tmp_path / ".corral").mkdir()
    (tmp_path / ".corral" / "local.json").write_text(json.dumps(info))
    default = corral("-o", "json", "clusters", "list",
                     env={"CORRAL_API_URL": "", "CORRAL_CLIENT_ID": "", "CORRAL_SECRET": ""})
    assert default.code == 0 and default.json() == []
    (tmp_path / "broken.json").write_text("{not json")
    broken = corral("--local", str(tmp_path / "broken.json"), "clusters", "list")
    assert broken.code == 3 and "cannot be read as JSON" in broken.stderr
    (tmp_path / "partial.json").write_text(json.dumps({"api_url": API}))
    partial = corral("--local", str(tmp_path / "partial.json"), "clusters", "list")
    assert partial.code == 3 and "lacks client_id, secret_key" in partial.stderr
    gone = corral("--local", str(tmp_path / "nope.json"), "clusters", "list")
    assert gone.code == 3 and "does not exist" in gone.stderr and "make run" in gone.stderr
    both = corral("--local", str(tmp_path / "mine.json"), "--secret", "x", "clusters", "list")
    assert both.code == 2 and "cannot be combined" in both.stderr
