"""Job templates and cron jobs as a user drives them with the official SDK (bodosdk 2.3.2)
against `make run`:

    .venv-sdk/bin/python tests/e2e/cron_story.py .corral/local.json

creates a cluster, puts a script on its /shared, makes a job template of it
(JobTemplateClient.create), runs the template on the cluster (JobTemplate.run, nothing but
the template's id and the cluster sent), reads it back and lists templates; makes a cron job of
it (CronJobClient.create, a yearly schedule in Europe/Paris, so no scheduled time comes while
the story runs), runs it now (CronJob.run), lists and gets cron jobs, deactivates and
reactivates it, deletes both, and removes the cluster. The last line on stdout is one JSON
object with what it saw."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bodosdk import BodoWorkspaceClient
from bodosdk.exceptions import ResourceNotFound

SCRIPT = ("import os, sys\nif os.environ['PMI_RANK'] == '0':\n"
          "    print(os.environ['GREETING'], *sys.argv[1:])\n")


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def main(path: str) -> int:
    info = json.load(open(path))
    ws = BodoWorkspaceClient(client_id=info["client_id"], secret_key=info["secret_key"],
                             api_url=info["api_url"], auth_url=info["auth_url"])
    seen: dict = {}
    cluster = ws.ClusterClient.create(name="cron-story", instance_type="c5.2xlarge",
                                      workers_quantity=1, auto_pause=0)
    cluster.wait_for_status(["RUNNING"], timeout=120, tick=1)
    shared = next((Path(os.path.dirname(path)) / "efs").iterdir())
    (shared / "story").mkdir(exist_ok=True)
    (shared / "story" / "hello.py").write_text(SCRIPT)

    tpl = ws.JobTemplateClient.create(
        name="hello-template", description="says hello", code_type="PYTHON",
        source={"type": "WORKSPACE", "path": "/shared/story"}, exec_file="hello.py",
        args="from the template", env_vars={"GREETING": "hello"}, timeout=600)
    log("template", tpl.id, tpl.config.exec_file, tpl.config.source)
    seen["template"] = {"id": tpl.id, "name": tpl.name, "exec_file": tpl.config.exec_file,
                        "source_path": tpl.config.source.path, "args": tpl.config.args}
    run = tpl.run(cluster=cluster)
    log("template run", run.id, run.status, run.job_template_id)
    run.wait_for_status(["SUCCEEDED"], timeout=120)
    seen["template_run"] = {"status": run.status, "job_template_id": run.job_template_id,
                            "exec_file": run.config.exec_file,
                            "stdout": run.get_stdout().strip()}
    log("template run stdout:", seen["template_run"]["stdout"])
    got = ws.JobTemplateClient.get(tpl.id)
    seen["template_get"] = {"name": got.name, "description": got.description,
                            "env_vars": got.config.env_vars}
    seen["templates_listed"] = [t.name for t in ws.JobTemplateClient.list()]

    cron = ws.CronJobClient.create(name="hello-cron", description="once a year",
                                   schedule="0 6 1 1 *", timezone="Europe/Paris",
                                   max_concurrent_runs=2, job_template=tpl, cluster=cluster)
    log("cron job", cron.id, cron.schedule, cron.timezone, cron.next_run_date)
    seen["cron"] = {"id": cron.id, "schedule": cron.schedule, "timezone": cron.timezone,
                    "max_concurrent_runs": cron.max_concurrent_runs,
                    "job_template_id": cron.job_template_id, "cluster_id": cron.cluster_id,
                    "next_run_date": str(cron.next_run_date), "last_run_date": cron.last_run_date}
    now = cron.run()       # raw JSON: the job run
    log("run now", now["uuid"], now["status"], now.get("cronJobUUID"))
    now_run = ws.JobClient.get(now["uuid"])
    now_run.wait_for_status(["SUCCEEDED"], timeout=120)
    seen["run_now"] = {"status": now_run.status, "cron_job": now.get("cronJobUUID"),
                       "stdout": now_run.get_stdout().strip()}
    listed = ws.CronJobClient.list()
    seen["crons_listed"] = [{"name": c.name, "max_concurrent_runs": c.max_concurrent_runs,
                             "job_template_id": c.job_template_id, "cluster_id": c.cluster_id,
                             "last_run_date": str(c.last_run_date),
                             "job_runs": [r.id for r in c.job_runs]} for c in listed]
    seen["deactivate"] = cron.deactivate()
    seen["inactive_next_run_date"] = ws.CronJobClient.get(cron.id).next_run_date
    seen["reactivate"] = cron.reactivate()
    seen["active_next_run_date"] = str(ws.CronJobClient.get(cron.id).next_run_date)
    log("deactivate", seen["deactivate"], seen["inactive_next_run_date"], "reactivate",
        seen["reactivate"], seen["active_next_run_date"])

    seen["cron_delete"] = ws.CronJobClient.remove(cron.id)
    ws.JobTemplateClient.remove(tpl.id)
    gone = []
    for getter, ident in ((ws.CronJobClient.get, cron.id), (ws.JobTemplateClient.get, tpl.id)):
        try:
            getter(ident)
        except ResourceNotFound:
            gone.append(ident)
    seen["gone"] = gone
    seen["after"] = {"crons": len(ws.CronJobClient.list()),
                     "templates": len(ws.JobTemplateClient.list())}
    ws.ClusterClient.remove(cluster.id)
    log("after deletes", seen["after"])
    print(json.dumps(seen, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
