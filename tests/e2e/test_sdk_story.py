"""End to end through the official SDK: the story in tests/e2e/sdk_story.py, run by the SDK's
own virtualenv against a `make run` platform (conftest.local_run), then the customer's AWS
account checked with boto3 on the emulator."""
from __future__ import annotations

from pathlib import Path

import boto3

STORY = Path(__file__).resolve().parent / "sdk_story.py"
STORY_TIMEOUT = 240      # the story bounds each of its waits at 120 s


def _customer_instances(info: dict, region: str, cluster_uuid: str) -> list[dict]:
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=info["aws_endpoint_url"],
                       aws_access_key_id=info["customer_aws_access_key_id"],
                       aws_secret_access_key=info["customer_aws_secret_access_key"])
    found = []
    for page in ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag:corral:cluster", "Values": [cluster_uuid]}]):
        found.extend(i for r in page["Reservations"] for i in r["Instances"])
    return found


def test_sdk_story(local_run):
    info = local_run.info
    seen = local_run.story(STORY, STORY_TIMEOUT)
    assert seen["versions"], seen
    assert seen["instance_type_count"] >= 1, seen
    statuses = seen["statuses"]
    assert "RUNNING" in statuses and "TERMINATED" in statuses, statuses
    assert statuses.index("RUNNING") < statuses.index("TERMINATED"), statuses
    assert statuses[-1] == "TERMINATED", statuses
    assert seen["tasks"]["CREATE_CLUSTER"]["status"] == "FINISHED", seen["tasks"]
    assert seen["tasks"]["REMOVE_CLUSTER"]["status"] == "FINISHED", seen["tasks"]

    # The customer's own account: every instance of that cluster is gone.
    instances = _customer_instances(info, seen.get("region") or "us-east-1",
                                    seen["cluster_uuid"])
    assert instances, f"no instance tagged corral:cluster={seen['cluster_uuid']}"
    states = {i["InstanceId"]: i["State"]["Name"] for i in instances}
    assert set(seen["instance_ids"]) <= set(states), (seen["instance_ids"], states)
    assert set(states.values()) == {"terminated"}, states


def test_an_efa_cluster_from_creation_to_the_regions_cleanup(local_run):
    """The issue's story (tests/e2e/cluster_story.py): EFA, an SSH key and one allowed
    address; RUNNING; the manual's mpiexec check through SSM; pause, resume, scale to 3;
    removal; the region's cleanup leaves nothing of the organization."""
    seen = local_run.story(STORY.with_name("cluster_story.py"), STORY_TIMEOUT)
    assert seen["nodes"] == 2 and seen["cores"] == 36, seen
    assert seen["hostfile"] == f"/shared/.hostfile-{seen['uuid']}"
    assert seen["ssh_from"] == ["203.0.113.7/32"]
    assert seen["mpi"]["lines"] == 36 and seen["scaled"]["lines"] == 54, seen
    assert seen["left"] == {"vpcs": 0, "nat_gateways": 0, "addresses": 0, "file_systems": 0,
                            "instances": 0}, seen


def test_a_job_run_with_the_sdk_prints_every_rank(local_run):
    """cluster.run_job, wait_for_status and get_stdout, unmodified (tests/e2e/job_story.py);
    then git at a branch with env, S3 and another region's refusal, a failure with its
    stderr, a cancel, a timeout, a retry and a cluster made for a job."""
    seen = local_run.story(STORY.with_name("job_story.py"), STORY_TIMEOUT)
    assert seen["status"] == "SUCCEEDED"
    assert sorted(seen["stdout"]) == sorted(
        f"rank {i} of 8: ['--greeting', 'hello world']" for i in range(8))
    assert seen["git"] == ["SUCCEEDED", [f"rank {i} from git" for i in range(8)]]
    assert seen["s3"] == ["SUCCEEDED", [f"rank {i} from s3" for i in range(8)]]
    assert "bucket far-code is in eu-west-1" in seen["s3_other_region"]
    assert seen["fail"] == ["FAILED", "non-zero exit code 3", True]
    assert seen["cancel"] == "CANCELLED"
    assert seen["timeout"] == ["TIMEOUT", "timeout after 3 s"]
    assert seen["retry"] == ["SUCCEEDED", 1]
    assert seen["dedicated"] == ["SUCCEEDED", "TERMINATED"]


def test_a_job_template_and_a_cron_job_with_the_sdk(local_run):
    """JobTemplateClient.create, JobTemplate.run, CronJobClient.create, CronJob.run,
    deactivate, reactivate, list, get and the deletes, unmodified (tests/e2e/cron_story.py)."""
    seen = local_run.story(STORY.with_name("cron_story.py"), STORY_TIMEOUT)
    template = seen["template"]
    assert template["exec_file"] == "hello.py" and template["source_path"] == "/shared/story"
    assert seen["template_run"] == {"status": "SUCCEEDED", "job_template_id": template["id"],
                                    "exec_file": "hello.py",
                                    "stdout": "hello from the template"}
    assert seen["template_get"] == {"name": "hello-template", "description": "says hello",
                                    "env_vars": {"GREETING": "hello"}}
    assert seen["templates_listed"] == ["hello-template"]
    cron = seen["cron"]
    assert cron["schedule"] == "0 6 1 1 *" and cron["timezone"] == "Europe/Paris"
    assert cron["max_concurrent_runs"] == 2 and cron["job_template_id"] == template["id"]
    assert cron["next_run_date"].endswith("-01-01") and cron["last_run_date"] is None
    assert seen["run_now"] == {"status": "SUCCEEDED", "cron_job": cron["id"],
                               "stdout": "hello from the template"}
    [listed] = seen["crons_listed"]
    assert listed["max_concurrent_runs"] == 2 and listed["job_template_id"] == template["id"]
    assert listed["cluster_id"] == cron["cluster_id"] and len(listed["job_runs"]) == 1
    assert seen["deactivate"] == 200 and seen["inactive_next_run_date"] is None
    assert seen["reactivate"] == 200 and seen["active_next_run_date"].endswith("-01-01")
    assert seen["cron_delete"] == 200 and seen["gone"] == [cron["id"], template["id"]]
    assert seen["after"] == {"crons": 0, "templates": 0}


