"""The event store: append events and the projection row in one transaction, conditional on the
version the writer read; claim a pending step; find overdue steps for the tick.

An aggregate lives in a scope, the workspace or organization that owns it: its events are the
stream "<kind>#<uuid>", its projection row is (pk "scope#<scope uuid>", sk "<kind>#<uuid>"), so
a read is one GetItem scoped to the caller's workspace or organization, and another tenant's
aggregate is simply not found.
"""
from __future__ import annotations

import heapq
import itertools
import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator

from pynamodb.exceptions import TransactWriteError, UpdateError, VerboseClientError
from pynamodb.transactions import TransactWrite

from . import service_index
from .models import DUE_SHARDS, EventItem, StateItem, transaction_connection


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
    ordinal: int | None = None


def stream_key(kind: str, uuid: str) -> str:
    return f"{kind}#{uuid}"


def row_key(kind: str, scope: str, uuid: str) -> tuple[str, str]:
    return f"scope#{scope}", f"{kind}#{uuid}"


def due_shard(pk: str, sk: str) -> str:
    """The `due` index shard a row's pending step is listed under (fixed by its key)."""
    return f"due#{zlib.crc32(f'{pk}|{sk}'.encode()) % DUE_SHARDS}"


def _row(item: StateItem) -> Row:
    kind, _, uuid = item.sk.partition("#")
    return Row(kind, item.pk.partition("#")[2], uuid, int(item.version or 0), item.body,
               None if item.claimed is None else int(item.claimed), item.due_at,
               None if item.ordinal is None else int(item.ordinal))


# Reads are strongly consistent: a client that just created something reads it back at once
# (the SDK GETs a cluster right after creating it, and a 404 there would end its wait).

def get(kind: str, scope: str, uuid: str, consistent: bool = True) -> Row | None:
    try:
        item = StateItem.get(*row_key(kind, scope, uuid), consistent_read=consistent)
    except StateItem.DoesNotExist:
        return None
    return _row(item)


def list_rows(kind: str, scope: str) -> list[Row]:
    """Every row of `kind` in the scope (small scopes: an organization's workspaces)."""
    pk, _ = row_key(kind, scope, "")
    return [_row(i) for i in StateItem.query(pk, StateItem.sk.startswith(f"{kind}#"),
                                              consistent_read=True)]


# Lists. The listing and live indexes are eventually consistent (a row created a moment ago
# may be missing from a list for that moment; a GetItem of it is consistent).

def page(kind: str, scope: str, number: int, size: int, descending: bool = False,
         total: int | None = None) -> list[Row]:
    """Page `number` (from 1) of `size` rows of every row of the kind ever listed in the
    scope, in creation order (or the reverse): one range of ordinals, so it reads one page
    of items whatever the page. `total`: the ordinals given (counts(kind, scope).seq)."""
    if total is None:
        total = counts(kind, scope).seq
    low, high = (number - 1) * size + 1, number * size
    if descending:
        low, high = total - high + 1, total - low + 1
    low, high = max(low, 1), min(high, total)
    if low > high:
        return []
    return [_row(i) for i in StateItem.listing.query(
        list_key(scope, kind), StateItem.ordinal.between(low, high),
        scan_index_forward=not descending, limit=high - low + 1)]


def rows(kind: str, scope: str, live_only: bool = False, statuses: Iterable[str] = (),
         descending: bool = False) -> Iterator[Row]:
    """Every row of the kind in the scope, in creation order (or the reverse); only the live
    ones (read from the live index: the ended ones are never read) or only those in
    `statuses` (filtered in the query) when asked."""
    index = StateItem.alive if live_only else StateItem.listing
    statuses = list(statuses)
    condition = StateItem.status.is_in(*statuses) if statuses else None
    for item in index.query(list_key(scope, kind), filter_condition=condition,
                            scan_index_forward=not descending):
        yield _row(item)


def rows_by_uuid(kind: str, scope: str, uuids: Iterable[str]) -> list[Row]:
    """The rows of the kind in the scope among `uuids` (one batched read), in creation order."""
    keys = [row_key(kind, scope, u) for u in dict.fromkeys(uuids)]
    found = [_row(i) for i in StateItem.batch_get(keys, consistent_read=True)] if keys else []
    return sorted(found, key=lambda r: r.ordinal or 0)


def get_many(keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], Row]:
    """The rows of `keys` ((kind, scope, uuid), any kinds and scopes), batched (100 keys to a
    request, unprocessed keys retried by pynamodb): missing rows are left out."""
    wanted = {row_key(k, s, u): (k, s, u) for k, s, u in keys}
    found: dict[tuple[str, str, str], Row] = {}
    for item in StateItem.batch_get(list(wanted), consistent_read=True):
        found[wanted[(item.pk, item.sk)]] = _row(item)
    return found


