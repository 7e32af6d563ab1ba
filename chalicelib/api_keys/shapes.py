"""An API key on the wire (never its secret, but once when it is made)."""
from __future__ import annotations

from ..identity.clients import Client
from ..kernel.times import iso


def render(c: Client) -> dict:
    return {"clientId": c.client_id, "name": c.name, "workspaceUUID": c.workspace_uuid,
            "scope": c.scope, "createdAt": iso(c.created_at), "revoked": c.revoked}
