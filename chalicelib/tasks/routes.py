"""Tasks: every long operation's progress, NEW -> INPROGRESS -> FINISHED or FAILED.

A workspace key sees its workspace's tasks (clusters); an organization key or a signed-in user
sees the organization's own (workspaces, AMI shares per region)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import json_view, not_found, page_params, paged, query
from ..api.shapes import render_task
from ..identity.caller import caller
from . import queries

bp = Blueprint(__name__)


def _scope() -> str:
    c = caller(bp.current_request)
    return c.workspace_uuid or c.organization_uuid


@bp.route("/v1/tasks", methods=["GET"])
@json_view
def list_tasks():
    scope = _scope()
    params = query(bp.current_request)
    number, size = page_params(params)
    q = queries.query(set(params.get("resourceUUID", [])), set(params.get("status", [])),
                      number, size, (params.get("order") or [""])[-1].upper() == "DESC")
    found, total = queries.list_page(scope, q)
    return paged([render_task(t) for t in found], total, number, size)


@bp.route("/v1/tasks/{task_uuid}", methods=["GET"])
@json_view
def get_task(task_uuid):
    found = queries.get_task(_scope(), task_uuid)
    if found is None:
        raise not_found("task", task_uuid)
    return render_task(found)
