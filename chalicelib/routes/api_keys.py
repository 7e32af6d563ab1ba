"""API keys (client id + secret) for the organization and its workspaces: the keys the official
SDK signs in with. An organization admin (signed in, or with an organization key) creates,
lists and revokes them; the secret is shown once and stored only as a hash."""
from __future__ import annotations

from datetime import datetime, timezone

from chalice import Blueprint, Response

from .. import identity, users
from ..api.auth import Caller, caller
from ..api.http import ApiError, body, json_view, not_found, page, query
from ..api.validate import NAME, string
from ..web import SIGNED_IN_FORM as FORMS, checked_form, page_view, render

bp = Blueprint(__name__)
NAME_HINT = ("must be 1-64 letters, digits, spaces, '.', '_' or '-', starting with a letter "
             "or digit")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _view(c: identity.Client) -> dict:
    return {"clientId": c.client_id, "name": c.name, "workspaceUUID": c.workspace_uuid,
            "scope": c.scope, "createdAt": _iso(c.created_at), "revoked": c.revoked}


def _admin(request) -> Caller:
    """Organization-level access by an admin: a signed-in admin or an organization key."""
    c = caller(request)
    c.require_organization()
    if c.user_uuid:
        user = users.get_user(c.user_uuid)
        if user is None or user.role != users.ADMIN:
            raise ApiError(403, "Forbidden", "only an organization admin can manage API keys")
    return c


class KeyInputError(Exception):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


def create_key(org_uuid: str, name: str, workspace_uuid: str | None) -> tuple[identity.Client, str]:
    if workspace_uuid:
        ws = identity.get_workspace(org_uuid, workspace_uuid)
        if ws is None or ws.status == "TERMINATED":
            raise KeyInputError(f"workspace {workspace_uuid} not found in your organization",
                                "workspaceUUID")
    return identity.create_client(org_uuid, workspace_uuid or None, name=name)


@bp.route("/v1/api-keys", methods=["POST"])
@json_view
def create_api_key():
    request = bp.current_request
    c = _admin(request)
    b = body(request)
    name = string(b, "name", required=True, max_len=64, pattern=NAME, hint=NAME_HINT)
    ws_uuid = string(b, "workspaceUUID", max_len=64)
    try:
        client, secret = create_key(c.organization_uuid, name, ws_uuid)
    except KeyInputError as e:
        raise ApiError(404, "NotFound", e.message, e.field) from None
    return Response(body={**_view(client), "secret": secret}, status_code=201,
                    headers={"Content-Type": "application/json", "Cache-Control": "no-store"})


@bp.route("/v1/api-keys", methods=["GET"])
@json_view
def list_api_keys():
    c = _admin(bp.current_request)
    keys = sorted(identity.list_clients(c.organization_uuid), key=lambda k: k.created_at)
    return page([_view(k) for k in keys], query(bp.current_request))


@bp.route("/v1/api-keys/{client_id}", methods=["DELETE"])
@json_view
def revoke_api_key(client_id):
    c = _admin(bp.current_request)
    revoked = identity.revoke_client(c.organization_uuid, client_id)
    if revoked is None:
        raise not_found("API key", client_id)
    return _view(revoked)


# ---- the page -------------------------------------------------------------------------------

def _keys_page(request, user, org, status: int = 200, **extra):
    keys = sorted(identity.list_clients(org.uuid), key=lambda k: k.created_at, reverse=True)
    rows = [{"client_id": k.client_id, "name": k.name, "workspace_uuid": k.workspace_uuid,
             "created": _iso(k.created_at), "revoked": k.revoked} for k in keys]
    workspaces = [w for w in identity.list_workspaces(org.uuid) if w.status != "TERMINATED"]
    return render(request, "keys.html", status=status, user=user, org=org, keys=rows,
                  workspaces=workspaces, **extra)


@bp.route("/keys", methods=["GET"])
@page_view(bp, signed_in_only=True)
def keys_page(user, org):
    return _keys_page(bp.current_request, user, org)


@bp.route("/keys", methods=["POST"], content_types=FORMS)
@page_view(bp, signed_in_only=True)
def keys_create(user, org):
    request = bp.current_request
    data = checked_form(request)
    name = data.get("name", "").strip()
    if not NAME.match(name):
        return _keys_page(request, user, org, status=400,
                          error=f"Choose another name: a key name {NAME_HINT}.")
    try:
        client, secret = create_key(org.uuid, name, data.get("workspace", "").strip() or None)
    except KeyInputError as e:
        return _keys_page(request, user, org, status=400,
                          error=f"{e.message[0].upper()}{e.message[1:]}: choose another one.")
    return _keys_page(request, user, org, created=client, secret=secret)


@bp.route("/keys/{client_id}/revoke", methods=["POST"], content_types=FORMS)
@page_view(bp, signed_in_only=True)
def keys_revoke(user, org, client_id):
    request = bp.current_request
    checked_form(request)
    if identity.revoke_client(org.uuid, client_id) is None:
        return _keys_page(request, user, org, status=404,
                          error="That API key does not exist in your organization.")
    return _keys_page(request, user, org, notice=f"API key {client_id} revoked.")
