"""An organization's AWS Marketplace subscription as a state machine (pure).

One aggregate per organization registered through the Marketplace, in the organization's
scope (uuid = the organization's). It starts SUBSCRIBED when the customer registers (the
sign-up resolved the registration token with ResolveCustomer); the Marketplace's notices move
it, whichever way they came (SNS or EventBridge: notices.py makes both a Notice):

    action                  SUBSCRIBED    UNSUBSCRIBE_PENDING   UNSUBSCRIBED   FAILED
    subscribe-success       SUBSCRIBED    SUBSCRIBED            SUBSCRIBED     SUBSCRIBED
    subscribe-fail          FAILED        -                     -              FAILED
    unsubscribe-pending     PENDING       PENDING               -              -
    unsubscribe-success     UNSUBSCRIBED  UNSUBSCRIBED          -              UNSUBSCRIBED
    entitlement-updated     SUBSCRIBED    PENDING               -              -

A "-" notice changes nothing and is recorded as ignored (with why). So is a notice sent
before the latest one applied (out of order: the Marketplace's later word stands), and a
notice whose message id was applied already (a duplicate) is not recorded at all.

New work (clusters, notebooks, job runs) is refused while UNSUBSCRIBED or FAILED
(`refusal`). UNSUBSCRIBE_PENDING allows everything: the customer's last hour is still
reported. UNSUBSCRIBED has a pending step, SWEEP, that requests the removal of every live
cluster and notebook of the organization (steps.py); it runs once at once and once more
SETTLE_SECONDS after the subscription ended, to catch a creation that passed the check just
before the notice was applied, and every RETRY_SECONDS while a cluster cannot be removed yet
(PAUSING, STOPPING). A sweep cut short is run again by the engine (a claim that expires, the
tick): it requests what is not being removed yet, so nothing is removed twice.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.events import event
from ..kernel.task import CarriesTasks, Task, TaskMove
from ..kernel.times import iso

KIND = "subscription"
OPERATION = "END_SUBSCRIPTION"
SETTLE_SECONDS = 60      # a creation that passed the check is written well within this
RETRY_SECONDS = 30       # a cluster that cannot be removed yet (PAUSING) is looked at again
RECENT_IDS = 50          # message ids kept against duplicates (besides the time order)
HISTORY = 30             # notices kept in the state, the latest last

SUBSCRIBE_SUCCESS = "subscribe-success"
SUBSCRIBE_FAIL = "subscribe-fail"
UNSUBSCRIBE_PENDING = "unsubscribe-pending"
UNSUBSCRIBE_SUCCESS = "unsubscribe-success"
ENTITLEMENT_UPDATED = "entitlement-updated"
ACTIONS = (SUBSCRIBE_SUCCESS, SUBSCRIBE_FAIL, UNSUBSCRIBE_PENDING, UNSUBSCRIBE_SUCCESS,
           ENTITLEMENT_UPDATED)
ENDED_REASON = "because the AWS Marketplace subscription ended"


class SubscriptionStatus(str, Enum):
    SUBSCRIBED = "SUBSCRIBED"
    UNSUBSCRIBE_PENDING = "UNSUBSCRIBE_PENDING"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    FAILED = "FAILED"


S = SubscriptionStatus


class Step(str, Enum):
    SWEEP = "SWEEP"


@dataclass(frozen=True)
class Notice:
    """What the Marketplace said about a customer, whichever way it came. `via` is "sns" or
    "eventbridge"; `message_id` the SNS MessageId or the EventBridge event id; `sent_at` when
    the Marketplace sent it; the customer is named by its CustomerIdentifier (SNS) or its AWS
    account id (EventBridge); `detail` says what it was on the wire (the SNS topic's action,
    the EventBridge detail-type)."""
    action: str
    message_id: str
    sent_at: float
    via: str
    customer_identifier: str = ""
    account_id: str = ""
    product_code: str = ""
    detail: str = ""


# ---- events -------------------------------------------------------------------------------

@event
class SubscriptionStarted:
    """The customer registered the organization (ResolveCustomer): subscribed from now."""
    organization_uuid: str
    customer_identifier: str
    account_id: str
    at: float


@event
class NoticeApplied:
    """A Marketplace notice moved (or confirmed) the subscription."""
    action: str
    message_id: str
    sent_at: float
    via: str
    detail: str
    task_uuid: str
    at: float


@event
class NoticeIgnored:
    """A notice that changes nothing: the subscription's status does not take it, or a later
    notice was applied already. Recorded with why."""
    action: str
    message_id: str
    sent_at: float
    via: str
    detail: str
    reason: str
    at: float


@event
class ResourcesSwept:
    """A sweep after the subscription ended: the removals it requested (one line each), and
    what it found that cannot be removed yet (a cluster PAUSING), with why."""
    removed: tuple[str, ...]
    waiting: tuple[str, ...]
    at: float


_MOVES = {
    (S.SUBSCRIBED, SUBSCRIBE_SUCCESS): S.SUBSCRIBED,
    (S.SUBSCRIBED, SUBSCRIBE_FAIL): S.FAILED,
    (S.SUBSCRIBED, UNSUBSCRIBE_PENDING): S.UNSUBSCRIBE_PENDING,
    (S.SUBSCRIBED, UNSUBSCRIBE_SUCCESS): S.UNSUBSCRIBED,
    (S.SUBSCRIBED, ENTITLEMENT_UPDATED): S.SUBSCRIBED,
    (S.UNSUBSCRIBE_PENDING, SUBSCRIBE_SUCCESS): S.SUBSCRIBED,
    (S.UNSUBSCRIBE_PENDING, UNSUBSCRIBE_PENDING): S.UNSUBSCRIBE_PENDING,
    (S.UNSUBSCRIBE_PENDING, UNSUBSCRIBE_SUCCESS): S.UNSUBSCRIBED,
    (S.UNSUBSCRIBE_PENDING, ENTITLEMENT_UPDATED): S.UNSUBSCRIBE_PENDING,
    (S.UNSUBSCRIBED, SUBSCRIBE_SUCCESS): S.SUBSCRIBED,
    (S.FAILED, SUBSCRIBE_SUCCESS): S.SUBSCRIBED,
    (S.FAILED, SUBSCRIBE_FAIL): S.FAILED,
    (S.FAILED, UNSUBSCRIBE_SUCCESS): S.UNSUBSCRIBED,
}
"""(status, action) -> status: the table above, as data."""

# The other events (a notice applied moves by _MOVES, by its action).
TRANSITIONS = {
    (None, SubscriptionStarted): S.SUBSCRIBED,
    **{(s, NoticeIgnored): s for s in S},
    (S.UNSUBSCRIBED, ResourcesSwept): S.UNSUBSCRIBED,
}

NOT_SUBSCRIBED = (S.UNSUBSCRIBED, S.FAILED)


@dataclass(frozen=True)
class HistoryEntry:
    message_id: str
    action: str
    via: str
    detail: str
    sent_at: float
    at: float
    outcome: str            # "SUBSCRIBED -> UNSUBSCRIBED", or "ignored: <why>"


@dataclass(frozen=True)
class Subscription(CarriesTasks):
    uuid: str               # the organization's uuid: one subscription per organization
    organization_uuid: str
    customer_identifier: str
    account_id: str
    status: SubscriptionStatus
    created_at: float
    updated_at: float
    in_state_since: float = 0.0
    latest_sent_at: float | None = None      # of the latest notice applied
    recent_ids: tuple[str, ...] = ()         # message ids seen lately, the latest last
    history: tuple[HistoryEntry, ...] = ()
    ended_at: float | None = None            # when unsubscribe-success was applied
    swept_at: float | None = None            # the latest sweep since then
    removed: tuple[str, ...] = ()            # what the sweeps requested since then
    waiting: tuple[str, ...] = ()            # what the latest sweep could not remove yet
    tasks: tuple[Task, ...] = ()


# ---- the table ----------------------------------------------------------------------------

def allows(state: Subscription | None, e: Any) -> bool:
    if isinstance(e, NoticeApplied):
        return state is not None and (state.status, e.action) in _MOVES
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: Subscription | None, e: Any) -> Subscription:
    if isinstance(e, SubscriptionStarted):
        table.target(TRANSITIONS, state, e)
        return Subscription(e.organization_uuid, e.organization_uuid, e.customer_identifier,
                            e.account_id, S.SUBSCRIBED, created_at=e.at, updated_at=e.at,
                            in_state_since=e.at)
    assert state is not None
    if isinstance(e, NoticeApplied):
        status = _MOVES[(state.status, e.action)]
        s = _seen(state, e, f"{state.status.value} -> {status.value}")
        s = replace(s, latest_sent_at=max(e.sent_at, state.latest_sent_at or e.sent_at))
        if status == S.UNSUBSCRIBED and state.status != S.UNSUBSCRIBED:
            s = replace(s, ended_at=e.at, swept_at=None, removed=(), waiting=()).open_task(
                e.task_uuid, OPERATION, e.at, "Superseded", details=(
                    f"The AWS Marketplace subscription ended ({e.action} by {e.via}, sent "
                    f"{iso(e.sent_at)}): removing the organization's clusters and notebooks",))
        elif state.status == S.UNSUBSCRIBED and status != S.UNSUBSCRIBED:
            s = s.with_task(TaskMove.FINISH, f"Subscribed again ({e.action} by {e.via}, sent "
                            f"{iso(e.sent_at)})", e.at)
        return table.stamp(state, s, status, e.at)
    if isinstance(e, NoticeIgnored):
        table.target(TRANSITIONS, state, e)
        return table.stamp(state, _seen(state, e, f"ignored: {e.reason}"), state.status, e.at)
    status = table.target(TRANSITIONS, state, e)
    s = replace(state, swept_at=e.at, removed=state.removed + tuple(e.removed),
                waiting=tuple(e.waiting))
    for line in e.removed + tuple(w for w in e.waiting if w not in state.waiting):
        s = s.with_task(TaskMove.PROGRESS, line, e.at)
    if next_step(s) is None:
        s = s.with_task(TaskMove.FINISH, f"Removal requested for {len(s.removed)} cluster(s) "
                        f"and notebook(s); nothing else was left running", e.at)
    return table.stamp(state, s, status, e.at)


def _seen(s: Subscription, e: Any, outcome: str) -> Subscription:
    entry = HistoryEntry(e.message_id, e.action, e.via, e.detail, e.sent_at, e.at, outcome)
    return replace(s, recent_ids=(s.recent_ids + (e.message_id,))[-RECENT_IDS:],
                   history=(s.history + (entry,))[-HISTORY:])


# ---- deciding -----------------------------------------------------------------------------

def decide_start(state: Subscription | None, org_uuid: str, customer_identifier: str,
                 account_id: str, at: float) -> list:
    """The customer registered the organization: subscribed (nothing new if it is already)."""
    if state is not None:
        return []
    return [SubscriptionStarted(org_uuid, customer_identifier, account_id, at)]


def decide_notice(state: Subscription, notice: Notice, task_uuid: str, at: float) -> list:
    """What a notice does to the subscription: applied, ignored with why, or nothing at all
    (a duplicate: its message id was seen lately)."""
    if notice.message_id in state.recent_ids:
        return []
    ignored = None
    if state.latest_sent_at is not None and notice.sent_at < state.latest_sent_at:
        ignored = (f"sent {iso(notice.sent_at)}, before the latest notice applied "
                   f"({iso(state.latest_sent_at)}): that one stands")
    elif (state.status, notice.action) not in _MOVES:
        ignored = f"{notice.action} changes nothing while {state.status.value}"
    if ignored:
        return [NoticeIgnored(notice.action, notice.message_id, notice.sent_at, notice.via,
                              notice.detail, ignored, at)]
    return [NoticeApplied(notice.action, notice.message_id, notice.sent_at, notice.via,
                          notice.detail, task_uuid, at)]


def decide_all(state: Subscription | None, start: SubscriptionStarted | None,
               notices: list[Notice], task_uuids: list[str], at: float) -> list:
    """Several notices at once, in the order they were sent (a customer's notices kept while
    it had not registered yet, then the one that came): each decided on the state the
    previous ones left. `start` begins the subscription when there is none yet."""
    events: list = []
    if state is None:
        if start is None:
            return []
        events.append(start)
        state = evolve(None, start)
    for notice, task in zip(sorted(notices, key=lambda n: (n.sent_at, n.message_id)),
                            task_uuids):
        for e in decide_notice(state, notice, task, at):
            events.append(e)
            state = evolve(state, e)
    return events


def decide_swept(state: Subscription, removed: list[str], waiting: list[str],
                 at: float) -> list:
    return [ResourcesSwept(tuple(removed), tuple(waiting), at)]


# ---- what is pending, what it allows ------------------------------------------------------

def next_step(s: Subscription) -> Step | None:
    """SWEEP while the subscription ended and no sweep ran SETTLE_SECONDS after it ended, or
    the latest one found something it could not remove yet."""
    if s.status != S.UNSUBSCRIBED or s.ended_at is None:
        return None
    if s.swept_at is not None and s.swept_at >= s.ended_at + SETTLE_SECONDS and not s.waiting:
        return None
    return Step.SWEEP


def not_before(s: Subscription) -> float | None:
    """The first sweep at once; then SETTLE_SECONDS after the subscription ended, or
    RETRY_SECONDS after a sweep that left something waiting, whichever comes first."""
    if next_step(s) is None or s.swept_at is None or s.ended_at is None:
        return None
    due = []
    if s.swept_at < s.ended_at + SETTLE_SECONDS:
        due.append(s.ended_at + SETTLE_SECONDS)
    if s.waiting:
        due.append(s.swept_at + RETRY_SECONDS)
    return min(due)


def refusal(s: Subscription | None) -> tuple[str, str] | None:
    """(code, why) when the organization may not start new work, else None. An organization
    without a subscription (none registered it through the Marketplace, or its first event
    is not written yet) may."""
    if s is None or s.status not in NOT_SUBSCRIBED:
        return None
    if s.status == S.FAILED:
        return ("SubscriptionInactive",
                f"the AWS Marketplace subscription of this organization failed "
                f"(subscribe-fail, {iso(s.in_state_since)}). Check the payment method of the "
                f"AWS account {s.account_id or s.customer_identifier} and subscribe to Corral "
                f"again in the AWS Marketplace.")
    return ("SubscriptionInactive",
            f"the AWS Marketplace subscription of this organization ended "
            f"({iso(s.ended_at or s.in_state_since)}). Subscribe to Corral again in the AWS "
            f"Marketplace to create clusters, notebooks and jobs.")
