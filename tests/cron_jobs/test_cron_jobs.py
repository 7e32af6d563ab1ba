"""Cron jobs on the platform under its fake clock: each scheduled time's run starts once, at
the first tick at or after it, whether ticks come on time, twice, late, at once or not at all
for hours (the platform down: the rule in cron_jobs/machine.py); time zones and a clock
change; maxConcurrentRuns; deactivate, reactivate, run now, delete; bad input; tenants."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.clusters import commands as clusters
from chalicelib.cron_jobs import machine as m
from chalicelib.cron_jobs import steps
from chalicelib.engine import driver
from chalicelib.identity import clients, organizations
from chalicelib.kernel.state import load
from chalicelib.kernel.times import iso
from chalicelib.store import aggregates, queue
from handlers.tick import tick
from local import seed
from local.moto_ext import ssm_commands

NEVER_IDLE = {"autoStop": 0, "autoPause": 0}
JUNK = {"_deprecated_fields": {}, "_deprecated_methods": {}}
HOUR = 3600


@pytest.fixture
def cluster(platform):
    """A RUNNING cluster whose /shared has app/main.py (quick) and app/sleep.py (two minutes)."""
    created = platform.create_cluster(name="cron", workersQuantity=1, **NEVER_IDLE)
    platform.settle()
    state = clusters.get(platform.demo.workspace.uuid, created["uuid"])
    assert state.status.value == "RUNNING", state.failure
    app = platform.shared_folder(state.network["file_system_id"]) / "app"
    app.mkdir()
    (app / "main.py").write_text("print('tick')\n")
    (app / "sleep.py").write_text("import time\ntime.sleep(120)\n")
    return created["uuid"]


def _template(platform, file: str = "main.py") -> str:
    reply = platform.request("POST", "/v1/job-templates", {
        "name": f"tpl-{file.split('.')[0]}", **JUNK,
        "config": {"type": "PYTHON", "sourceLocation": file, **JUNK,
                   "source": {"type": "WORKSPACE", "sourceDef": {"path": "/shared/app"}}}})
    assert reply.status_code == 200, reply.body
    return reply.json_body["uuid"]


def _cron(platform, template: str, cluster: str | None, schedule: str, **changes) -> dict:
    """A body as CronJobClient.create sends it."""
    body = {"name": "every", "schedule": schedule, "timezone": "Etc/GMT",
            "jobTemplateUUID": template, "maxConcurrentRuns": 1, **JUNK, **changes}
    if cluster:
        body["clusterUUID"] = cluster
    reply = platform.request("POST", "/v1/cron-jobs", body)
    assert reply.status_code == 200, reply.body
    return reply.json_body


def _to_second(platform, second: int, period: int = 60) -> None:
    """Move the clock on to `second` past the next minute (ticks come at that second), or
    past the next multiple of `period` seconds (the test then knows how many times fall)."""
    platform.clock.advance((period - platform.clock() % period) % period + second)


def _minutes(platform, n: int, every: int = 1, ticks: int = 1, duplicate: str | None = None):
    """`n` minutes pass; every `every` minutes the tick comes (`ticks` times), and with
    `duplicate` (a cron job uuid) its pending step's message is also delivered twice."""
    for i in range(1, n + 1):
        platform.clock.advance(60)
        if i % every:
            continue
        for _ in range(ticks):
            tick()
        if duplicate:
            row = aggregates.get(m.KIND, platform.demo.workspace.uuid, duplicate)
            work = queue.Work(m.KIND, platform.demo.workspace.uuid, duplicate, row.version)
            queue.send([work, work])
        platform.pump.drain()


def _runs(platform, cron: str) -> list[dict]:
    reply = platform.request("GET", f"/v1/jobs?cronJobUUID={cron}&size=1000")
    return sorted(reply.json_body["data"], key=lambda r: r["submittedAt"])


