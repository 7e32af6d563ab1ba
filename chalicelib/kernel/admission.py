"""Whether new work may start in a workspace of an organization: clusters, notebooks, job runs,
and a paused or stopped cluster started again. A concept that can forbid it registers a check
at wiring time (subscriptions: the organization's AWS Marketplace subscription failed or
ended; spend caps: the workspace's monthly cap is reached); the create and resume paths ask
`require` without importing the concepts above them, as kernel.holds does for what a
container holds.

A refusal is a DomainError (the API's 409, which the official SDK raises as
ConflictException with the reply's message) whose `code` names the rule."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .errors import DomainError


@dataclass(frozen=True)
class Refusal:
    code: str       # the reply's `error`, e.g. "SubscriptionInactive"
    reason: str     # a sentence saying why, and what to do about it


# (organization uuid, workspace uuid) -> why not, or None
Check = Callable[[str, str], "Refusal | None"]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """`check(org_uuid, workspace_uuid)` says why no new work may start there (None: it
    may). A check about the whole organization ignores the workspace."""
    _checks[name] = check


def refusal(org_uuid: str, workspace_uuid: str) -> Refusal | None:
    """The first registered check's refusal, or None."""
    for check in _checks.values():
        found = check(org_uuid, workspace_uuid)
        if found is not None:
            return found
    return None


def require(org_uuid: str, workspace_uuid: str, what: str, refused: str = "") -> None:
    """Raise DomainError if a registered check refuses new `what` ("clusters") in the
    workspace; the message says what was refused (`refused`, by default "New <what> are
    refused") and why."""
    found = refusal(org_uuid, workspace_uuid)
    if found is not None:
        raise DomainError(f"{refused or f'New {what} are refused'}: {found.reason}",
                          code=found.code)
