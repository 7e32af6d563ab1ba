"""API keys (client id + secret) for the organization and its workspaces: the keys the official
SDK signs in with. An organization admin (signed in, or with an organization key) creates,
lists and revokes them (JSON and the keys page), and removes revoked ones from the list
(DELETE /v1/api-keys/{id}?purge=true, the page's Remove button); an organization key mints a
workspace's key (the SDK's /v1/workspaces/{id}/api-tokens). Every key name follows the one
rule of api.validate.is_name. The secret is shown once and stored only as a hash."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..api.http import ApiError, body, invalid, json_view, not_found, page, query
from ..api.validate import NAME_HINT, is_name, string
from ..api.validate import name as read_name
from ..identity.caller import Caller, caller, organization_admin
from ..identity.page_access import signed_in_page
from ..kernel.errors import DomainError
from ..kernel.times import iso
from ..web.pages import SIGNED_IN_FORM as FORMS
from ..web.pages import checked_form, render
from ..workspaces import scope
from . import commands
from .commands import KeyInputError
from .shapes import render as _view

bp = Blueprint(__name__)


def _admin(request) -> Caller:
    """Organization-level access by an admin: a signed-in admin or an organization key."""
    return organization_admin(request, "manage API keys")


@bp.route("/v1/api-keys", methods=["POST"])
@json_view
def create_api_key():
    request = bp.current_request
    c = _admin(request)
    b = body(request)
    name = read_name(b, "name")
    ws_uuid = string(b, "workspaceUUID", max_len=64)
    try:
        client, secret = commands.create_key(c.organization_uuid, name, ws_uuid)
    except KeyInputError as e:
        raise ApiError(404, "NotFound", e.message, e.field) from None
    return Response(body={**_view(client), "secret": secret}, status_code=201,
                    headers={"Content-Type": "application/json", "Cache-Control": "no-store"})


@bp.route("/v1/api-keys", methods=["GET"])
@json_view
def list_api_keys():
    c = _admin(bp.current_request)
    return page([_view(k) for k in commands.keys(c.organization_uuid)],
                query(bp.current_request))


@bp.route("/v1/workspaces/{ws_uuid}/api-tokens", methods=["POST"])
@json_view
def create_workspace_key(ws_uuid):
    c = caller(bp.current_request)
    c.require_organization()
    ws = scope.workspace(c, ws_uuid)
    # The name is optional here (the SDK's route), but when given it follows the same rule.
    name = read_name(body(bp.current_request), "name", required=False, default="")
    client, secret = commands.create_workspace_key(ws, name)
    return Response(body={"clientId": client.client_id, "secret": secret,
                          "workspaceUUID": ws.uuid}, status_code=201)


@bp.route("/v1/api-keys/{client_id}", methods=["DELETE"])
@json_view
def revoke_api_key(client_id):
    """Revoke a key (idempotent). With ?purge=true, remove a revoked key from the list instead
    (409 while it is still active: revoke it first)."""
    c = _admin(bp.current_request)
    purge = _flag(query(bp.current_request), "purge")
    if purge:
        removed = commands.remove(c.organization_uuid, client_id)
        if removed is None:
            raise not_found("API key", client_id)
        return {**_view(removed), "removed": True}
    revoked = commands.revoke(c.organization_uuid, client_id)
    if revoked is None:
        raise not_found("API key", client_id)
    return _view(revoked)


def _flag(params: dict, name: str) -> bool:
    values = params.get(name)
    if not values:
        return False
    if values[-1] not in ("true", "false"):
        raise invalid(name, "must be true or false")
    return values[-1] == "true"


# ---- the page -------------------------------------------------------------------------------

def _shown(text: str) -> str:
    """A stored name as the page can show it: a name stored before names were checked may hold
    a lone surrogate, which cannot be encoded (the page would fail for good)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _keys_page(request, user, org, status: int = 200, **extra):
    rows = [{"client_id": k.client_id, "name": _shown(k.name), "workspace_uuid": k.workspace_uuid,
             "created": iso(k.created_at), "revoked": k.revoked}
            for k in commands.keys(org.uuid, newest_first=True)]
    workspaces = commands.live_workspaces(org.uuid)
    return render(request, "keys.html", status=status, user=user, org=org, keys=rows,
                  workspaces=workspaces, **extra)


@bp.route("/keys", methods=["GET"])
@signed_in_page(bp)
def keys_page(user, org):
    return _keys_page(bp.current_request, user, org)


@bp.route("/keys", methods=["POST"], content_types=FORMS)
@signed_in_page(bp)
def keys_create(user, org):
    request = bp.current_request
    data = checked_form(request)
    name = data.get("name", "").strip()
    if not is_name(name):
        return _keys_page(request, user, org, status=400,
                          error=f"Choose another name: a key name {NAME_HINT}.")
    try:
        client, secret = commands.create_key(org.uuid, name,
                                             data.get("workspace", "").strip() or None)
    except KeyInputError as e:
        return _keys_page(request, user, org, status=400,
                          error=f"{e.message[0].upper()}{e.message[1:]}: choose another one.")
    return _keys_page(request, user, org, created=client, secret=secret)


@bp.route("/keys/{client_id}/revoke", methods=["POST"], content_types=FORMS)
@signed_in_page(bp)
def keys_revoke(user, org, client_id):
    request = bp.current_request
    checked_form(request)
    if commands.revoke(org.uuid, client_id) is None:
        return _keys_page(request, user, org, status=404,
                          error="That API key does not exist in your organization.")
    return _keys_page(request, user, org, notice=f"API key {client_id} revoked.")


@bp.route("/keys/{client_id}/remove", methods=["POST"], content_types=FORMS)
@signed_in_page(bp)
def keys_remove(user, org, client_id):
    """The Remove button of a revoked key: the key leaves the list for good."""
    request = bp.current_request
    checked_form(request)
    try:
        removed = commands.remove(org.uuid, client_id)
    except DomainError:
        return _keys_page(request, user, org, status=409,
                          error="Revoke that API key first: only a revoked key can be removed.")
    if removed is None:
        return _keys_page(request, user, org, status=404,
                          error="That API key does not exist in your organization.")
    return _keys_page(request, user, org, notice=f"API key {client_id} removed.")