def _get(platform, cron: str) -> dict:
    reply = platform.request("GET", f"/v1/cron-jobs/{cron}")
    assert reply.status_code == 200, reply.body
    return reply.json_body


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_runs_start_once_each_at_the_due_minutes_with_ticks_twice_and_messages_repeated(
        platform, cluster):
    template = _template(platform)
    _to_second(platform, 10, period=300)   # just past a 5-minute mark: 6 marks in 31 minutes
    start = platform.clock()
    cron = _cron(platform, template, cluster, "*/5 * * * *")
    assert cron["nextRunAt"] == iso(start - 10 + (300 - (start - 10) % 300))
    assert cron["lastRunDate"] is None and cron["active"] is True
    _minutes(platform, 31, ticks=2, duplicate=cron["uuid"])
    # Deactivated (nothing more comes), the last runs end as the ticks look at them.
    platform.request("PUT", f"/v1/cron-jobs/{cron['uuid']}", {"deactivate": True})
    _minutes(platform, 2)
    runs = _runs(platform, cron["uuid"])
    got = _get(platform, cron["uuid"])
    started = [e for e in reversed(got["history"]) if e["outcome"] == "STARTED"]
    assert len(runs) == len(started) == 6 == got["counts"]["started"]
    due = [_epoch(e["scheduledFor"]) for e in started]
    assert due == [due[0] + 300 * i for i in range(6)] and due[0] % 300 == 0
    for run, entry in zip(runs, started):
        assert run["uuid"] == entry["runUUID"] == m.run_uuid(cron["uuid"], _epoch(
            entry["scheduledFor"]))
        assert _epoch(run["submittedAt"]) - _epoch(entry["scheduledFor"]) == 10   # that tick
        assert run["cronJobUUID"] == cron["uuid"] and run["jobTemplateUUID"] == template
        assert run["status"] == "SUCCEEDED", run
    assert got["counts"] == {"started": 6, "skipped": 0, "missed": 0}
    assert [r["uuid"] for r in got["jobRuns"]] == [r["uuid"] for r in runs]
    assert got["lastRunDate"] == datetime.fromtimestamp(due[-1], ZoneInfo("UTC")).date() \
        .isoformat()


def test_late_ticks_start_every_time_they_find_and_ticks_at_once_start_nothing_twice(
        platform, cluster):
    template = _template(platform)
    _to_second(platform, 5)
    cron = _cron(platform, template, cluster, "* * * * *", maxConcurrentRuns=10)
    _minutes(platform, 12, every=4)       # the tick comes every fourth minute only
    for _ in range(3):                    # and three ticks at once, then their messages
        tick()
    queue.send([queue.Work(m.KIND, platform.demo.workspace.uuid, cron["uuid"], 1)] * 3)
    platform.pump.drain()
    got = _get(platform, cron["uuid"])
    due = sorted(_epoch(e["scheduledFor"]) for e in got["history"])
    assert [e["outcome"] for e in got["history"]] == ["STARTED"] * 12
    assert due == [due[0] + 60 * i for i in range(12)]
    assert len({r["uuid"] for r in _runs(platform, cron["uuid"])}) == 12


def test_times_missed_while_the_platform_was_down(platform, cluster):
    """The documented rule: a time at most 15 minutes late is started; of older ones only the
    latest is started (late), and only when none within 15 minutes is; the rest are
    recorded as missed and never run."""
    template = _template(platform)
    _to_second(platform, 30)
    cron = _cron(platform, template, cluster, "0 * * * *", maxConcurrentRuns=5)
    first = _epoch(cron["nextRunAt"])
    # Down from now until 20 minutes past the fifth hour: no tick at all.
    platform.clock.t = first + 4 * HOUR + 20 * 60
    tick()
    platform.pump.drain()
    got = _get(platform, cron["uuid"])
    missed, started = got["history"][1], got["history"][0]
    assert missed["outcome"] == "MISSED" and missed["count"] == 4
    assert (missed["scheduledFor"], missed["until"]) == (iso(first), iso(first + 3 * HOUR))
    assert missed["reason"] == "the platform was down at these times"
    assert started["outcome"] == "STARTED" and started["scheduledFor"] == iso(first + 4 * HOUR)
    assert got["nextRunAt"] == iso(first + 5 * HOUR)
    # Down again, back 5 minutes after a time: that one is on time, the one before missed.
    platform.clock.t = first + 6 * HOUR + 5 * 60
    tick()
    platform.pump.drain()
    got = _get(platform, cron["uuid"])
    assert [(e["outcome"], e["scheduledFor"]) for e in got["history"][:2]] == [
        ("STARTED", iso(first + 6 * HOUR)), ("MISSED", iso(first + 5 * HOUR))]
    assert got["counts"] == {"started": 2, "skipped": 0, "missed": 5}
    assert [_epoch(r["name"].split(" ", 1)[1]) for r in _runs(platform, cron["uuid"])] == [
        first + 4 * HOUR, first + 6 * HOUR]


