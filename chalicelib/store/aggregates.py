"""The event store: append events and the projection row in one transaction, conditional on the
version the writer read; claim a pending step; find overdue steps for the tick.

An aggregate lives in a scope, the workspace or organization that owns it: its events are the
stream "<kind>#<uuid>", its projection row is (pk "scope#<scope uuid>", sk "<kind>#<uuid>"), so
a read is one GetItem scoped to the caller's workspace or organization, and another tenant's
aggregate is simply not found.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from .models import DUE_SHARD, EventItem, StateItem, transaction_connection


class Conflict(Exception):
    """Someone else appended first: reload and decide again."""


@dataclass(frozen=True)
class Row:
    kind: str
    scope: str
    uuid: str
    version: int
    state: dict
    claimed: int | None
    due_at: float | None


def stream_key(kind: str, uuid: str) -> str:
    return f"{kind}#{uuid}"


def row_key(kind: str, scope: str, uuid: str) -> tuple[str, str]:
    return f"scope#{scope}", f"{kind}#{uuid}"


def _row(item: StateItem) -> Row:
    kind, _, uuid = item.sk.partition("#")
    return Row(kind, item.pk.partition("#")[2], uuid, int(item.version or 0), item.body,
               None if item.claimed is None else int(item.claimed), item.due_at)


# Reads are strongly consistent: a client that just created something reads it back at once
# (the SDK GETs a cluster right after creating it, and a 404 there would end its wait).

def get(kind: str, scope: str, uuid: str, consistent: bool = True) -> Row | None:
    try:
        item = StateItem.get(*row_key(kind, scope, uuid), consistent_read=consistent)
    except StateItem.DoesNotExist:
        return None
    return _row(item)


def list_rows(kind: str, scope: str) -> list[Row]:
    pk, _ = row_key(kind, scope, "")
    return [_row(i) for i in StateItem.query(pk, StateItem.sk.startswith(f"{kind}#"),
                                              consistent_read=True)]


def append(kind: str, scope: str, uuid: str, expected_version: int,
           records: list[dict], state: dict, tasks: Iterable[dict] = (),
           due_at: float | None = None) -> int:
    """Write `records` as versions expected_version+1.. with the new projection, atomically.

    Raises Conflict if the stream moved past `expected_version` meanwhile. Returns the new
    version. `due_at` is when the tick should re-drive the aggregate if no worker has moved
    it on (None: nothing pending). Writing the row clears any step claim.
    """
    pk, sk = row_key(kind, scope, uuid)
    version = expected_version + len(records)
    row = StateItem(pk, sk, kind=kind, body=state, version=version,
                    due_shard=DUE_SHARD if due_at is not None else None, due_at=due_at)
    row_condition = (StateItem.pk.does_not_exist() if expected_version == 0
                     else StateItem.version == expected_version)
    try:
        with TransactWrite(connection=transaction_connection()) as t:
            for i, r in enumerate(records, start=expected_version + 1):
                t.save(EventItem(stream_key(kind, uuid), i, type=r["type"], data=r["data"],
                                 at=r["at"]), condition=EventItem.stream.does_not_exist())
            t.save(row, condition=row_condition)
            for task in tasks:
                t.save(StateItem(pk, f"task#{task['uuid']}", kind="task", body=task))
    except TransactWriteError as e:
        if _is_conditional_failure(e):
            raise Conflict(f"{kind} {uuid} moved past version {expected_version}") from e
        raise
    return version


# A transaction cancelled because another one touched the same items at the same time is, for
# the writer, the same as losing the version race: read again and decide again.
LOST_RACE_CODES = ("ConditionalCheckFailed", "TransactionConflict")


def _is_conditional_failure(e: TransactWriteError) -> bool:
    if e.cause_response_code == "TransactionConflictException":
        return True
    reasons = getattr(e, "cancellation_reasons", None) or []
    if any(r is not None and r.code in LOST_RACE_CODES for r in reasons):
        return True
    return e.cause_response_code == "TransactionCanceledException" and not reasons


def claim(kind: str, scope: str, uuid: str, version: int, now: float,
          lease_seconds: float) -> int:
    """Take the step pending at `version` for `lease_seconds`. Returns how many times that
    step has been claimed (1 the first time: a retry after a failure or a crash counts up),
    or 0 if the aggregate moved on or another worker holds an unexpired claim on that step
    (a duplicate delivery)."""
    item = StateItem(*row_key(kind, scope, uuid))
    free = (StateItem.claimed.does_not_exist() | (StateItem.claimed != version)
            | (StateItem.due_at <= now))
    try:
        item.update(actions=[StateItem.claimed.set(version),
                             StateItem.attempts.add(1),
                             StateItem.due_shard.set(DUE_SHARD),
                             StateItem.due_at.set(now + lease_seconds)],
                    condition=(StateItem.version == version) & free)
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return 0
        raise
    return int(item.attempts or 1)


def release(kind: str, scope: str, uuid: str, version: int, due_at: float) -> bool:
    """Give the step back, to be tried again at `due_at` (a poll that saw no change yet, or a
    passing AWS error). False if the aggregate moved on meanwhile."""
    item = StateItem(*row_key(kind, scope, uuid))
    try:
        item.update(actions=[StateItem.claimed.remove(), StateItem.due_shard.set(DUE_SHARD),
                             StateItem.due_at.set(due_at)],
                    condition=StateItem.version == version)
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def overdue(now: float) -> Iterator[Row]:
    """Every aggregate whose pending step is due by `now`, oldest first (one paged Query)."""
    for item in StateItem.due.query(DUE_SHARD, StateItem.due_at <= now):
        yield _row(item)


def events(kind: str, uuid: str) -> list[dict]:
    """The whole stream, in order (audit and tests; the hot path reads the projection row)."""
    return [{"type": i.type, "data": i.data, "at": i.at, "version": int(i.version)}
            for i in EventItem.query(stream_key(kind, uuid), consistent_read=True)]
