"""Whether an organization's link still works, checked cheaply and often.

A check is one AssumeRole with the organization's External ID: what the customer can break
(the role deleted, its trust policy changed) shows there at once, while credentials already
assumed would keep working for their hour. A link is checked when its last check is older than
a few minutes (at its next use, by any process: the result is one row, shared), and at once
whenever AWS refuses a call made through it (sessions tells `refused`).

A failed check is recorded with AWS's reason; every process that learns of it drops what it
cached for the link (credentials and clients, and what the concepts above registered with
`on_failure`: the catalog's lists), and acting through the link is refused with that reason
(LinkFailed) until a check passes again.

Row in the state table: (org#<uuid>, link-check), naming the link it is about: a check of a
link since replaced counts for nothing.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from ..cloud import sessions
from ..cloud.sessions import Link
from ..identity import organizations
from ..kernel import clock
from ..kernel.errors import CloudError
from ..kernel.times import iso
from ..store import records

log = logging.getLogger("corral.linking")

CHECK_EVERY_SECONDS = 300      # a working link is checked again after 5 minutes
RECHECK_FAILED_SECONDS = 60    # a failed one after a minute (its owner is likely fixing it)
TRUST_SECONDS = 60             # how long a process goes by what it last read of a link

KIND = "link-check"


@dataclass(frozen=True)
class Health:
    """The last check of a link: ok (None: not checked yet), AWS's code and message when it
    failed, and when it was made."""

    ok: bool | None
    code: str | None = None
    message: str | None = None
    checked_at: float | None = None

    @property
    def reason(self) -> str | None:
        return f"{self.code}: {self.message}" if self.code else None

    def due(self, now: float) -> bool:
        if self.checked_at is None:
            return True
        return now - self.checked_at >= (CHECK_EVERY_SECONDS if self.ok
                                         else RECHECK_FAILED_SECONDS)

    def render(self) -> dict:
        status = {True: "OK", False: "FAILED", None: "UNCHECKED"}[self.ok]
        return {"status": status, "reason": self.reason,
                "checkedAt": iso(self.checked_at) if self.checked_at else None}


UNCHECKED = Health(None)


class LinkFailed(CloudError):
    """The link failed its last check: raised instead of acting through it. `code` and
    `message` are AWS's answer to the check (a lasting error)."""

    def __init__(self, link: Link, health: Health):
        super().__init__(health.code or "LinkFailed", health.message or "", transient=False)
        self.account_id = link.account_id
        self.checked_at = health.checked_at


# ---- the row --------------------------------------------------------------------------------

def _key(org_uuid: str) -> tuple[str, str]:
    return f"org#{org_uuid}", KIND


def _about(link: Link) -> dict:
    return {"roleArn": link.role_arn, "externalId": link.external_id,
            "accountId": link.account_id}


def _read(link: Link) -> Health:
    body = records.get_record(*_key(link.owner))
    if not body or {k: body.get(k) for k in _about(link)} != _about(link):
        return UNCHECKED
    return Health(body["ok"], body.get("code"), body.get("message"), body["checkedAt"])


def _write(link: Link, health: Health) -> None:
    records.put_record(*_key(link.owner), KIND, {
        **_about(link), "ok": health.ok, "code": health.code, "message": health.message,
        "checkedAt": health.checked_at})


# ---- what this process knows ----------------------------------------------------------------

_lock = threading.Lock()
_known: dict[str, tuple[Link, Health, float]] = {}   # org uuid -> (link, health, trusted until)
_on_failure: dict[str, Callable[[Link], None]] = {}


def on_failure(name: str, drop: Callable[[Link], None]) -> None:
    """Call `drop(link)` whenever this process learns that `link` failed its check (a cache
    of what was read through the link ends there). Registering a name again replaces it."""
    _on_failure[name] = drop


def _learn(link: Link, health: Health) -> Health:
    with _lock:
        _known[link.owner] = (link, health, clock.now() + TRUST_SECONDS)
    if health.ok is False:
        sessions.drop(link)
        for drop in list(_on_failure.values()):
            drop(link)
    return health


def check(link: Link) -> Health:
    """Check the link now (one AssumeRole), record and learn the result. A passing AWS error
    (throttling) proves nothing: what was known stays."""
    now = clock.now()
    try:
        sessions.assume(link, fresh=True)   # the fresh credentials replace the cached ones
        health = Health(True, checked_at=now)
    except CloudError as e:
        if e.transient:
            log.warning("link of %s not checked: %s", link.owner, e.reason)
            return _learn(link, _read(link))
        health = Health(False, e.code, e.message, now)
        log.warning("link of organization %s to account %s failed its check: %s",
                    link.owner, link.account_id, health.reason)
    _write(link, health)
    return _learn(link, health)


def passed(link: Link) -> None:
    """Record that the link was just verified (it was saved after a full check)."""
    health = Health(True, checked_at=clock.now())
    _write(link, health)
    _learn(link, health)


def current(org_uuid: str) -> tuple[Link, Health]:
    """The organization's link and how it stands, checked first when its last check is due.
    Raises CloudError AccountNotLinked when it has none."""
    now = clock.now()
    with _lock:
        known = _known.get(org_uuid)
    if known and known[2] > now:
        return known[0], known[1]
    org = organizations.get_organization(org_uuid)
    if org is None or not org.linked:
        forget(org_uuid)
        raise CloudError("AccountNotLinked", "the organization has no linked AWS account; "
                         "link one in Settings first", transient=False)
    link = Link(org.role_arn, org.external_id, org.account_id, owner=org_uuid)
    if known and known[0] != link:
        sessions.drop(known[0])   # re-linked elsewhere: the old link's credentials are of no use
    health = _read(link)
    if health.due(now):
        return link, check(link)
    return link, _learn(link, health)


def usable(org_uuid: str) -> Link:
    """The link to act through; LinkFailed when it failed its last check."""
    link, health = current(org_uuid)
    if health.ok is False:
        raise LinkFailed(link, health)
    return link


def refused(link: Link, error: CloudError) -> None:
    """AWS refused a call made through `link` (sessions' watcher): check the link at once. A
    link that passes stays usable: the call lacked a permission, which its own error says."""
    if not link.owner:
        return   # a link being tried before it is saved: its caller hears the answer
    with _lock:
        known = _known.get(link.owner)
    if known and known[0] != link:
        sessions.drop(link)   # an old link of the organization, replaced since
        return
    log.info("a call through the link of %s was refused (%s): checking it", link.owner,
             error.reason)
    check(link)


def forget(org_uuid: str | None = None) -> None:
    """Drop what this process knows of one organization's link, or of all (tests)."""
    with _lock:
        if org_uuid is None:
            _known.clear()
        else:
            _known.pop(org_uuid, None)
