"""Tasks: every long operation's progress, NEW -> INPROGRESS -> FINISHED or FAILED."""
from __future__ import annotations

from chalice import Blueprint

from ..api.auth import caller
from ..api.render import render_task
from ..api.http import json_view, not_found, page, query
from ..lifecycle.task import Task
from ..store import aggregates

bp = Blueprint(__name__)


@bp.route("/v1/tasks", methods=["GET"])
@json_view
def list_tasks():
    ws = caller(bp.current_request).require_workspace()
    params = query(bp.current_request)
    resource = set(params.get("resourceUUID", []))
    status = set(params.get("status", []))
    found = [t for t in (Task.from_dict(r.state) for r in aggregates.list_rows("task", ws))
             if (not resource or t.resource_uuid in resource)
             and (not status or t.status.value in status)]
    found.sort(key=lambda t: t.created_at)
    return page([render_task(t) for t in found], params)


@bp.route("/v1/tasks/{task_uuid}", methods=["GET"])
@json_view
def get_task(task_uuid):
    row = aggregates.get("task", caller(bp.current_request).require_workspace(), task_uuid)
    if row is None:
        raise not_found("task", task_uuid)
    return render_task(Task.from_dict(row.state))
