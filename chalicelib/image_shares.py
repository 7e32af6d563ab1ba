"""AMI sharing with an organization's linked account: one event-sourced share per region
(chalicelib/lifecycle/image_share.py), driven by the engine, scoped to the organization.

`start(org)` (re)starts the four shares after a link; `status(org_uuid)` is what Settings shows
per region; `ready(org_uuid)` is the green light. A share's uuid is derived from (organization,
region), so starting twice finds the same four shares without a lookup table.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime, timezone

from . import clock, engine, identity
from .cloud.images import REGIONS
from .lifecycle import image_share as m
from .lifecycle.image_share import ImageShare, ShareStatus
from .store import aggregates

KIND = "imageshare"
NAMESPACE = uuidlib.UUID("6f0c1d0e-8a63-5b8e-9d51-3c0a3b6c2f41")


def share_uuid(org_uuid: str, region: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, f"{org_uuid}/{region}"))


def start(org: identity.Organization) -> None:
    """Share the platform's images with the organization's linked account in every region, one
    task per region. Idempotent: a share already under way for that account is left alone; a
    shared or failed one is requested again (which re-checks every image); a new account
    (re-link) is shared from scratch."""
    if not org.linked:
        raise ValueError(f"organization {org.uuid} has no linked account to share images with")
    for region in REGIONS:
        _request(org, region)


def _request(org: identity.Organization, region: str) -> None:
    uuid = share_uuid(org.uuid, region)
    for _ in range(3):
        row = aggregates.get(KIND, org.uuid, uuid)
        state = ImageShare.from_dict(row.state) if row else None
        events = m.decide_request(state, uuid, org.uuid, region, org.account_id,
                                  identity.new_uuid(), clock.now())
        if not events:
            return
        try:
            engine.commit(KIND, org.uuid, uuid, row.version if row else 0, state, events)
            return
        except aggregates.Conflict:  # two first requests raced on a new share: decide again
            continue
    raise aggregates.Conflict(f"image share {uuid}: too many concurrent writers")


def shares(org_uuid: str) -> dict[str, ImageShare]:
    """The organization's shares by region (one Query)."""
    found = [ImageShare.from_dict(r.state) for r in aggregates.list_rows(KIND, org_uuid)]
    return {s.region: s for s in found if s.region in REGIONS}


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _view(s: ImageShare | None) -> dict:
    if s is None:
        return {"status": ShareStatus.PENDING.value, "reason": None, "updatedAt": None,
                "taskUUID": None, "attempts": 0, "retryAt": None, "accountId": None,
                "images": 0}
    return {"status": s.status.value, "reason": s.reason, "updatedAt": _iso(s.updated_at),
            "taskUUID": s.task.uuid if s.task else None, "attempts": s.attempts,
            "retryAt": _iso(s.retry_at), "accountId": s.account_id, "images": len(s.shared)}


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
