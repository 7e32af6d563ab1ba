"""Organizations: the tenant every request is scoped by, with its External ID and its link to
the customer's AWS account (the link is verified and made by chalicelib/linking; this module
keeps the record).

Row in the state table: (org#<uuid>, org).
"""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, replace

from ..kernel import clock
from ..kernel.ids import new_uuid
from ..store import records


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


def _key(org_uuid: str) -> tuple[str, str]:
    return f"org#{org_uuid}", "org"


def _put(org: Organization, only_if_new: bool = False) -> None:
    records.put_record(*_key(org.uuid), "org", asdict(org), only_if_new=only_if_new)


def create_organization(name: str) -> Organization:
    org = Organization(new_uuid(), name, external_id=secrets.token_hex(24), created_at=clock.now())
    _put(org, only_if_new=True)
    return org


def get_organization(org_uuid: str) -> Organization | None:
    body = records.get_record(*_key(org_uuid))
    return Organization(**body) if body else None


def save_link(org: Organization, account_id: str, role_arn: str, region: str,
              cloud_config_name: str | None = None) -> Organization:
    """Record a verified link to the customer's account (verification is the caller's job)."""
    current = get_organization(org.uuid) or org
    linked = replace(current, account_id=account_id, role_arn=role_arn, region=region,
                     cloud_config_uuid=current.cloud_config_uuid or new_uuid(),
                     cloud_config_name=(cloud_config_name or current.cloud_config_name
                                        or "AWS"))
    _put(linked)
    return linked


def rename_link(org: Organization, cloud_config_name: str) -> Organization:
    renamed = replace(org, cloud_config_name=cloud_config_name)
    _put(renamed)
    return renamed


def remove_link(org: Organization) -> Organization:
    """Forget the link (the cloud config's uuid stays, for the next link)."""
    unlinked = replace(org, account_id=None, role_arn=None, region=None)
    _put(unlinked)
    return unlinked