def group_key(kind: str, group: str, ordinal: int | None = None) -> str:
    """The sort key of a row's item in a group (by its ordinal), or the group's prefix."""
    prefix = f"group#{kind}#{group}#"
    return prefix if ordinal is None else f"{prefix}{ordinal:012d}"


def group_rows(kind: str, scope: str, group: str, limit: int) -> list[Row]:
    """The latest `limit` rows filed under `group` (Placement.groups), in creation order: one
    Query of the group's items, newest first and no more than `limit`, then one batched read."""
    pk, _ = row_key(kind, scope, "")
    items = StateItem.query(pk, StateItem.sk.startswith(group_key(kind, group)),
                            scan_index_forward=False, limit=limit, consistent_read=True)
    return rows_by_uuid(kind, scope, [i.body["uuid"] for i in items])


@dataclass(frozen=True)
class Placement:
    """What the store keeps of a row beside its state (the engine asks the row's machine).

    `live`: whether the row counts as alive in its scope (None: not counted, no live list).
    `accepting`: for a container's row (a workspace), whether new children may be created in
    it. `container`: for a new child (a cluster), the row (kind, scope, uuid) that must be
    accepting when it is created. `children`: for a container, the kinds of its children,
    which live in the scope named by its uuid: it stops accepting only while none is alive.
    `groups`: for a new row, the groups of its kind it is filed under in its scope (a job run
    under its template): an item per group written with the row, read by `group_rows`."""

    status: str | None = None
    live: bool | None = None
    accepting: bool | None = None
    container: tuple[str, str, str] | None = None
    children: tuple[str, ...] = ()
    # The organization whose usage it is, once it has been in service: listed in the
    # service index (for metering) from then on. None: never in service.
    metered: str | None = None
    groups: tuple[str, ...] = ()


class ContainerClosed(Conflict):
    """The container a new row was to be created in no longer accepts children."""


class ChildrenAlive(Conflict):
    """A container cannot stop accepting children while some of them are alive."""


def counter_key(scope: str, kind: str) -> tuple[str, str]:
    return f"scope#{scope}", f"count#{kind}"


def list_key(scope: str, kind: str) -> str:
    return f"{scope}#{kind}"


@dataclass(frozen=True)
class Counts:
    seq: int      # ordinals given so far (rows ever listed)
    live: int     # rows alive now


def counts(kind: str, scope: str) -> Counts:
    try:
        item = StateItem.get(*counter_key(scope, kind), consistent_read=True)
    except StateItem.DoesNotExist:
        return Counts(0, 0)
    return Counts(int(item.seq or 0), int(item.live or 0))


def _seqs(scope: str, kinds: list[str]) -> dict[str, int]:
    """The ordinals given so far for each of `kinds` in `scope` (one read)."""
    if not kinds:
        return {}
    keys = [counter_key(scope, k) for k in kinds]
    found = {i.sk: int(i.seq or 0) for i in StateItem.batch_get(keys, consistent_read=True)}
    return {k: found.get(counter_key(scope, k)[1], 0) for k in kinds}


