"""AMI sharing with an organization's linked account: one event-sourced share per region
(machine.py), driven by the engine, scoped to the organization.

`start(org)` (re)starts the four shares after a link; `status(org_uuid)` is what Settings shows
per region; `ready(org_uuid)` is the green light. A share's uuid is derived from (organization,
region), so starting twice finds the same four shares without a lookup table.
"""
from __future__ import annotations

import uuid as uuidlib

from ..engine import driver as engine
from ..identity.organizations import Organization
from ..kernel import clock
from ..kernel.ids import new_uuid
from ..kernel.regions import REGIONS
from ..kernel.state import load
from ..kernel.times import iso
from ..store import aggregates
from . import machine as m
from .machine import KIND, ImageShare, ShareStatus

NAMESPACE = uuidlib.UUID("6f0c1d0e-8a63-5b8e-9d51-3c0a3b6c2f41")


def share_uuid(org_uuid: str, region: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, f"{org_uuid}/{region}"))


def start(org: Organization) -> None:
    """Share the platform's images with the organization's linked account in every region, one
    task per region. Idempotent: a share already under way for that account is left alone; a
    shared or failed one is requested again (which re-checks every image); a new account
    (re-link) is shared from scratch."""
    if not org.linked:
        raise ValueError(f"organization {org.uuid} has no linked account to share images with")
    for region in REGIONS:
        _request(org, region)


def _request(org: Organization, region: str) -> None:
    uuid, task_uuid = share_uuid(org.uuid, region), new_uuid()
    engine.execute(KIND, org.uuid, uuid, lambda state: m.decide_request(
        state, uuid, org.uuid, region, org.account_id, task_uuid, clock.now()))


def shares(org_uuid: str) -> dict[str, ImageShare]:
    """The organization's shares by region (one Query)."""
    found = [load(ImageShare, r.state) for r in aggregates.list_rows(KIND, org_uuid)]
    return {s.region: s for s in found if s.region in REGIONS}


def _view(s: ImageShare | None) -> dict:
    if s is None:
        return {"status": ShareStatus.PENDING.value, "reason": None, "updatedAt": None,
                "taskUUID": None, "attempts": 0, "retryAt": None, "accountId": None,
                "images": 0}
    return {"status": s.status.value, "reason": s.reason, "updatedAt": iso(s.updated_at),
            "taskUUID": s.task.uuid if s.task else None, "attempts": s.attempts,
            "retryAt": iso(s.retry_at), "accountId": s.account_id, "images": len(s.shared)}


def status(org_uuid: str) -> dict[str, dict]:
    """{region: {"status": PENDING|SHARED|FAILED, "reason", "updatedAt", "taskUUID",
    "attempts", "retryAt", "accountId", "images"}} for every region, PENDING when never
    started. `reason` is AWS's last refusal (also while a passing one is being retried)."""
    found = shares(org_uuid)
    return {region: _view(found.get(region)) for region in REGIONS}


def ready(org_uuid: str) -> bool:
    """Every region's share is SHARED: the account is ready (Settings turns green)."""
    found = shares(org_uuid)
    return all(r in found and found[r].status == ShareStatus.SHARED for r in REGIONS)
