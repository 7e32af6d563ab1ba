"""API clients (the keys the official SDK signs in with), of an organization or one of its
workspaces.

Rows in the state table: (client#<id>, client) holds the client; (org#<uuid>, client#<id>) a
copy without the hash, so the organization's keys are one Query. A client's secret is a
256-bit random string, stored only as its SHA-256 (a slow password hash buys nothing for a
secret that cannot be guessed); it is shown once, when created.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, replace

from ..kernel import clock
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..store import records

ORG_SCOPE = "organization"
WORKSPACE_SCOPE = "workspace"


@dataclass(frozen=True)
class Client:
    client_id: str
    secret_sha256: str
    organization_uuid: str
    workspace_uuid: str | None
    name: str
    created_at: float
    revoked: bool = False

    @property
    def scope(self) -> str:
        return WORKSPACE_SCOPE if self.workspace_uuid else ORG_SCOPE


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _ref(client: Client) -> dict:
    return {k: v for k, v in asdict(client).items() if k != "secret_sha256"}


def _put(client: Client, only_if_new: bool = False) -> None:
    records.put_record(f"client#{client.client_id}", "client", "client", asdict(client),
                       only_if_new=only_if_new)
    records.put_record(f"org#{client.organization_uuid}", f"client#{client.client_id}",
                       "client-ref", _ref(client))


def create_client(org_uuid: str, workspace_uuid: str | None = None,
                  name: str = "") -> tuple[Client, str]:
    """A new API key. Returns the client and its secret, which is not kept anywhere."""
    secret = secrets.token_urlsafe(32)
    client = Client(new_uuid(), _digest(secret), org_uuid, workspace_uuid, name, clock.now())
    _put(client, only_if_new=True)
    return client, secret


def get_client(client_id: str) -> Client | None:
    body = records.get_record(f"client#{client_id}", "client")
    return Client(**body) if body else None


def authenticate(client_id: str, secret: str) -> Client | None:
    client = get_client(client_id)
    if client is None or client.revoked:
        return None
    if not hmac.compare_digest(client.secret_sha256, _digest(secret)):
        return None
    return client


def list_clients(org_uuid: str) -> list[Client]:
    """Every API key of the organization (its workspaces' too), revoked ones included."""
    return [Client(secret_sha256="", **ref)
            for ref in records.query_records(f"org#{org_uuid}", "client#")]


def revoke_client(org_uuid: str, client_id: str) -> Client | None:
    """Revoke one of the organization's keys (None if it has no such key). Idempotent."""
    client = get_client(client_id)
    if client is None or client.organization_uuid != org_uuid:
        return None
    if not client.revoked:
        client = replace(client, revoked=True)
        _put(client)
    return client


def delete_client(org_uuid: str, client_id: str) -> Client | None:
    """Delete one of the organization's revoked keys, both of its rows at once (None if it has
    no such key). Raises DomainError for a key still active: it must be revoked first, so a
    removal never cuts off a key in use without the revocation that says so."""
    client = get_client(client_id)
    if client is None or client.organization_uuid != org_uuid:
        return None
    if not client.revoked:
        raise DomainError(f"API key {client_id} is active: revoke it before removing it.",
                          "clientId")
    records.delete_records([(f"client#{client.client_id}", "client"),
                            (f"org#{client.organization_uuid}", f"client#{client.client_id}")])
    return client