def append(kind: str, scope: str, uuid: str, expected_version: int,
           records: list[dict], state: dict, tasks: Iterable[dict] = (),
           due_at: float | None = None, *, place: Placement = Placement(),
           before: Placement | None = None, new_tasks: Iterable[dict] = ()) -> int:
    """Write `records` as versions expected_version+1.. with the new projection, atomically.

    Raises Conflict if the stream moved past `expected_version` meanwhile (ContainerClosed,
    ChildrenAlive when `place` broke a rule of its container or children). Returns the new
    version. `due_at` is when the tick should re-drive the aggregate if no worker has moved it
    on (None: nothing pending). Writing the row clears any step claim. `tasks` are the task
    rows that changed, `new_tasks` those that begin (each gets the next task ordinal of the
    scope); `before` is the placement the row had (None for a new row).

    A new row gets the next ordinal of its kind in the scope, from the scope's counter row,
    conditional on nobody having taken it meanwhile; the counter also counts the live rows,
    and moves in the same transaction as the row."""
    pk, sk = row_key(kind, scope, uuid)
    version = expected_version + len(records)
    new_tasks = list(new_tasks)
    fresh = expected_version == 0
    seqs = _seqs(scope, ([kind] if fresh else []) + (["task"] if new_tasks else []))
    was_live = bool(before and before.live)
    live_delta = int(bool(place.live)) - int(was_live)
    checks: list[type[Conflict]] = []   # what a failed condition check means, in order
    try:
        with TransactWrite(connection=transaction_connection()) as t:
            if fresh and place.container:
                c_kind, c_scope, c_uuid = place.container
                t.condition_check(StateItem, *row_key(c_kind, c_scope, c_uuid),
                                  condition=StateItem.accepting == True)  # noqa: E712
                checks.append(ContainerClosed)
            if place.children and before and before.accepting and not place.accepting:
                for child in place.children:
                    t.condition_check(StateItem, *counter_key(uuid, child),
                                      condition=StateItem.live.does_not_exist()
                                      | (StateItem.live == 0))
                    checks.append(ChildrenAlive)
            for i, r in enumerate(records, start=expected_version + 1):
                t.save(EventItem(stream_key(kind, uuid), i, type=r["type"], data=r["data"],
                                 at=r["at"]), condition=EventItem.stream.does_not_exist())
            live_key = list_key(scope, kind) if place.live else None
            shard = due_shard(pk, sk) if due_at is not None else None
            if fresh:
                seq = seqs[kind] + 1
                t.save(StateItem(pk, sk, kind=kind, body=state, version=version,
                                 due_shard=shard, due_at=due_at, status=place.status,
                                 accepting=place.accepting, list_key=list_key(scope, kind),
                                 live_key=live_key, ordinal=seq),
                       condition=StateItem.pk.does_not_exist())
                _count(t, scope, kind, seqs[kind], seq, live_delta)
                for group in place.groups:
                    t.save(StateItem(pk, group_key(kind, group, seq), kind="group",
                                     body={"uuid": uuid}),
                           condition=StateItem.pk.does_not_exist())
            else:
                t.update(StateItem(pk, sk), actions=[
                    StateItem.body.set(state), StateItem.version.set(version),
                    *_set_or_remove((StateItem.due_shard, shard),
                                    (StateItem.due_at, due_at), (StateItem.claimed, None),
                                    (StateItem.attempts, None),
                                    (StateItem.status, place.status),
                                    (StateItem.accepting, place.accepting),
                                    (StateItem.live_key, live_key))],
                    condition=StateItem.version == expected_version)
                if live_delta:
                    _count(t, scope, kind, None, None, live_delta)
            if place.metered and not (before and before.metered):
                service_index.add_in(t, place.metered, kind, scope, uuid)
            task_seq = seqs.get("task", 0)
            for task in new_tasks:
                task_seq += 1
                t.save(StateItem(pk, f"task#{task['uuid']}", kind="task", body=task,
                                 status=task.get("status"), list_key=list_key(scope, "task"),
                                 ordinal=task_seq),
                       condition=StateItem.pk.does_not_exist())
            if new_tasks:
                _count(t, scope, "task", seqs["task"], task_seq, 0)
            for task in tasks:
                t.update(StateItem(pk, f"task#{task['uuid']}"),
                         actions=[StateItem.body.set(task), *_set_or_remove(
                             (StateItem.status, task.get("status")))])
    except TransactWriteError as e:
        if _is_conditional_failure(e):
            reasons = getattr(e, "cancellation_reasons", None) or []
            for why, reason in zip(checks, reasons):
                if reason is not None and reason.code == "ConditionalCheckFailed":
                    raise why(f"{kind} {uuid}: {why.__doc__}") from e
            raise Conflict(f"{kind} {uuid} moved past version {expected_version}") from e
        raise
    return version


def _set_or_remove(*pairs) -> list:
    return [attr.remove() if value is None else attr.set(value) for attr, value in pairs]


def _count(t: TransactWrite, scope: str, kind: str, seen: int | None, seq: int | None,
           live_delta: int) -> None:
    """Move the scope's counter of `kind`: to ordinal `seq` if nobody moved it past `seen`,
    and by `live_delta` live rows."""
    actions = [StateItem.kind.set("count"), StateItem.body.set(StateItem.body | {})]
    condition = None
    if seq is not None:
        actions.append(StateItem.seq.set(seq))
        condition = (StateItem.seq.does_not_exist() if not seen
                     else StateItem.seq == seen)
    if live_delta:
        actions.append(StateItem.live.add(live_delta))
    t.update(StateItem(*counter_key(scope, kind)), actions=actions, condition=condition)


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


@dataclass(frozen=True)
class Claim:
    """What claiming a step found. Taken: `row` is the row after the claim and `attempts` how
    many times that step has been claimed (1 the first time: a retry after a failure or a
    crash counts up). Refused: `refused` says why: "stale" (no such row, or it moved past that
    version), "idle" (nothing pending at that version) or "busy" (another worker holds an
    unexpired claim on that step: a duplicate delivery)."""

    row: Row | None
    attempts: int = 0
    refused: str | None = None


