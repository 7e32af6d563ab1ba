"""Notebooks, in the official SDK's conventions, with a workspace key: POST /v1/notebooks,
GET /v1/notebooks (the list shape), GET and DELETE /v1/notebooks/{uuid}. The tasks are under
GET /v1/tasks?resourceUUID=<uuid>."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view, not_found, paged, query
from ..identity.caller import caller
from ..identity.clients import get_client
from ..identity.users import get_user
from ..workspaces import scope
from . import commands, shapes

bp = Blueprint(__name__)


def _actor(c) -> str:
    if c.user_uuid:
        user = get_user(c.user_uuid)
        return f"user {user.email}" if user else f"user {c.user_uuid}"
    client = get_client(c.client_id)
    return f"API key {client.name}" if client and client.name else f"API key {c.client_id}"


@bp.route("/v1/notebooks", methods=["POST"])
@json_view
def create_notebook():
    ws = scope.own_workspace(caller(bp.current_request))
    spec = shapes.parse_create(ws, body(bp.current_request))
    return shapes.render(commands.create(ws, spec))


@bp.route("/v1/notebooks", methods=["GET"])
@json_view
def list_notebooks():
    ws = caller(bp.current_request).require_workspace()
    params = query(bp.current_request)
    q = shapes.parse_list(params)
    found, total = commands.list_page(ws, q)
    return paged([shapes.render(n) for n in found], total, q.number, q.size,
                 order="DESC" if q.descending else "ASC")


@bp.route("/v1/notebooks/{notebook_uuid}", methods=["GET"])
@json_view
def get_notebook(notebook_uuid):
    found = commands.get(caller(bp.current_request).require_workspace(), notebook_uuid)
    if found is None:
        raise not_found("notebook", notebook_uuid)
    return shapes.render(found)


@bp.route("/v1/notebooks/{notebook_uuid}", methods=["DELETE"])
@json_view
def remove_notebook(notebook_uuid):
    who = caller(bp.current_request)
    done = commands.remove(who.require_workspace(), notebook_uuid, by=_actor(who))
    if done is None:
        raise not_found("notebook", notebook_uuid)
    return shapes.render(done)
