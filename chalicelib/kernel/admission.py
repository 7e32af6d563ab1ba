"""Whether an organization may start new work: clusters, notebooks, job runs. A concept that
can forbid it (subscriptions: the AWS Marketplace subscription failed or ended; spend caps
later) registers a check at wiring time; the create paths ask `require` without importing
the concepts above them, as kernel.holds does for what a container holds.

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


Check = Callable[[str], "Refusal | None"]   # organization uuid -> why not, or None

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """`check(org_uuid)` says why the organization may not start new work (None: it may)."""
    _checks[name] = check


def require(org_uuid: str, what: str) -> None:
    """Raise DomainError if a registered check refuses new `what` ("clusters") for the
    organization; the message names what was refused and why."""
    for check in _checks.values():
        refusal = check(org_uuid)
        if refusal is not None:
            raise DomainError(f"New {what} are refused: {refusal.reason}", code=refusal.code)