def test_a_schedule_in_a_time_zone(platform, cluster):
    template = _template(platform)
    tokyo = ZoneInfo("Asia/Tokyo")
    when = datetime.fromtimestamp(platform.clock() + 20 * 60, tokyo).replace(second=0,
                                                                              microsecond=0)
    cron = _cron(platform, template, cluster, f"{when.minute} {when.hour} * * *",
                 timezone="Asia/Tokyo")
    assert cron["timezone"] == "Asia/Tokyo" and cron["nextRunAt"] == iso(when.timestamp())
    assert cron["nextRunDate"] == when.date().isoformat()      # Tokyo's date
    _minutes(platform, 25)
    got = _get(platform, cron["uuid"])
    assert [(e["outcome"], e["scheduledForLocal"]) for e in got["history"]] == [
        ("STARTED", when.isoformat())]
    assert got["nextRunAt"] == iso((when + timedelta(days=1)).timestamp())
    default = platform.request("POST", "/v1/cron-jobs", {
        "name": "gmt", "schedule": "0 9 * * *", "jobTemplateUUID": template,
        "clusterUUID": cluster}).json_body
    assert default["timezone"] == "Etc/GMT" and default["nextRunAt"].endswith("T09:00:00Z")


def _next_spring_forward(after: float, zone: ZoneInfo) -> datetime:
    day = datetime.fromtimestamp(after, zone).replace(hour=12, minute=0, second=0,
                                                      microsecond=0)
    while True:
        day += timedelta(days=1)
        if (day + timedelta(days=1)).utcoffset() > day.utcoffset():
            return day + timedelta(days=1)


def test_a_daily_run_in_the_hour_clocks_skip_runs_once_the_next_day_on_time(platform, cluster):
    """Across the next spring-forward in New York: 02:30 does not exist that night; the run
    comes at 03:00, once, and the next day at 02:30 again."""
    template = _template(platform)
    ny = ZoneInfo("America/New_York")
    change = _next_spring_forward(platform.clock(), ny)          # noon of the change's day
    platform.clock.t = (change - timedelta(days=2)).timestamp()
    cron = _cron(platform, template, cluster, "30 2 * * *", timezone="America/New_York")
    seen = []
    for _ in range(3):
        due = _epoch(_get(platform, cron["uuid"])["nextRunAt"])
        seen.append(datetime.fromtimestamp(due, ny))
        platform.clock.t = due + 40
        tick()
        platform.pump.drain()
    assert [(t.day, t.hour, t.minute) for t in seen] == [
        ((change - timedelta(days=1)).day, 2, 30), (change.day, 3, 0),
        ((change + timedelta(days=1)).day, 2, 30)]
    got = _get(platform, cron["uuid"])
    assert [e["outcome"] for e in got["history"]] == ["STARTED"] * 3
    assert len(_runs(platform, cron["uuid"])) == 3


def test_max_concurrent_runs_skips_a_time_and_says_why(platform, cluster):
    ssm_commands.configure(platform.state_dir, read_grace=0.2)   # runs seen RUNNING at once
    template = _template(platform, "sleep.py")
    _to_second(platform, 10)
    cron = _cron(platform, template, cluster, "* * * * *", maxConcurrentRuns=2)
    _minutes(platform, 4)
    got = _get(platform, cron["uuid"])
    assert [e["outcome"] for e in reversed(got["history"])] == ["STARTED", "STARTED",
                                                                "SKIPPED", "SKIPPED"]
    assert got["history"][0]["reason"] == "maxConcurrentRuns is 2 and 2 of its runs are " \
                                          "still live"
    now = platform.request("POST", f"/v1/cron-jobs/{cron['uuid']}/run")   # whatever the limit
    assert now.status_code == 200 and now.json_body["cronJobUUID"] == cron["uuid"]
    assert now.json_body["config"]["sourceLocation"] == "sleep.py"
    live = _runs(platform, cron["uuid"])
    assert len(live) == 3
    for run in live[:2]:        # two end: the next time starts one (the run now still runs)
        assert platform.request("DELETE", f"/v1/jobs/{run['uuid']}").status_code == 200
    platform.pump.drain()
    _minutes(platform, 2)
    got = _get(platform, cron["uuid"])
    assert [e["outcome"] for e in got["history"][:3]] == ["SKIPPED", "STARTED", "RUN_NOW"]
    for run in _runs(platform, cron["uuid"]):
        platform.request("DELETE", f"/v1/jobs/{run['uuid']}")
    platform.pump.drain()
    _minutes(platform, 1)   # let the cancels end the processes


