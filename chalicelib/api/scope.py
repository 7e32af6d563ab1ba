"""What a caller may reach: its own workspace (workspace key) or its organization's workspaces
(organization key). Anything else is a 404, never a hint that it exists."""
from __future__ import annotations

from .. import identity
from .auth import Caller
from .http import not_found


def workspace(c: Caller, ws_uuid: str) -> identity.Workspace:
    if c.workspace_uuid and c.workspace_uuid != ws_uuid:
        raise not_found("workspace", ws_uuid)
    ws = identity.get_workspace(c.organization_uuid, ws_uuid)
    if ws is None:
        raise not_found("workspace", ws_uuid)
    return ws


def own_workspace(c: Caller) -> identity.Workspace:
    return workspace(c, c.require_workspace())
