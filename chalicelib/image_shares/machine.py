"""The AMI share state machine: one aggregate per (organization, region) granting the linked
customer account launch permission on every Bodo image the platform publishes in that region.

PENDING (a share was requested: a link, a re-link, a retry, new images) -> SHARED once every
published image is shared, or FAILED with AWS's reason. A FAILED share is retried with backoff
(its RETRY step waits until `retry_at`, then requests the share again); a passing error
(throttling) keeps it PENDING and tries again after the same backoff. A SHARED share keeps
looking for images published later (its VERIFY step) and reopens itself when it finds some.
Every request is a task NEW -> INPROGRESS -> FINISHED / FAILED.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.events import event
from ..kernel.task import CarriesTasks, Task, TaskMove


class ShareStatus(str, Enum):
    PENDING = "PENDING"
    SHARED = "SHARED"
    FAILED = "FAILED"


S = ShareStatus
KIND = "imageshare"
SHARE_IMAGES = "SHARE_IMAGES"
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 900       # a failed region is retried at least every 15 minutes
REVERIFY_SECONDS = 3600         # a SHARED share's next look for new images is due (the tick)
                                # within the hour; a delayed queue message (at most 15
                                # minutes) may look sooner: a look is cheap (see steps)


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure in a row (1, 2, ...)."""
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_MAX_SECONDS))


# ---- events -------------------------------------------------------------------------------

@event
class ImageShareRequested:
    share_uuid: str
    organization_uuid: str
    region: str
    account_id: str
    task_uuid: str
    retry: bool             # the platform's own retry of a failed share (attempts carry on)
    at: float


@event
class ImagesShared:
    """Every published image is now shared; `image_ids` are the ones this step added."""
    account_id: str
    image_ids: tuple
    at: float


@event
class ImageShareFailed:
    """A lasting refusal (AccessDenied, a bad account): FAILED until the retry succeeds."""
    account_id: str
    image_ids: tuple        # shared before the failure (kept: the retry skips them)
    reason: str
    retry_at: float
    at: float


@event
class ImageShareDeferred:
    """A passing refusal (throttling, AWS unavailable): still PENDING, tried again later."""
    account_id: str
    image_ids: tuple
    reason: str
    retry_at: float
    at: float


@event
class NewImagesPublished:
    """A SHARED share found images published since: it is PENDING again, with a new task."""
    account_id: str
    image_ids: tuple
    task_uuid: str
    at: float


TRANSITIONS: dict[tuple[ShareStatus | None, type], ShareStatus] = {
    (None, ImageShareRequested): S.PENDING,
    **{(s, ImageShareRequested): S.PENDING for s in S},
    (S.PENDING, ImagesShared): S.SHARED,
    (S.PENDING, ImageShareFailed): S.FAILED,
    (S.PENDING, ImageShareDeferred): S.PENDING,
    (S.SHARED, NewImagesPublished): S.PENDING,
}


class Step(str, Enum):
    SHARE = "SHARE"      # PENDING: grant launch permission on what is not shared yet
    RETRY = "RETRY"      # FAILED: once retry_at has come, request the share again
    VERIFY = "VERIFY"    # SHARED: look for images published since


@dataclass(frozen=True)
class ImageShare(CarriesTasks):
    uuid: str
    organization_uuid: str
    region: str
    account_id: str
    status: ShareStatus
    created_at: float
    updated_at: float
    in_state_since: float = 0.0
    shared: tuple[str, ...] = ()      # image ids shared with account_id
    attempts: int = 0                 # failures in a row since the last request by a person
    reason: str | None = None         # the last failure's reason (cleared once SHARED)
    retry_at: float | None = None     # when a failed or deferred share is tried again
    tasks: tuple[Task, ...] = ()

    def share_task(self, task_uuid: str, detail: str, at: float) -> "ImageShare":
        return self.open_task(task_uuid, SHARE_IMAGES, at, "Superseded by a newer share request",
                              details=(detail,))


# ---- folding ------------------------------------------------------------------------------

