"""Subscription commands and reads: a notice received (from SNS or EventBridge, through
inbox.py), the customer's registration, the check that gates new work, and what is kept of
messages.

The customer of a notice is found through its registration (identity.customers: the
mpcustomer# row for a CustomerIdentifier, mpaccount# for an AWS account id). A notice for a
customer no organization registered yet is parked, not lost: (mpparked#<cid|acct>#<key>,
<sent time>#<message id>) rows, applied in the order they were sent as soon as the customer
registers (the registration hook), or with the customer's next notice if that hook failed.

Rows kept for a time (store.records, expires_at):
- (snsmsg#<MessageId>, snsmsg): an SNS message handled, against replays (inbox.py says for
  how long: as long as a message is fresh);
- (mprefused#<YYYY-MM>, <time>#<id>): a genuine notice that could not be read (an unknown
  action, another product), with why, for KEEP_REFUSED_SECONDS, for a person to look at.

Public surface for other concepts: get, refusal."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from ..engine import driver as engine
from ..identity import customers
from ..kernel import admission, clock
from ..kernel.ids import new_uuid
from ..kernel.state import load
from ..kernel.times import iso
from ..store import aggregates, records
from . import machine as m
from .machine import KIND, Notice, Subscription

log = logging.getLogger("corral.subscriptions")
KEEP_REFUSED_SECONDS = 90 * 24 * 3600
MAX_KEPT_CHARS = 16 * 1024
BUSY = "The subscription is changing too fast right now; try again."


@dataclass(frozen=True)
class Outcome:
    """What became of a notice: "applied", "ignored", "duplicate" or "parked"."""
    status: str
    message: str
    subscription: str | None = None   # the subscription's status after it, when known

    def reply(self) -> dict:
        body = {"status": self.status, "message": self.message}
        if self.subscription:
            body["subscription"] = self.subscription
        return body


# ---- reads --------------------------------------------------------------------------------

def get(org_uuid: str) -> Subscription | None:
    row = aggregates.get(KIND, org_uuid, org_uuid)
    return load(Subscription, row.state) if row else None


def refusal(org_uuid: str, _workspace_uuid: str = "") -> admission.Refusal | None:
    """Why the organization may not start new work, in any of its workspaces
    (kernel.admission), or None: one read."""
    why = m.refusal(get(org_uuid))
    return admission.Refusal(*why) if why else None


# ---- notices ------------------------------------------------------------------------------

def receive(notice: Notice) -> Outcome:
    """Apply a notice to its customer's subscription, or park it until the customer
    registers."""
    registration = (customers.by_identifier(notice.customer_identifier)
                    or customers.by_account(notice.account_id))
    if registration is None:
        _park(notice)
        who = notice.customer_identifier or f"with AWS account {notice.account_id}"
        log.info("parked %s for unregistered customer %s", notice.action, who)
        return Outcome("parked", f"No organization has registered AWS Marketplace customer "
                       f"{who} yet: the notice ({notice.action}) is kept and applied when it "
                       f"registers.")
    return _apply(registration, notice)


def start(registration: dict) -> None:
    """The customer registered an organization (identity.customers' hook): it is subscribed,
    and what the Marketplace said of it meanwhile is applied."""
    _apply(registration, None)


def _apply(registration: dict, notice: Notice | None) -> Outcome:
    org = registration["organization_uuid"]
    parked = _parked(registration)
    notices = [n for n in parked if notice is None or n.message_id != notice.message_id]
    if notice is not None:
        notices.append(notice)
    now = clock.now()
    begin = m.SubscriptionStarted(org, registration.get("customer_identifier") or "",
                                  registration.get("customer_aws_account_id") or "", now)
    tasks = [new_uuid() for _ in notices]
    decided: list = []

    def decide(state):
        decided[:] = m.decide_all(state, begin, notices, tasks, now)
        return decided

    done = engine.execute(KIND, org, org, decide, busy=BUSY).state
    if parked:
        records.delete_records([_parked_key(n) for n in parked])
    status = done.status.value if done else None
    if notice is None:
        return Outcome("applied", "registered", status)
    mine = [e for e in decided if getattr(e, "message_id", None) == notice.message_id]
    if not mine:
        return Outcome("duplicate", f"Message {notice.message_id} was applied already: "
                       f"nothing changed.", status)
    if isinstance(mine[0], m.NoticeIgnored):
        return Outcome("ignored", f"{notice.action} ignored: {mine[0].reason}", status)
    entry = next(h for h in reversed(done.history) if h.message_id == notice.message_id)
    return Outcome("applied", f"{notice.action}: {entry.outcome}", status)


# ---- parked notices -----------------------------------------------------------------------

def _parked_pk(customer_identifier: str, account_id: str) -> str:
    if customer_identifier:
        return f"mpparked#cid#{customer_identifier}"
    return f"mpparked#acct#{account_id}"


def _parked_key(notice: Notice) -> tuple[str, str]:
    return (_parked_pk(notice.customer_identifier, notice.account_id),
            f"{notice.sent_at:017.3f}#{notice.message_id}")


def _park(notice: Notice) -> None:
    records.put_record(*_parked_key(notice), "mpparked", asdict(notice))


def _parked(registration: dict) -> list[Notice]:
    """The notices parked for the customer, by its identifier and by its account."""
    found: list[Notice] = []
    identifier = registration.get("customer_identifier") or ""
    account = registration.get("customer_aws_account_id") or ""
    for pk in ([_parked_pk(identifier, "")] if identifier else []) + \
            ([_parked_pk("", account)] if account else []):
        found += [Notice(**body) for body in records.query_records(pk, "")]
    return found


# ---- messages kept a while ----------------------------------------------------------------

def seen(message_id: str, now: float) -> dict | None:
    """What became of an SNS message handled lately (None: not seen, or long ago)."""
    return records.get_unexpired(f"snsmsg#{message_id}", "snsmsg", now)


def remember(message_id: str, now: float, what: str, keep_seconds: float) -> None:
    """An SNS message was handled: a replay within `keep_seconds` is refused."""
    records.put_until(f"snsmsg#{message_id}", "snsmsg", "snsmsg", {"at": now, "what": what},
                      now + keep_seconds, now)


def keep_refused(via: str, message_id: str, reason: str, raw: str) -> None:
    """Keep a genuine notice that could not be read, with why, for a person to look at."""
    now = clock.now()
    log.warning("refused %s notice %s: %s", via, message_id, reason)
    records.put_record(f"mprefused#{iso(now)[:7]}", f"{iso(now)}#{message_id[:128]}",
                       "mprefused", {"via": via, "message_id": message_id[:128],
                                     "reason": reason, "raw": raw[:MAX_KEPT_CHARS]},
                       expires_at=now + KEEP_REFUSED_SECONDS)


def refused_in(month: str) -> list[dict]:
    """The notices refused in a month ("2026-05"), oldest first."""
    return records.query_records(f"mprefused#{month}", "")