def test_deactivate_reactivate_run_now_list_and_delete(platform, cluster):
    template = _template(platform)
    _to_second(platform, 10)
    cron = _cron(platform, template, cluster, "*/2 * * * *", description="every other",
                 maxConcurrentRuns=2)
    off = platform.request("PUT", f"/v1/cron-jobs/{cron['uuid']}", {"deactivate": True, **JUNK})
    assert off.status_code == 200, off.body
    assert off.json_body["status"] == "INACTIVE" and off.json_body["nextRunDate"] is None
    _minutes(platform, 6)
    assert _runs(platform, cron["uuid"]) == []
    on = platform.request("PUT", f"/v1/cron-jobs/{cron['uuid']}", {"deactivate": False})
    assert on.json_body["status"] == "ACTIVE"
    assert _epoch(on.json_body["nextRunAt"]) > platform.clock()   # the inactive times never run
    assert on.json_body["history"] == []
    now = platform.request("POST", f"/v1/cron-jobs/{cron['uuid']}/run").json_body
    assert now["status"] == "PENDING" and now["name"] == "every (run now)"
    _minutes(platform, 2)
    listed = platform.request("GET", "/v1/cron-jobs").json_body
    assert listed["metadata"]["total_items"] == 1
    item = listed["data"][0]
    assert item["max_concurrent_runs"] == 2 and item["job_template_id"] == template
    assert item["cluster_id"] == cluster and item["description"] == "every other"
    assert [e["outcome"] for e in item["history"]] == ["STARTED", "RUN_NOW"]
    assert len(item["jobRuns"]) == 2 and "config" not in item["jobRuns"][0]
    gone = platform.request("DELETE", f"/v1/cron-jobs/{cron['uuid']}")
    assert gone.status_code == 200 and gone.json_body["status"] == "DELETED"
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/run")):
        reply = platform.request(method, f"/v1/cron-jobs/{cron['uuid']}{path}",
                                 {"deactivate": True})
        assert reply.status_code == 404, (method, path, reply.body)
    assert platform.request("GET", "/v1/cron-jobs").json_body["metadata"]["total_items"] == 0
    _minutes(platform, 6)
    assert len(_runs(platform, cron["uuid"])) == 2
    row = aggregates.get(m.KIND, platform.demo.workspace.uuid, cron["uuid"])
    assert row.due_at is None          # nothing is pending for the tick any more


def test_a_firing_repeated_by_a_racing_worker_or_cut_short_makes_one_run(platform, cluster):
    template = _template(platform)
    cron = _cron(platform, template, cluster, "*/10 * * * *")
    ws = platform.demo.workspace.uuid
    row = aggregates.get(m.KIND, ws, cron["uuid"])
    state = load(m.CronJob, row.state)
    platform.clock.t = state.next_at + 30
    first = steps.run(m.Step.FIRE, state)      # a worker whose commit is lost (a crash) ...
    second = steps.run(m.Step.FIRE, state)     # ... and another on the same version
    assert first == second
    assert driver.commit(m.KIND, ws, cron["uuid"], row.version, state, second) is not None
    assert driver.commit(m.KIND, ws, cron["uuid"], row.version, state, first) is None
    tick()
    platform.pump.drain()
    got = _get(platform, cron["uuid"])
    assert [e["outcome"] for e in got["history"]] == ["STARTED"]
    assert [r["uuid"] for r in _runs(platform, cron["uuid"])] == [
        m.run_uuid(cron["uuid"], state.next_at)]


