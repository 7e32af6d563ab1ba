"""Cron-job commands and reads: create, get, list, deactivate/reactivate, delete, run now; and
what the FIRE step needs: a run of the job template started for the cron job (through the
job templates' and jobs' public surfaces), and how many of its runs are live."""
from __future__ import annotations

from dataclasses import replace

from ..api.http import ApiError, invalid, not_found
from ..clusters import commands as clusters
from ..engine import driver as engine
from ..job_templates import commands as templates
from ..job_templates import runs as template_runs
from ..jobs import commands as jobs
from ..jobs.machine import ENDED, JobRun, JobStatus
from ..jobs.shapes import PAUSE_KEY, parse_submit
from ..kernel import clock, config
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.listing import ListQuery
from ..kernel.state import load
from ..store import aggregates, lists
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace
from . import machine as m
from . import schedule
from .machine import KIND, CronJob, CronSpec

BUSY = "The cron job is changing too fast right now; try again."
LIVE_RUN_STATUSES = frozenset(s.value for s in JobStatus if s not in ENDED)
MAX_LIVE_READ = 1000


class NotStarted(Exception):
    """A run of the cron job could not be started; the message says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _schedule(spec: CronSpec) -> schedule.Schedule:
    return schedule.Schedule(spec.schedule, spec.timezone)


def _run_body(spec: CronSpec, name: str) -> dict:
    body = {"jobTemplateUUID": spec.template_uuid, "name": name}
    if spec.cluster_uuid:
        body["clusterUUID"] = spec.cluster_uuid
    if spec.pause_cluster_when_finished is not None:
        body["jobConfig"] = {PAUSE_KEY: spec.pause_cluster_when_finished}
    return body


def _run_spec(ws_uuid: str, spec: CronSpec, cron_uuid: str, name: str, submitter: str):
    """What a run of the cron job would be, as jobs parse it (ApiError when it cannot be),
    and the template's clusterConfig when the run gets a cluster of its own."""
    body = template_runs.complete(ws_uuid, _run_body(spec, name))
    return (replace(parse_submit(body, submitter, config.get().local_git),
                    cron_job_uuid=cron_uuid), body.get("clusterConfig"))


def create(ws: Workspace, spec: CronSpec, created_by: str) -> CronJob:
    """Its template (and cluster, if it names one) must exist, and a run of it must be one
    jobs would take now: what every firing would be refused for is refused at once."""
    if templates.get(ws.uuid, spec.template_uuid) is None:
        raise not_found("job template", spec.template_uuid)
    if spec.cluster_uuid and clusters.get(ws.uuid, spec.cluster_uuid) is None:
        raise not_found("cluster", spec.cluster_uuid)
    cron_uuid = new_uuid()
    try:
        _run_spec(ws.uuid, spec, cron_uuid, spec.name, created_by)
    except ApiError as e:
        if e.field == "clusterUUID" and not spec.cluster_uuid:
            raise invalid("clusterUUID", "is required: the job template has no "
                                         "clusterConfig") from None
        raise
    now = clock.now()
    next_at = schedule.next_after(_schedule(spec), now)
    events = m.decide_create(cron_uuid, ws.uuid, ws.organization_uuid, spec, created_by,
                             next_at, now)
    return engine.create(KIND, ws.uuid, cron_uuid, events).state


def get(workspace_uuid: str, cron_uuid: str) -> CronJob | None:
    """The cron job, unless there is none or it was deleted."""
    row = aggregates.get(KIND, workspace_uuid, cron_uuid)
    state = load(CronJob, row.state) if row else None
    return state if state is not None and m.live(state) else None


def list_page(workspace_uuid: str, q: ListQuery) -> tuple[list[CronJob], int]:
    return lists.list_page(KIND, workspace_uuid, q, lambda data: load(CronJob, data))


def _command(workspace_uuid: str, cron_uuid: str, decide) -> CronJob | None:
    done = engine.execute(KIND, workspace_uuid, cron_uuid,
                          lambda s: [] if s is None or not m.live(s) else decide(s), busy=BUSY)
    return done.state


def set_active(workspace_uuid: str, cron_uuid: str, active: bool, by: str) -> CronJob | None:
    """Deactivate (no scheduled time runs while it is inactive) or reactivate (from the first
    scheduled time after now). None: no such cron job."""
    def decide(s: CronJob) -> list:
        now = clock.now()
        if not active:
            return m.decide_deactivate(s, by, now)
        return m.decide_reactivate(s, by, schedule.next_after(_schedule(s.spec), now), now)
    found = _command(workspace_uuid, cron_uuid, decide)
    return found if found is not None and m.live(found) else None


def delete(workspace_uuid: str, cron_uuid: str, by: str) -> CronJob | None:
    """The deleted cron job (its runs go on); None if there is none (or it was deleted)."""
    if get(workspace_uuid, cron_uuid) is None:
        return None
    found = _command(workspace_uuid, cron_uuid, lambda s: m.decide_delete(s, by, clock.now()))
    return found if found is not None and not m.live(found) else None


def start_run(cron: CronJob, run_uuid: str, name: str, submitter: str) -> JobRun:
    """A run of the cron job's template, made once for `run_uuid` (jobs.submit). Raises
    NotStarted with the reason when it cannot be (template deleted, cluster gone, ...)."""
    ws = workspaces.get(cron.organization_uuid, cron.workspace_uuid)
    if ws is None:
        raise NotStarted("its workspace no longer exists")
    try:
        spec, cluster_config = _run_spec(ws.uuid, cron.spec, cron.uuid, name, submitter)
        run = jobs.submit(ws, spec, cluster_config, run_uuid=run_uuid)
    except ApiError as e:
        raise NotStarted(e.message) from None
    except DomainError as e:
        made = jobs.get(ws.uuid, run_uuid)   # made meanwhile by a firing racing this one
        if made is not None:
            return made
        raise NotStarted(e.message) from None
    if run is None:
        raise NotStarted(f"cluster {spec.cluster_uuid} no longer exists")
    return run


def run_now(workspace_uuid: str, cron_uuid: str, by: str) -> JobRun | None:
    """A run at once (the SDK's `run()`), whatever the schedule and maxConcurrentRuns (it
    counts among the live runs a scheduled time finds). None: no such cron job."""
    cron = get(workspace_uuid, cron_uuid)
    if cron is None:
        return None
    try:
        run = start_run(cron, new_uuid(), f"{cron.spec.name} (run now)", by)
    except NotStarted as e:
        raise DomainError(f"Cron job {cron.spec.name} cannot run now: {e.reason}") from None
    _command(workspace_uuid, cron_uuid,
             lambda s: m.decide_run_now(s, run.uuid, by, clock.now()))
    return run


def live_runs(workspace_uuid: str, cron_uuid: str) -> int:
    """How many of the cron job's runs are not ended (read from the live runs only)."""
    q = ListQuery(size=MAX_LIVE_READ, statuses=LIVE_RUN_STATUSES,
                  live_statuses=LIVE_RUN_STATUSES,
                  keep=lambda r: r.spec.cron_job_uuid == cron_uuid)
    return jobs.list_page(workspace_uuid, q)[1]


def run_exists(workspace_uuid: str, run_uuid: str) -> bool:
    return jobs.get(workspace_uuid, run_uuid) is not None


def runs(workspace_uuid: str, run_uuids: list[str]) -> list[JobRun]:
    """The runs named (one batched read), in the order they were made."""
    if not run_uuids:
        return []
    return jobs.list_page(workspace_uuid, ListQuery(size=len(run_uuids),
                                                    uuids=frozenset(run_uuids)))[0]
