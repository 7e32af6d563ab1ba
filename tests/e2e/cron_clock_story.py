"""A cron job under a controlled clock, with the official SDK (bodosdk 2.3.2) against `make run`,
the platform's clock moved by the documented command (`python -m local.clock`, README):

    .venv-sdk/bin/python tests/e2e/cron_clock_story.py .corral/local.json

sets the platform's clock to 10 s past the next round hour H, then makes a cluster, a template
and a cron job every 5 minutes (`*/5 * * * *`, Etc/GMT, at most 5 runs at once) with the SDK,
and moves the clock on while the platform runs:
  - 300 s: H+5 min comes: one run, named by its scheduled time;
  - 300 s twice at once (a late tick): H+10 and H+15, each once;
  - 1800 s (the platform "down" half an hour): of H+20 ... H+45, the times within the catch-up
    window (15 minutes: H+35, H+40, H+45) start; H+20, H+25, H+30 are MISSED, said once.
Each step waits (on the real clock, bounded) for the firing the jump's tick brings, and for its
runs to end. The SDK's cron job then lists its runs. The last line on stdout is one JSON object
with what it saw. Platform time moves 45 minutes after the SDK signs in: within the token's
hour (README: tokens age with the platform's clock)."""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import requests
from bodosdk import BodoWorkspaceClient
from story_kit import Clock, iso, log, until

NAME, EVERY = "every-5", 300
WAIT = 120         # real seconds for a firing, or for its runs to end (they take turns)
SCRIPT = "import os\nif os.environ['PMI_RANK'] == '0':\n    print('tick')\n"


class Api:
    """Plain HTTP with the workspace key, for what the SDK's model leaves out (the history)."""

    def __init__(self, info: dict):
        self.url = info["api_url"]
        token = requests.post(f"{self.url}/identity/resources/auth/v2/api-token", timeout=15,
                              json={"clientId": info["client_id"],
                                    "secret": info["secret_key"]}).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> dict:
        reply = requests.get(f"{self.url}{path}", headers=self.headers, timeout=15)
        reply.raise_for_status()
        return reply.json()


def _until(what: str, look, since: float | None = None):
    return until(what, look, WAIT, since)


def _history(api: Api, cron_id: str) -> list[dict]:
    return list(reversed(api.get(f"/v1/cron-jobs/{cron_id}")["history"]))   # oldest first


def _started(api: Api, cron_id: str) -> list[str]:
    return [e["scheduledFor"] for e in _history(api, cron_id) if e["outcome"] == "STARTED"]


def _runs(api: Api, cron_id: str) -> list[dict]:
    return api.get(f"/v1/jobs?cronJobUUID={cron_id}&size=100")["data"]


def _name(run) -> str:
    return run["name"] if isinstance(run, dict) else run.name


def _all_ended(api: Api, cron_id: str, count: int) -> list[dict] | None:
    runs = _runs(api, cron_id)
    ended = [r for r in runs if r["status"] in ("SUCCEEDED", "FAILED", "CANCELLED", "TIMEOUT")]
    return runs if len(runs) == count and len(ended) == count else None


def main(path: str) -> int:
    info = json.load(open(path))
    state_dir = os.path.dirname(os.path.abspath(path))
    clock = Clock(state_dir)
    hour = (int(clock.now()) // 3600 + 1) * 3600
    clock.set(hour + 10)
    seen: dict = {"hour": iso(hour)}

    ws = BodoWorkspaceClient(client_id=info["client_id"], secret_key=info["secret_key"],
                             api_url=info["api_url"], auth_url=info["auth_url"])
    api = Api(info)
    cluster = ws.ClusterClient.create(name="cron-clock", instance_type="c5.2xlarge",
                                      workers_quantity=1, auto_pause=0)
    cluster.wait_for_status(["RUNNING"], timeout=120, tick=1)
    shared = next((Path(state_dir) / "efs").iterdir())
    (shared / "clock").mkdir(exist_ok=True)
    (shared / "clock" / "tick.py").write_text(SCRIPT)
    tpl = ws.JobTemplateClient.create(name="tick", code_type="PYTHON",
                                      source={"type": "WORKSPACE", "path": "/shared/clock"},
                                      exec_file="tick.py")
    cron = ws.CronJobClient.create(name=NAME, schedule="*/5 * * * *", timezone="Etc/GMT",
                                   max_concurrent_runs=5, job_template=tpl, cluster=cluster)
    got = api.get(f"/v1/cron-jobs/{cron.id}")
    seen["next_before"] = got["nextRunAt"]
    log("cron job", cron.id, "next", got["nextRunAt"], "platform", iso(clock.now()))

    steps = [("one time", [EVERY], [hour + 300]),
             ("two times at once", [EVERY, EVERY], [hour + 600, hour + 900]),
             ("half an hour down", [1800], [hour + 2100, hour + 2400, hour + 2700])]
    expected: list[float] = []
    seen["steps"] = []
    for what, moves, times in steps:
        for seconds in moves:
            moved = clock.advance(seconds)
        expected += times
        want = [iso(t) for t in expected]
        started = _until(f"{what}: fired", lambda: (lambda s: s if len(s) >= len(want)
                                                    else None)(_started(api, cron.id)),
                         since=moved)
        assert started == want, (what, started, want)
        _until(f"{what}: runs ended", lambda: _all_ended(api, cron.id, len(expected)))
        seen["steps"].append({"what": what, "platform": iso(clock.now()),
                              "started": _started(api, cron.id)})

    got = api.get(f"/v1/cron-jobs/{cron.id}")
    seen["history"] = [{k: e.get(k) for k in ("outcome", "scheduledFor", "until", "count")}
                       for e in reversed(got["history"])]
    seen["counts"] = got["counts"]
    seen["next_after"] = got["nextRunAt"]
    runs = _runs(api, cron.id)
    seen["runs"] = sorted((r["name"], r["status"]) for r in runs)
    seen["expected_names"] = sorted(f"{NAME} {datetime.fromtimestamp(t, timezone.utc).isoformat()}"
                                    for t in expected)
    sdk_cron = ws.CronJobClient.get(cron.id)
    # get() leaves jobRuns as the reply's objects; list() makes JobRun models of them.
    seen["sdk_job_runs"] = sorted(_name(r) for r in sdk_cron.job_runs)
    [listed] = [c for c in ws.CronJobClient.list() if c.id == cron.id]
    seen["sdk_listed_job_runs"] = sorted(_name(r) for r in listed.job_runs)
    seen["sdk_last_run_date"] = str(sdk_cron.last_run_date)
    sdk_tpl = ws.JobTemplateClient.get(tpl.id)
    seen["template_job_runs"] = len(sdk_tpl.job_runs)
    for line in json.dumps(seen, indent=1).splitlines():
        log(line)

    ws.CronJobClient.remove(cron.id)
    ws.JobTemplateClient.remove(tpl.id)
    ws.ClusterClient.remove(cluster.id)
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