def claim(kind: str, scope: str, uuid: str, version: int, now: float,
          lease_seconds: float) -> Claim:
    """Take the step pending at `version` for `lease_seconds` and read the row, in one
    conditional UpdateItem (ALL_NEW): the worker needs no GetItem first. When the condition
    fails, DynamoDB hands back the row as it was (ReturnValuesOnConditionCheckFailure), which
    says why without another read."""
    pk, sk = row_key(kind, scope, uuid)
    free = (StateItem.claimed.does_not_exist() | (StateItem.claimed != version)
            | (StateItem.due_at <= now))
    try:
        reply = _update(pk, sk, [StateItem.claimed.set(version), StateItem.attempts.add(1),
                                 StateItem.due_shard.set(due_shard(pk, sk)),
                                 StateItem.due_at.set(now + lease_seconds)],
                        (StateItem.version == version) & StateItem.due_at.exists() & free,
                        "ALL_NEW", "ALL_OLD")
    except VerboseClientError as e:
        if e.response["Error"].get("Code") != "ConditionalCheckFailedException":
            raise
        # pynamodb keeps only the error; the item is on the botocore error it came from
        old = getattr(e.__cause__, "response", {}).get("Item")
        if not old or int(old.get("version", {}).get("N", 0)) != version:
            return Claim(None, refused="stale")
        return Claim(None, refused="busy" if "due_at" in old else "idle")
    item = StateItem.from_raw_data(reply["Attributes"])
    return Claim(_row(item), int(item.attempts or 1))


def release(kind: str, scope: str, uuid: str, version: int, due_at: float | None) -> bool:
    """Give the step back, to be tried again at `due_at` (a poll that saw no change yet, or a
    passing AWS error; None: nothing is pending after all). False if the aggregate moved on
    meanwhile."""
    pk, sk = row_key(kind, scope, uuid)
    item = StateItem(pk, sk)
    due = ([StateItem.due_shard.set(due_shard(pk, sk)), StateItem.due_at.set(due_at)]
           if due_at is not None else [StateItem.due_shard.remove(), StateItem.due_at.remove()])
    try:
        item.update(actions=[StateItem.claimed.remove(), *due],
                    condition=StateItem.version == version)
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


@dataclass(frozen=True)
class Due:
    """An aggregate whose step is due, as the `due` index lists it (no state: keys only)."""
    kind: str
    scope: str
    uuid: str
    version: int
    due_at: float


def _due(item: StateItem) -> Due:
    kind, _, uuid = item.sk.partition("#")
    return Due(kind, item.pk.partition("#")[2], uuid, int(item.version or 0), item.due_at)


def overdue(now: float, limit: int | None = None) -> Iterator[Due]:
    """Aggregates whose pending step is due by `now`, oldest first: at most `limit` (None:
    all of them). Each shard is queried in pages of twice its share of the limit and the
    shards are merged by `due_at`, so the oldest `limit` come first wherever they are: about
    one Query per shard, and a few times `limit` index items read at most (a hundred bytes
    each: a page is a read unit or a few). The index is eventually consistent: a row just
    claimed or re-driven may still be listed (its conditional update then tells)."""
    page = None if limit is None else 2 * max(1, -(-limit // DUE_SHARDS))
    shards = (map(_due, StateItem.due.query(f"due#{n}", StateItem.due_at <= now,
                                            page_size=page))
              for n in range(DUE_SHARDS))
    merged = heapq.merge(*shards, key=lambda d: d.due_at)
    return merged if limit is None else itertools.islice(merged, limit)


def postpone(due: Due, now: float, until: float) -> bool:
    """The tick re-drives `due`: move its `due_at` on to `until` (and let go of the claim that
    expired, so the step's next claim is free), if it is still at that version and still due
    by `now`. False when a worker claimed or moved it meanwhile: it needs no message."""
    pk, sk = row_key(due.kind, due.scope, due.uuid)
    try:
        _update(pk, sk, [StateItem.due_at.set(until), StateItem.claimed.remove()],
                (StateItem.version == due.version) & (StateItem.due_at <= now), "NONE")
    except VerboseClientError as e:
        if e.response["Error"].get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _update(pk: str, sk: str, actions: list, condition, return_values: str,
            on_failure: str | None = None) -> dict:
    """One UpdateItem of a state row, with what pynamodb's Model.update does not let a caller
    choose: ReturnValues (it always asks for the whole new row) and
    ReturnValuesOnConditionCheckFailure."""
    table = StateItem._get_connection()
    kwargs = table.get_operation_kwargs(pk, sk, actions=actions, condition=condition,
                                        return_values=return_values,
                                        return_values_on_condition_failure=on_failure)
    return table.connection.dispatch("UpdateItem", kwargs)


def events(kind: str, uuid: str) -> list[dict]:
    """The whole stream, in order (audit and tests; the hot path reads the projection row)."""
    return [{"type": i.type, "data": i.data, "at": i.at, "version": int(i.version)}
            for i in EventItem.query(stream_key(kind, uuid), consistent_read=True)]
