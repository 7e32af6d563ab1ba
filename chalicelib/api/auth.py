"""Who is calling: the bearer token, verified, and its client still not revoked."""
from __future__ import annotations

from dataclasses import dataclass

from .. import identity, tokens
from .http import ApiError


@dataclass(frozen=True)
class Caller:
    client_id: str
    organization_uuid: str
    workspace_uuid: str | None

    def require_workspace(self) -> str:
        if not self.workspace_uuid:
            raise ApiError(403, "Forbidden", "this call needs a workspace API key")
        return self.workspace_uuid

    def require_organization(self) -> str:
        if self.workspace_uuid:
            raise ApiError(403, "Forbidden", "this call needs an organization API key")
        return self.organization_uuid


def caller(request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Unauthorized", "missing bearer token")
    try:
        claims = tokens.verify(token.strip())
    except tokens.InvalidToken as e:
        raise ApiError(401, "Unauthorized", f"invalid token: {e}") from None
    client = identity.get_client(claims.client_id)
    if client is None or client.revoked or client.organization_uuid != claims.organization_uuid:
        raise ApiError(401, "Unauthorized", "this API key was revoked")
    return Caller(client.client_id, client.organization_uuid, client.workspace_uuid)