def test_a_time_whose_template_was_deleted_is_skipped_with_the_reason(platform, cluster):
    template = _template(platform)
    _to_second(platform, 10)
    cron = _cron(platform, template, cluster, "* * * * *")
    platform.request("DELETE", f"/v1/job-templates/{template}")
    _minutes(platform, 1)
    entry = _get(platform, cron["uuid"])["history"][0]
    assert entry["outcome"] == "SKIPPED"
    assert entry["reason"] == f"job template {template} not found"


BAD = "6f1c2b8e-0000-4000-8000-000000000000"


@pytest.mark.parametrize("change, field", [
    ({"name": None}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"schedule": None}, "schedule"),
    ({"schedule": "* * * * * *"}, "schedule"),
    ({"schedule": "61 * * * *"}, "schedule"),
    ({"schedule": "0 0 30 2 *"}, "schedule"),
    ({"schedule": "@reboot"}, "schedule"),
    ({"schedule": 5}, "schedule"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"maxConcurrentRuns": 0}, "maxConcurrentRuns"),
    ({"maxConcurrentRuns": 11}, "maxConcurrentRuns"),
    ({"maxConcurrentRuns": "2"}, "maxConcurrentRuns"),
    ({"jobTemplateUUID": None}, "jobTemplateUUID"),
    ({"jobTemplateUUID": "nope"}, "jobTemplateUUID"),
    ({"clusterUUID": "nope"}, "clusterUUID"),
    ({"description": ["x"]}, "description"),
])
def test_bad_cron_jobs_name_the_field_and_write_nothing(platform, change, field):
    template = _template(platform)
    body = {"name": "bad", "schedule": "* * * * *", "timezone": "Etc/GMT",
            "jobTemplateUUID": template, "clusterUUID": BAD, **JUNK, **change}
    reply = platform.request("POST", "/v1/cron-jobs", body)
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"] == field, reply.json_body
    assert platform.request("GET", "/v1/cron-jobs").json_body["metadata"]["total_items"] == 0


def test_what_a_cron_job_names_must_exist_and_be_runnable(platform, cluster):
    template = _template(platform)
    base = {"name": "c", "schedule": "* * * * *", "jobTemplateUUID": template,
            "clusterUUID": cluster}
    for change, status, field in (({"jobTemplateUUID": BAD}, 404, None),
                                  ({"clusterUUID": BAD}, 404, None),
                                  ({"clusterUUID": None}, 400, "clusterUUID")):
        reply = platform.request("POST", "/v1/cron-jobs", {**base, **change})
        assert reply.status_code == status, reply.body
        assert reply.json_body.get("field") == field
    cron = platform.request("POST", "/v1/cron-jobs", base).json_body
    reply = platform.request("PUT", f"/v1/cron-jobs/{cron['uuid']}", {"deactivate": "yes"})
    assert reply.status_code == 400 and reply.json_body["field"] == "deactivate"
    assert _get(platform, cron["uuid"])["status"] == "ACTIVE"
    assert platform.request("GET", "/v1/cron-jobs").json_body["metadata"]["total_items"] == 1


def test_another_workspace_never_sees_a_cron_job(platform, cluster):
    template = _template(platform)
    cron = _cron(platform, template, cluster, "0 0 * * *", name="private")
    org = organizations.create_organization("other")
    ws = seed.request_workspace(org, "other", "us-east-1")
    client, secret = clients.create_client(org.uuid, ws.uuid)
    other = platform.headers(client.client_id, secret)
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/run")):
        reply = platform.request(method, f"/v1/cron-jobs/{cron['uuid']}{path}",
                                 {"deactivate": True}, headers=other)
        assert reply.status_code == 404, (method, path, reply.body)
        assert "private" not in reply.body.decode()
    listed = platform.request("GET", "/v1/cron-jobs", headers=other).json_body
    assert listed["data"] == [] and listed["metadata"]["total_items"] == 0
    made = platform.request("POST", "/v1/cron-jobs", {
        "name": "x", "schedule": "* * * * *", "jobTemplateUUID": template,
        "clusterUUID": cluster}, headers=other)
    assert made.status_code in (404, 409) and "tpl-main" not in made.body.decode()
    assert _get(platform, cron["uuid"])["status"] == "ACTIVE"
