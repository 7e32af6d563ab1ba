"""Organizations, workspaces and API clients: the identity records every request is scoped by.

Rows in the state table: an organization is (org#<uuid>, org); its workspaces are the
projections of their aggregates (chalicelib/workspaces.py), read here; an API client is (client#<id>, client). A client's secret is a
256-bit random string, stored only as its SHA-256 (a slow password hash buys nothing for a
secret that cannot be guessed); it is shown once, when created.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid as uuidlib
from dataclasses import asdict, dataclass

from . import clock
from .lifecycle.workspace import Workspace as WorkspaceState, WorkspaceSpec
from .store import aggregates as store

ORG_SCOPE = "organization"
WORKSPACE_SCOPE = "workspace"


@dataclass(frozen=True)
class Organization:
    uuid: str
    name: str
    external_id: str
    created_at: float
    account_id: str | None = None
    role_arn: str | None = None
    region: str | None = None
    # The link is the SDK's cloud config: a stable uuid given at the first link, and a name.
    cloud_config_uuid: str | None = None
    cloud_config_name: str | None = None

    @property
    def linked(self) -> bool:
        return bool(self.role_arn and self.account_id)


@dataclass(frozen=True)
class Workspace:
    uuid: str
    organization_uuid: str
    name: str
    region: str
    status: str
    created_at: float
    network: dict | None = None   # the organization's network in the region, once READY


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


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def create_organization(name: str) -> Organization:
    org = Organization(new_uuid(), name, external_id=secrets.token_hex(24), created_at=clock.now())
    store.put_record(f"org#{org.uuid}", "org", "org", asdict(org), only_if_new=True)
    return org


def get_organization(org_uuid: str) -> Organization | None:
    body = store.get_record(f"org#{org_uuid}", "org")
    return Organization(**body) if body else None


def save_link(org: Organization, account_id: str, role_arn: str, region: str,
              cloud_config_name: str | None = None) -> Organization:
    """Record a verified link to the customer's account (verification is the caller's job)."""
    current = get_organization(org.uuid) or org
    linked = Organization(**{**asdict(current), "account_id": account_id, "role_arn": role_arn,
                             "region": region,
                             "cloud_config_uuid": current.cloud_config_uuid or new_uuid(),
                             "cloud_config_name": (cloud_config_name or current.cloud_config_name
                                                   or "AWS")})
    store.put_record(f"org#{org.uuid}", "org", "org", asdict(linked))
    return linked


def rename_link(org: Organization, cloud_config_name: str) -> Organization:
    renamed = Organization(**{**asdict(org), "cloud_config_name": cloud_config_name})
    store.put_record(f"org#{org.uuid}", "org", "org", asdict(renamed))
    return renamed


def remove_link(org: Organization) -> Organization:
    """Forget the link (the cloud config's uuid stays, for the next link)."""
    unlinked = Organization(**{**asdict(org), "account_id": None, "role_arn": None,
                               "region": None})
    store.put_record(f"org#{org.uuid}", "org", "org", asdict(unlinked))
    return unlinked


def create_workspace(org: Organization, name: str, region: str) -> Workspace:
    """Request a workspace through its lifecycle (chalicelib/workspaces.py); it is NEW until the
    engine has verified the link and ensured the network (kept for seeding and tests)."""
    from . import workspaces  # the commands import this module
    spec = WorkspaceSpec(name=name, region=region, cloud_config_uuid=org.cloud_config_uuid or "")
    return _workspace(workspaces.create(org.uuid, spec))


# Workspaces are event-sourced aggregates in their organization's scope (kind "workspace"):
# these read the projection, the one source of truth, as the plain record other code expects.
WORKSPACE_KIND = "workspace"


def _workspace(state: WorkspaceState) -> Workspace:
    return Workspace(state.uuid, state.organization_uuid, state.spec.name, state.spec.region,
                     state.status.value, state.created_at, state.network)


def get_workspace(org_uuid: str, ws_uuid: str) -> Workspace | None:
    row = store.get(WORKSPACE_KIND, org_uuid, ws_uuid)
    return _workspace(WorkspaceState.from_dict(row.state)) if row else None


def list_workspaces(org_uuid: str) -> list[Workspace]:
    found = [_workspace(WorkspaceState.from_dict(r.state))
             for r in store.list_rows(WORKSPACE_KIND, org_uuid)]
    return sorted(found, key=lambda w: w.created_at)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_client(org_uuid: str, workspace_uuid: str | None = None,
                  name: str = "") -> tuple[Client, str]:
    """A new API key. Returns the client and its secret, which is not kept anywhere."""
    secret = secrets.token_urlsafe(32)
    client = Client(new_uuid(), _digest(secret), org_uuid, workspace_uuid, name, clock.now())
    store.put_record(f"client#{client.client_id}", "client", "client", asdict(client),
                     only_if_new=True)
    store.put_record(f"org#{org_uuid}", f"client#{client.client_id}", "client-ref", _ref(client))
    return client, secret


def get_client(client_id: str) -> Client | None:
    body = store.get_record(f"client#{client_id}", "client")
    return Client(**body) if body else None


def authenticate(client_id: str, secret: str) -> Client | None:
    client = get_client(client_id)
    if client is None or client.revoked:
        return None
    if not hmac.compare_digest(client.secret_sha256, _digest(secret)):
        return None
    return client


# ---- the organization's keys: listed from (org#<uuid>, client#<id>) rows, without hashes ----

def _ref(client: Client) -> dict:
    return {k: v for k, v in asdict(client).items() if k != "secret_sha256"}


def list_clients(org_uuid: str) -> list[Client]:
    """Every API key of the organization (its workspaces' too), revoked ones included."""
    return [Client(secret_sha256="", **ref)
            for ref in store.query_records(f"org#{org_uuid}", "client#")]


def revoke_client(org_uuid: str, client_id: str) -> Client | None:
    """Revoke one of the organization's keys (None if it has no such key). Idempotent."""
    client = get_client(client_id)
    if client is None or client.organization_uuid != org_uuid:
        return None
    if not client.revoked:
        client = Client(**{**asdict(client), "revoked": True})
        store.put_record(f"client#{client_id}", "client", "client", asdict(client))
        store.put_record(f"org#{org_uuid}", f"client#{client_id}", "client-ref", _ref(client))
    return client
