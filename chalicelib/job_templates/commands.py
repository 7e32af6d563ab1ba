"""Job-template commands and reads: create, get, list, update, delete, each through the
engine in the workspace's scope (another workspace's template is simply not found)."""
from __future__ import annotations

from ..engine import driver as engine
from ..jobs import commands as jobs
from ..jobs.machine import JobRun
from ..kernel import clock
from ..kernel.ids import new_uuid
from ..kernel.listing import ListQuery
from ..kernel.state import load
from ..store import aggregates, lists
from ..workspaces.machine import Workspace
from . import machine as m
from .machine import KIND, JobTemplate, TemplateSpec

BUSY = "The job template is changing too fast right now; try again."
SHOWN_RUNS = 20       # jobRuns: a template's latest runs


def recent_runs(workspace_uuid: str, template_uuid: str) -> list[JobRun]:
    """Its latest SHOWN_RUNS runs, in the order they were submitted (one Query)."""
    return jobs.from_template(workspace_uuid, template_uuid, SHOWN_RUNS)


def create(ws: Workspace, spec: TemplateSpec, created_by: str) -> JobTemplate:
    template_uuid = new_uuid()
    events = m.decide_create(template_uuid, ws.uuid, ws.organization_uuid, spec, created_by,
                             clock.now())
    return engine.create(KIND, ws.uuid, template_uuid, events).state


def get(workspace_uuid: str, template_uuid: str) -> JobTemplate | None:
    """The template, if it exists and was not deleted."""
    row = aggregates.get(KIND, workspace_uuid, template_uuid)
    state = load(JobTemplate, row.state) if row else None
    return state if state is not None and m.live(state) else None


def list_page(workspace_uuid: str, q: ListQuery) -> tuple[list[JobTemplate], int]:
    return lists.list_page(KIND, workspace_uuid, q, lambda data: load(JobTemplate, data))


def _live_or_none(decide):
    return lambda s: [] if s is None or not m.live(s) else decide(s)


def update(workspace_uuid: str, template_uuid: str, spec_of) -> JobTemplate | None:
    """`spec_of(old spec)` -> the new spec (a PATCH reads the old one). None: no such one."""
    done = engine.execute(KIND, workspace_uuid, template_uuid, _live_or_none(
        lambda s: m.decide_update(s, spec_of(s.spec), clock.now())), busy=BUSY)
    return done.state if done.state is not None and m.live(done.state) else None


def delete(workspace_uuid: str, template_uuid: str, by: str) -> JobTemplate | None:
    """The deleted template; None if there is none (or it was deleted before)."""
    if get(workspace_uuid, template_uuid) is None:
        return None
    done = engine.execute(KIND, workspace_uuid, template_uuid, _live_or_none(
        lambda s: m.decide_delete(s, by, clock.now())), busy=BUSY)
    return done.state if done.state is not None and not m.live(done.state) else None
