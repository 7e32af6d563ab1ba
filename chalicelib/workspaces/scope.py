"""What a caller may reach: its own workspace (workspace key) or its organization's workspaces
(organization key). Anything else is a 404, never a hint that it exists. Other concepts' routes
reach a workspace through here (clusters are made in the caller's own)."""
from __future__ import annotations

from ..api.http import not_found
from ..identity.caller import Caller
from . import commands
from .machine import Workspace


def workspace(c: Caller, ws_uuid: str) -> Workspace:
    """The workspace's lifecycle state, if the caller may reach it."""
    if c.workspace_uuid and c.workspace_uuid != ws_uuid:
        raise not_found("workspace", ws_uuid)
    ws = commands.get(c.organization_uuid, ws_uuid)
    if ws is None:
        raise not_found("workspace", ws_uuid)
    return ws


def own_workspace(c: Caller) -> Workspace:
    return workspace(c, c.require_workspace())
