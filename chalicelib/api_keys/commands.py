"""Making, revoking and removing API keys for the organization and its live workspaces."""
from __future__ import annotations

from ..identity import clients
from ..identity.clients import Client
from ..kernel.errors import DomainError
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus


class KeyInputError(Exception):
    """The key cannot be made for what was named: `field` says which input."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


def create_key(org_uuid: str, name: str, workspace_uuid: str | None) -> tuple[Client, str]:
    """An organization key, or a key of one of the organization's workspaces that is not
    removed. Returns the client and its secret (shown once). Raises KeyInputError."""
    if workspace_uuid:
        ws = workspaces.get(org_uuid, workspace_uuid)
        if ws is None or ws.status == WorkspaceStatus.TERMINATED:
            raise KeyInputError(f"workspace {workspace_uuid} not found in your organization",
                                "workspaceUUID")
    return clients.create_client(org_uuid, workspace_uuid or None, name=name)


def create_workspace_key(ws: Workspace, name: str) -> tuple[Client, str]:
    """A key for the SDK's workspace token route, for a workspace the caller reached: refused
    (DomainError) once it is being removed."""
    if ws.status in (WorkspaceStatus.TERMINATING, WorkspaceStatus.TERMINATED):
        raise DomainError(f"Workspace {ws.name} is {ws.status.value}: keys can be made only for "
                          f"a workspace that is not removed.")
    return clients.create_client(ws.organization_uuid, ws.uuid, name=name)


def keys(org_uuid: str, newest_first: bool = False) -> list[Client]:
    return sorted(clients.list_clients(org_uuid), key=lambda k: k.created_at,
                  reverse=newest_first)


def live_workspaces(org_uuid: str) -> list:
    """The workspaces a new key can be made for."""
    return workspaces.live(org_uuid)


def revoke(org_uuid: str, client_id: str) -> Client | None:
    return clients.revoke_client(org_uuid, client_id)


def remove(org_uuid: str, client_id: str) -> Client | None:
    """Remove a revoked key from the organization for good (None if it has no such key).
    Raises DomainError while the key is still active: revoke it first."""
    return clients.delete_client(org_uuid, client_id)
