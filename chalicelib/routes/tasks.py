"""Tasks: every long operation's progress, NEW -> INPROGRESS -> FINISHED or FAILED.

A workspace key sees its workspace's tasks (clusters); an organization key or a signed-in user
sees the organization's own (workspaces, AMI shares per region)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.auth import caller
from ..api.render import render_task
from ..api.http import json_view, not_found, page, query
from ..lifecycle.task import Task
from ..store import aggregates

bp = Blueprint(__name__)


def _scope() -> str:
    c = caller(bp.current_request)
    return c.workspace_uuid or c.organization_uuid


@bp.route("/v1/tasks", methods=["GET"])
@json_view
def list_tasks():
    scope = _scope()
    params = query(bp.current_request)
    resource = set(params.get("resourceUUID", []))
    status = set(params.get("status", []))
    found = [t for t in (Task.from_dict(r.state) for r in aggregates.list_rows("task", scope))
             if (not resource or t.resource_uuid in resource)
             and (not status or t.status.value in status)]
    found.sort(key=lambda t: t.created_at)
    return page([render_task(t) for t in found], params)


@bp.route("/v1/tasks/{task_uuid}", methods=["GET"])
@json_view
def get_task(task_uuid):
    row = aggregates.get("task", _scope(), task_uuid)
    if row is None:
        raise not_found("task", task_uuid)
    return render_task(Task.from_dict(row.state))
