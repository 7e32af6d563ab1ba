"""Each pending AMI share step as one side effect in the platform's own account (no customer
role is needed to grant launch permission), returning the events that say what happened.

Idempotent: ModifyImageAttribute adding a permission the account already has changes nothing,
and the share records which images it has shared, so a retry only grants the rest. Partial
failure: every image is tried; those that were shared are recorded even when another failed.
Images published later: a SHARED share's VERIFY step compares the region's published images
(listed at most once per `PUBLISHED_TTL_SECONDS` per process, so this costs one DescribeImages
per region, not per organization) with what it has shared, and reopens itself for new ones.
"""
from __future__ import annotations

import threading

from ..cloud import images
from ..cloud.sessions import platform_client
from ..engine.steps import Wait, runner
from ..identity.organizations import get_organization
from ..kernel import clock
from ..kernel.errors import CloudError
from ..kernel.ids import new_uuid
from . import machine as m
from .machine import ImageShare, Step

PUBLISHED_TTL_SECONDS = 300
_lock = threading.Lock()
_published: dict[str, tuple[float, tuple[str, ...]]] = {}


def published_ids(region: str, fresh: bool = False) -> tuple[str, ...]:
    """The ids of the images the platform publishes in `region` (cached unless `fresh`)."""
    now = clock.now()
    with _lock:
        cached = _published.get(region)
    if cached and cached[0] > now and not fresh:
        return cached[1]
    ids = tuple(i.image_id for i in images.published(platform_client("ec2", region)))
    with _lock:
        _published[region] = (now + PUBLISHED_TTL_SECONDS, ids)
    return ids


def forget() -> None:
    with _lock:
        _published.clear()


def _waiting(step_fn):
    """A failed or deferred share's step waits until its retry time has come."""
    def run(s: ImageShare, now: float):
        wait = m.wait_seconds(s, now)
        if wait > 0:
            return Wait(wait, f"retry at {s.retry_at}")
        return step_fn(s, now)
    return run


def _retry(s: ImageShare, now: float) -> list:
    return [m.ImageShareRequested(s.uuid, s.organization_uuid, s.region, s.account_id,
                                  new_uuid(), True, now)]


def _verify(s: ImageShare, now: float):
    if not _still_linked(s):  # unlinked, or a re-link not started yet: share nothing more
        return Wait(m.REVERIFY_SECONDS, "the organization left this account")
    new = tuple(i for i in published_ids(s.region) if i not in s.shared)
    if not new:
        return Wait(m.REVERIFY_SECONDS, "every published image is shared")
    return [m.NewImagesPublished(s.account_id, new, new_uuid(), now)]


def _still_linked(s: ImageShare) -> bool:
    org = get_organization(s.organization_uuid)
    return org is not None and org.linked and org.account_id == s.account_id


def _share(s: ImageShare, now: float) -> list:
    ec2 = platform_client("ec2", s.region)
    done: list[str] = []
    lasting: list[tuple[str, str]] = []
    try:
        todo = [i for i in published_ids(s.region, fresh=True) if i not in s.shared]
        for image_id in todo:
            try:
                images.grant(ec2, image_id, s.account_id)
            except CloudError as e:
                if e.transient:
                    raise
                lasting.append((image_id, e.reason))
            else:
                done.append(image_id)
    except CloudError as e:  # passing (or listing the images failed): try again later
        retry_at = now + m.backoff(s.attempts + 1)
        if e.transient:
            return [m.ImageShareDeferred(s.account_id, tuple(done), e.reason, retry_at, now)]
        return [m.ImageShareFailed(s.account_id, tuple(done), e.reason, retry_at, now)]
    if lasting:
        reasons = list(dict.fromkeys(r for _, r in lasting))
        reason = (f"{reasons[0]} (for {len(lasting)} of {len(todo)} image(s): "
                  f"{', '.join(i for i, _ in lasting[:3])}{', ...' if len(lasting) > 3 else ''})")
        if len(reasons) > 1:
            reason += f"; and {len(reasons) - 1} other error(s) such as {reasons[1]}"
        return [m.ImageShareFailed(s.account_id, tuple(done), reason,
                                   now + m.backoff(s.attempts + 1), now)]
    return [m.ImagesShared(s.account_id, tuple(done), now)]


# Errors are the share's own business (_share records them): none reaches the wrapper.
run = runner({Step.SHARE: _waiting(_share), Step.RETRY: _waiting(_retry),
              Step.VERIFY: _waiting(_verify)})
