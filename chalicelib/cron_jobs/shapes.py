"""Cron jobs on the wire, as the official SDK sends and reads them (BODOSDK.md §3, §4 CJ):
`lastRunDate`/`nextRunDate` are dates (YYYY-MM-DD, in the cron job's zone) or null, never
datetimes; `list()` reads the snake_case duplicates `max_concurrent_runs`, `job_template_id`,
`cluster_id`; `jobRuns` items are jobs' run summaries (jobs/shapes.py: no `config`). Unknown keys (`jobConfig` junk included) are ignored, never refused."""
from __future__ import annotations

import uuid as uuidlib

from ..api import validate as v
from ..api.http import invalid, page_params
from ..jobs.machine import JobRun
from ..jobs.shapes import PAUSE_KEY, pause_when_finished, render_summary
from ..kernel.listing import ListQuery
from ..kernel.times import iso
from . import schedule
from .machine import MAX_CONCURRENT_RUNS, CronJob, CronSpec, CronStatus, Entry, Outcome

MAX_DESCRIPTION = 1024
DEFAULT_TIMEZONE = "Etc/GMT"     # what the SDK sends when none is given
SHOWN_RUNS = 20                  # jobRuns: the latest runs it started
LIVE = frozenset({CronStatus.ACTIVE.value, CronStatus.INACTIVE.value})


def _uuid(body: dict, key: str, required: bool) -> str:
    raw = body.get(key)
    if raw is None or raw == "":
        if required:
            raise invalid(key, "is required")
        return ""
    try:
        return str(uuidlib.UUID(raw)) if isinstance(raw, str) else _not_uuid(key)
    except ValueError:
        return _not_uuid(key)


def _not_uuid(key: str):
    raise invalid(key, "must be a UUID")


def parse_create(body: dict) -> CronSpec:
    """A POST /v1/cron-jobs body. Raises 400 naming the field."""
    name = v.name(body)
    description = v.string(body, "description", default="", max_len=MAX_DESCRIPTION) or ""
    raw = v.string(body, "schedule", required=True, max_len=schedule.MAX_EXPRESSION)
    try:
        expression = schedule.check_expression(raw)
    except schedule.BadSchedule as e:
        raise invalid("schedule", str(e)) from None
    timezone = v.string(body, "timezone", default=DEFAULT_TIMEZONE, max_len=64) \
        or DEFAULT_TIMEZONE
    try:
        schedule.zone(timezone)
    except schedule.BadSchedule as e:
        raise invalid("timezone", str(e)) from None
    try:
        schedule.next_after(schedule.Schedule(expression, timezone), 0)
    except schedule.BadSchedule as e:
        raise invalid("schedule", str(e)) from None
    job_config = body.get("jobConfig")     # otherwise the SDK's junk: read for the one key
    pause = pause_when_finished(job_config) if isinstance(job_config, dict) else None
    return CronSpec(name=name, description=description, schedule=expression,
                    timezone=timezone, template_uuid=_uuid(body, "jobTemplateUUID", True),
                    cluster_uuid=_uuid(body, "clusterUUID", False),
                    max_concurrent_runs=v.integer(body, "maxConcurrentRuns", default=1, low=1,
                                                  high=MAX_CONCURRENT_RUNS),
                    pause_cluster_when_finished=pause)


def parse_active(body: dict) -> bool:
    """PUT {"deactivate": bool}: whether the cron job is to be active."""
    if not isinstance(body.get("deactivate"), bool):
        raise invalid("deactivate", "is required: true to deactivate, false to reactivate")
    return not body["deactivate"]


def parse_list(params: dict) -> ListQuery:
    number, size = page_params(params)
    return ListQuery(number=number, size=size,
                     descending=(params.get("order") or [""])[-1].upper() == "DESC",
                     statuses=LIVE, live_statuses=LIVE)


def shown_run_uuids(c: CronJob) -> list[str]:
    """The runs `jobRuns` shows: the latest SHOWN_RUNS it started."""
    return [e.run_uuid for e in c.history if e.run_uuid][-SHOWN_RUNS:]


def _entry(e: Entry, timezone: str) -> dict:
    out = {"outcome": e.outcome.value, "at": iso(e.at), "reason": e.reason,
           "scheduledFor": iso(e.scheduled_for),
           "scheduledForLocal": schedule.local_time(e.scheduled_for, timezone),
           "runUUID": e.run_uuid}
    if e.outcome == Outcome.MISSED:
        out.update({"until": iso(e.until), "count": e.count, "moreThanCount": e.more})
    return out


def render(c: CronJob, runs: list[JobRun] = ()) -> dict:
    s = c.spec
    scheduled = {e.run_uuid: e.scheduled_for for e in c.history if e.run_uuid}
    cluster = s.cluster_uuid or None
    return {
        "uuid": c.uuid, "name": s.name, "description": s.description, "schedule": s.schedule,
        "timezone": s.timezone, "createdBy": c.created_by,
        "maxConcurrentRuns": s.max_concurrent_runs, "max_concurrent_runs": s.max_concurrent_runs,
        "jobTemplateUUID": s.template_uuid, "job_template_id": s.template_uuid,
        "clusterUUID": cluster, "cluster_id": cluster, "clusterConfig": None,
        "status": c.status.value, "active": c.status == CronStatus.ACTIVE,
        "lastRunDate": schedule.local_date(c.last_run_at, s.timezone),
        "nextRunDate": schedule.local_date(c.next_at, s.timezone),
        "lastRunAt": iso(c.last_run_at), "nextRunAt": iso(c.next_at),
        "nextRunAtLocal": schedule.local_time(c.next_at, s.timezone),
        "createdAt": iso(c.created_at), "updatedAt": iso(c.updated_at),
        "workspaceUUID": c.workspace_uuid,
        PAUSE_KEY: s.pause_cluster_when_finished,
        "counts": {"started": c.started, "skipped": c.skipped, "missed": c.missed},
        "jobRuns": [{**render_summary(r), "scheduledFor": iso(scheduled.get(r.uuid))}
                    for r in runs],
        "history": [_entry(e, s.timezone) for e in reversed(c.history)],
    }
