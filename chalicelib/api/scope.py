"""What a caller may reach: its own workspace (workspace key) or its organization's workspaces
(organization key). Anything else is a 404, never a hint that it exists."""
from __future__ import annotations

from typing import Any, Callable

from .. import identity
from .auth import Caller
from .http import not_found


def workspace(c: Caller, ws_uuid: str,
              load: Callable[[str, str], Any] = identity.get_workspace) -> Any:
    """The workspace as `load(org_uuid, ws_uuid)` reads it (the identity record by default,
    or the full lifecycle state), if the caller may reach it."""
    if c.workspace_uuid and c.workspace_uuid != ws_uuid:
        raise not_found("workspace", ws_uuid)
    ws = load(c.organization_uuid, ws_uuid)
    if ws is None:
        raise not_found("workspace", ws_uuid)
    return ws


def own_workspace(c: Caller) -> identity.Workspace:
    return workspace(c, c.require_workspace())