def test_a_notebook_opened_through_its_entry_point(local_run):
    """tests/e2e/notebook_story.py: a notebook attached to a cluster (auto pause one minute),
    READY with every probe, opened through its CloudFront entry point by a signed-in person
    of the organization (Jupyter answers, /shared shows the hostfile), refused without the
    token and to another organization, keeping its cluster from pausing, removed with its
    entry point."""
    seen = local_run.story(STORY.with_name("notebook_story.py"), 150)
    said = "\n".join(seen["details"])
    for line in ("Probe passed: instance", "Probe passed: the node's SSM agent is online",
                 "Jupyter started on port", "Probe passed: jupyter answering at",
                 f"CloudFront VPC origin {seen['vpc_origin']} created",
                 f"VPC origin {seen['vpc_origin']} deployed",
                 "open to CloudFront's VPC origins group",
                 f"CloudFront distribution {seen['distribution']} created",
                 f"Distribution {seen['distribution']} deployed",
                 f"Probe passed: Jupyter answers through the entry point {seen['url']}"):
        assert line in said, said
    assert seen["task_status"] == "FINISHED"
    assert seen["open"] == [303, 200, 200] and seen["hostfile"], seen
    assert seen["no_token"] == 403 and seen["other_org"] == 404, seen
    assert seen["signed_out"] == [401, True], seen          # the sign-in page
    assert seen["cluster_after"] == "RUNNING" and seen["activity_moved"], seen
    assert seen["removed"] == ["TERMINATING", "TERMINATED"] and seen["entry_closed"], seen
    assert seen["left"] == {"distributions": [], "vpc_origins": []}, seen
    removal = "\n".join(seen["removal"])
    assert f"Distribution {seen['distribution']} deleted" in removal, removal
    assert f"VPC origin {seen['vpc_origin']} deleted" in removal, removal


def test_a_cron_jobs_runs_start_once_each_at_the_due_minutes_under_a_moved_clock(local_run):
    """tests/e2e/cron_clock_story.py: the platform's clock moved by `python -m local.clock`
    while `make run` runs; every 5 minutes, one run per scheduled time named by it, two times
    in one late firing, half an hour "down": the recent times started, the older ones MISSED
    once (cron_jobs/machine.py, catch_up)."""
    seen = local_run.story(STORY.with_name("cron_clock_story.py"), STORY_TIMEOUT)
    hour = _epoch(seen["hour"])
    at = lambda minutes: _iso(hour + 60 * minutes)  # noqa: E731
    assert seen["next_before"] == at(5)
    assert [s["started"] for s in seen["steps"]] == [
        [at(5)], [at(5), at(10), at(15)],
        [at(5), at(10), at(15), at(35), at(40), at(45)]]
    assert seen["history"] == [
        {"outcome": "STARTED", "scheduledFor": at(m), "until": None, "count": None}
        for m in (5, 10, 15)] + [
        {"outcome": "MISSED", "scheduledFor": at(20), "until": at(30), "count": 3}] + [
        {"outcome": "STARTED", "scheduledFor": at(m), "until": None, "count": None}
        for m in (35, 40, 45)]
    assert seen["counts"] == {"started": 6, "skipped": 0, "missed": 3}
    assert seen["next_after"] == at(50)
    names = [f"every-5 {at(m).replace('Z', '+00:00')}" for m in (5, 10, 15, 35, 40, 45)]
    assert seen["expected_names"] == sorted(names)
    assert seen["runs"] == sorted([n, "SUCCEEDED"] for n in names)
    assert seen["sdk_job_runs"] == seen["sdk_listed_job_runs"] == sorted(names)
    assert seen["template_job_runs"] == 6
    assert seen["sdk_last_run_date"] == seen["hour"][:10]


def _epoch(text: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _iso(t: float) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def test_usage_of_a_three_minute_cluster_reported_once_the_hour_closes(local_run):
    """tests/e2e/usage_story.py: a cluster runs three minutes of platform time; GET /v1/usage
    and the Settings page show its minutes; the hour closed early (the platform's clock moved
    on) is swept and reported, and the local AWS Marketplace shows the hour's record."""
    seen = local_run.story(STORY.with_name("usage_story.py"), STORY_TIMEOUT)
    [running] = seen["running"]["data"]
    assert running["name"] == "three-minutes" and 3 <= running["instanceMinutes"] <= 4, seen
    [by_type] = seen["removed"]["data"]
    minutes = by_type["instanceMinutes"]
    assert by_type["instanceType"] == "c5.2xlarge" and minutes >= running["instanceMinutes"]
    assert seen["page"] == [minutes, f"{by_type['dollars']:.2f}"], seen
    [record] = seen["marketplace"]
    assert record["dimension"] == "c5_2xlarge_minutes" and record["quantity"] == minutes
    assert record["timestamp"] == seen["hour"], seen