def allows(state: ImageShare | None, e: Any) -> bool:
    """The table, plus: a step's result for an account the organization has since left (a
    re-link raced the step) is no longer a fact about this share."""
    if not table.allowed(TRANSITIONS, state, e):
        return False
    return isinstance(e, ImageShareRequested) or e.account_id == state.account_id


def evolve(state: ImageShare | None, e: Any) -> ImageShare:
    """Apply one event. An event `allows` refuses is a bug in the caller: it raises."""
    if not allows(state, e):
        raise ValueError(f"{type(e).__name__} is not allowed in status "
                         f"{state.status.value if state else None} for account "
                         f"{getattr(e, 'account_id', None)}")
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, ImageShareRequested):
        if state is None:
            state = ImageShare(e.share_uuid, e.organization_uuid, e.region, e.account_id,
                               status, created_at=e.at, updated_at=e.at, in_state_since=e.at)
        same = state.account_id == e.account_id
        what = (f"Retry {state.attempts + 1}: sharing" if e.retry else "Sharing")
        s = replace(state, account_id=e.account_id, shared=state.shared if same else (),
                    attempts=state.attempts if e.retry else 0,
                    reason=state.reason if e.retry else None, retry_at=None)
        s = s.share_task(e.task_uuid, f"{what} Bodo images with account {e.account_id} in "
                                     f"{e.region}", e.at)
        return table.stamp(state, s, status, e.at)
    return table.stamp(state, _apply(state, e), status, e.at)


def _ids(ids) -> str:
    return ", ".join(ids) if ids else "none"


def _apply(s: ImageShare, e: Any) -> ImageShare:
    if isinstance(e, ImagesShared):
        shared = s.shared + tuple(i for i in e.image_ids if i not in s.shared)
        return replace(s, shared=shared, attempts=0, reason=None, retry_at=None).with_task(
            TaskMove.FINISH, f"Shared {len(e.image_ids)} image(s) with account {s.account_id} "
                             f"in {s.region} ({_ids(e.image_ids)}); {len(shared)} shared in all",
            e.at)
    if isinstance(e, (ImageShareFailed, ImageShareDeferred)):
        shared = s.shared + tuple(i for i in e.image_ids if i not in s.shared)
        s = replace(s, shared=shared, attempts=s.attempts + 1, reason=e.reason,
                    retry_at=e.retry_at)
        partial = f" ({len(e.image_ids)} image(s) shared before it)" if e.image_ids else ""
        if isinstance(e, ImageShareFailed):
            return s.with_task(TaskMove.FAIL, f"Sharing failed in {s.region}: {e.reason}"
                                              f"{partial}; the platform retries it", e.at)
        return s.with_task(TaskMove.PROGRESS, f"AWS asked to slow down ({e.reason}){partial};"
                                              " trying again shortly", e.at)
    if isinstance(e, NewImagesPublished):
        return s.share_task(e.task_uuid, f"New Bodo image(s) published in {s.region}: "
                                        f"{_ids(e.image_ids)}; sharing them with account "
                                        f"{s.account_id}", e.at)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


# ---- commands -----------------------------------------------------------------------------

def decide_request(state: ImageShare | None, share_uuid: str, organization_uuid: str,
                   region: str, account_id: str, task_uuid: str, at: float) -> list:
    """A share requested by a person (a link or re-link). Nothing new while the same account's
    share is already under way; anything else (re)starts it."""
    if (state is not None and state.status == S.PENDING and state.account_id == account_id):
        return []
    return [ImageShareRequested(share_uuid, organization_uuid, region, account_id, task_uuid,
                                False, at)]


# ---- what is pending ----------------------------------------------------------------------

def next_step(s: ImageShare) -> Step:
    """A share always has one: even a SHARED one keeps watching for new images."""
    if s.status == S.PENDING:
        return Step.SHARE
    if s.status == S.FAILED:
        return Step.RETRY
    return Step.VERIFY


def wait_seconds(s: ImageShare, now: float) -> float:
    """How long the pending step should still wait (0: run it now)."""
    if s.status == S.SHARED or s.retry_at is None:
        return 0.0
    return max(0.0, s.retry_at - now)
