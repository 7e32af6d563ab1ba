"""Plain rows in the state table, for what is not event-sourced: organizations, users, API
clients, sign-up tokens. Each is (pk, sk) with a `kind` and a JSON `body`."""
from __future__ import annotations

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from .models import StateItem, transaction_connection


class Exists(Exception):
    """A row that had to be new was already there."""


def put_record(pk: str, sk: str, kind: str, body: dict, only_if_new: bool = False,
               expires_at: float | None = None) -> bool:
    """Write one row (kept until `expires_at`, when given). False if `only_if_new` and it
    already exists."""
    try:
        StateItem(pk, sk, kind=kind, body=body, expires_at=expires_at).save(
            condition=StateItem.pk.does_not_exist() if only_if_new else None)
    except PutError as e:
        if only_if_new and e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def put_new_records(rows: list[tuple[str, str, str, dict]]) -> None:
    """Write every (pk, sk, kind, body) row in one transaction, each only if new: all or
    none. Raises Exists when one of them was there already."""
    try:
        with TransactWrite(connection=transaction_connection()) as t:
            for pk, sk, kind, body in rows:
                t.save(StateItem(pk, sk, kind=kind, body=body),
                       condition=StateItem.pk.does_not_exist())
    except TransactWriteError as e:
        if e.cause_response_code != "TransactionCanceledException":
            raise
        raise Exists(str(e)) from None


def put_until(pk: str, sk: str, kind: str, body: dict, expires_at: float, now: float) -> bool:
    """Write a row kept until `expires_at`, unless one is there that has not expired by
    `now`: False then (it was written first, by this or a concurrent caller)."""
    try:
        StateItem(pk, sk, kind=kind, body=body, expires_at=expires_at).save(
            condition=StateItem.pk.does_not_exist() | (StateItem.expires_at < now))
    except PutError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get_unexpired(pk: str, sk: str, now: float) -> dict | None:
    """The row's body, unless it is missing or expired by `now` (TTL deletes lag)."""
    try:
        item = StateItem.get(pk, sk, consistent_read=True)
    except StateItem.DoesNotExist:
        return None
    if item.expires_at is not None and item.expires_at <= now:
        return None
    return item.body


def get_record(pk: str, sk: str) -> dict | None:
    try:
        return StateItem.get(pk, sk, consistent_read=True).body
    except StateItem.DoesNotExist:
        return None


def query_records(pk: str, sk_prefix: str) -> list[dict]:
    """The bodies of the rows of `pk` whose sort key starts with `sk_prefix` (every row of
    it when empty), in sort key order."""
    condition = StateItem.sk.startswith(sk_prefix) if sk_prefix else None
    return [i.body for i in StateItem.query(pk, condition, consistent_read=True)]


def delete_records(keys: list[tuple[str, str]]) -> None:
    """Delete every (pk, sk) row in one transaction (a row already gone is no error)."""
    with TransactWrite(connection=transaction_connection()) as t:
        for pk, sk in keys:
            t.delete(StateItem(pk, sk))


# A counter row's own attributes, beside `kind` and `body` (not in the JSON body: DynamoDB can
# only add to a number attribute).
_COUNT, _SINCE = Path("window_count"), Path("window_since")
_COUNT_ATTEMPTS = 8


def _number(value: float) -> dict:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def count_in_window(pk: str, sk: str, kind: str, window_seconds: float,
                    now: float) -> tuple[int, float]:
    """Count one more event in the row's window, atomically, and return (count, since) as they
    stand after it: a window begins with the first event counted (`since`) and lasts
    `window_seconds`; an event after it begins a new one (count 1, since `now`). Each try is
    one conditional UpdateItem that returns the new values, so concurrent callers never lose a
    count and each sees its own. Writing the row over (put_record) starts the count again."""
    item = StateItem(pk, sk)
    start = _number(now - window_seconds)
    common = [StateItem.kind.set(kind), StateItem.body.set(StateItem.body | {})]
    for _ in range(_COUNT_ATTEMPTS):
        for actions, condition in (
                # Within the window (or the first event): one more.
                ([_COUNT.add(_number(1)), _SINCE.set(_SINCE | _number(now))],
                 _SINCE.does_not_exist() | (_SINCE > start)),
                # The window is over: a new one, unless someone else began it meanwhile.
                ([_COUNT.set(_number(1)), _SINCE.set(_number(now))], _SINCE <= start)):
            try:
                reply = item.update(actions=actions + common, condition=condition)
            except UpdateError as e:
                if e.cause_response_code != "ConditionalCheckFailedException":
                    raise
                continue
            values = reply["Attributes"]
            return int(values["window_count"]["N"]), float(values["window_since"]["N"])
    raise RuntimeError(f"could not count an event in {pk}/{sk}: it kept changing")
